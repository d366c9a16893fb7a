// The embedded engine: a data dir (locked), its write-ahead log and the in-memory head, behind
// the storage contract. Commits go WAL first (in call order), then into the head.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  OutOfOrderSampleError,
  StorageClosedError,
  type Appender,
  type MetricMetadata,
  type MetricType,
  type Querier,
  type Storage,
} from '../storage/index.js';
import { Head } from './head.js';
import { formatSeries, formatTime, HeadAppender, type PendingBatch } from './head-appender.js';
import { HeadQuerier } from './head-querier.js';
import { LockFile } from './lock-file.js';
import {
  RECORD_METADATA,
  RECORD_SAMPLES,
  RECORD_SERIES,
  decodeMetadata,
  decodeSamples,
  decodeSeries,
  encodeMetadata,
  encodeSamples,
  encodeSeries,
  Wal,
  type SampleBatch,
} from './wal/index.js';
import { samplesAppended, trackEngine, untrackEngine, type EngineStatsSource } from './self-metrics.js';

/** Logger shape the engine needs (pino's). */
export interface EngineLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface TsdbOptions {
  readonly dir: string;
  readonly fsync: 'interval' | 'always' | 'never';
  readonly fsyncIntervalMs: number;
  readonly segmentBytes: number;
  readonly logger: EngineLogger;
}

/** Samples per WAL record: bounds record size (and replay memory) for huge imports. */
const SAMPLES_PER_RECORD = 8192;

const METRIC_TYPES = new Set<string>(['counter', 'gauge', 'histogram', 'summary', 'unknown']);

export class Tsdb implements Storage, EngineStatsSource {
  readonly head = new Head();
  private readonly opts: TsdbOptions;
  private readonly lock: LockFile;
  private wal: Wal | null = null;
  private closed = false;
  private replayed = false;
  /** Decoded samples of one WAL record, reused across records during replay. */
  private replayBatch: SampleBatch | undefined;
  /** Samples appended since start (replay excluded). */
  samplesAppended = 0;

  private constructor(opts: TsdbOptions, lock: LockFile) {
    this.opts = opts;
    this.lock = lock;
    trackEngine(this);
  }

  /** Creates the data dir if needed and takes its lock; call `start()` to replay the WAL. */
  static open(opts: TsdbOptions): Tsdb {
    mkdirSync(opts.dir, { recursive: true });
    const lock = LockFile.acquire(opts.dir);
    if (lock.staleOwner !== null) {
      opts.logger.warn({ pid: lock.staleOwner }, 'took over the lock of a process that no longer runs (it did not shut down cleanly)');
    }
    return new Tsdb(opts, lock);
  }

  /** Replays the WAL into the head, logging progress; the engine is `ready` afterwards. */
  async start(): Promise<void> {
    const log = this.opts.logger;
    const started = Date.now();
    let wal: Wal;
    try {
      wal = await Wal.open(join(this.opts.dir, 'wal'), {
        fsync: this.opts.fsync,
        fsyncIntervalMs: this.opts.fsyncIntervalMs,
        segmentBytes: this.opts.segmentBytes,
        log: (msg, fields) => log.warn(fields ?? {}, msg),
      });
    } catch (e) {
      this.lock.release();
      throw e;
    }
    this.wal = wal;
    let lastReport = 0;
    let replayedSamples = 0;
    const result = await wal.replay(
      (type, payload) => {
        replayedSamples += this.applyRecord(type, payload);
      },
      (p) => {
        const now = Date.now();
        if (now - lastReport < 1000 && p.bytes < p.totalBytes) return;
        lastReport = now;
        const pct = p.totalBytes === 0 ? 100 : Math.round((100 * p.bytes) / p.totalBytes);
        log.info({ segment: p.segment, segments: p.segments, percent: pct, records: p.records }, 'replaying WAL');
      },
    );
    if (result.truncated) {
      log.warn(result.truncated, 'WAL had a torn or corrupt tail; it was truncated to the last good record');
    }
    log.info(
      { series: this.head.seriesCount, samples: replayedSamples, records: result.records, ms: Date.now() - started },
      'WAL replay done',
    );
    this.replayed = true;
  }

  get ready(): boolean {
    return this.replayed && !this.closed;
  }

  /** Applies one WAL record to the head; returns the samples it held. */
  private applyRecord(type: number, payload: Uint8Array): number {
    const head = this.head;
    if (type === RECORD_SERIES) {
      for (const s of decodeSeries(payload)) {
        if (head.byRefOf(s.ref) === undefined) head.create(s.tenant, s.labels, s.ref);
      }
      return 0;
    }
    if (type === RECORD_SAMPLES) {
      const r = (this.replayBatch = decodeSamples(payload, this.replayBatch));
      for (let i = 0; i < r.n; i++) {
        const s = head.byRefOf(r.refs[i]!);
        const t = r.ts[i]!;
        // A sample without its series record, or out of order, cannot come from our own writes;
        // skipping it keeps a damaged WAL from stopping the start.
        if (s === undefined || t < s.lastT) continue;
        s.append(t, r.vs[i]!);
      }
      head.samples += r.n;
      return r.n;
    }
    if (type === RECORD_METADATA) {
      for (const m of decodeMetadata(payload)) {
        const type = METRIC_TYPES.has(m.type) ? (m.type as MetricType) : 'unknown';
        head.tenant(m.tenant).metadata.set(m.metricName, { type, help: m.help, unit: m.unit });
      }
      return 0;
    }
    return 0;
  }

  appender(tenant: string): Appender {
    return new HeadAppender(this.head, tenant, (batch) => this.commit(batch));
  }

  private commit(batch: PendingBatch): Promise<void> {
    const wal = this.wal;
    if (wal === null || this.closed || !this.replayed) {
      return Promise.reject(new StorageClosedError(this.closed ? 'storage is shutting down' : 'storage is still replaying its WAL'));
    }
    const head = this.head;
    const tenant = batch.tenant;
    // Resolve series again: another request may have created or advanced them since append().
    const created: { ref: number; tenant: string; labels: PendingBatch['series'][number]['labels'] }[] = [];
    for (const p of batch.series) {
      const s = p.series ?? head.get(tenant, p.labels, p.hash);
      if (s !== undefined && p.minT < s.lastT) {
        return Promise.reject(
          new OutOfOrderSampleError(
            `sample of ${formatSeries(p.labels)} at ${formatTime(p.minT)} is older than the newest sample of that series (${formatTime(s.lastT)}); out-of-order samples are not accepted`,
          ),
        );
      }
      p.series = s;
    }
    for (const p of batch.series) {
      if (p.series === undefined) {
        p.series = head.create(tenant, p.labels, undefined, p.hash);
        created.push({ ref: p.series.ref, tenant, labels: p.series.labels });
      }
    }
    const writes: Promise<void>[] = [];
    if (created.length > 0) writes.push(wal.log(RECORD_SERIES, encodeSeries(created)));
    const tm = head.tenant(tenant).metadata;
    const changed: { tenant: string; metricName: string; type: string; help: string; unit: string }[] = [];
    for (const [name, m] of batch.metadata) {
      const have = tm.get(name);
      if (have && have.type === m.type && have.help === m.help && have.unit === m.unit) continue;
      tm.set(name, m);
      changed.push({ tenant, metricName: name, type: m.type, help: m.help, unit: m.unit });
    }
    if (changed.length > 0) writes.push(wal.log(RECORD_METADATA, encodeMetadata(changed)));

    const n = batch.n;
    const refs = new Float64Array(Math.min(n, SAMPLES_PER_RECORD));
    for (let from = 0; from < n; from += SAMPLES_PER_RECORD) {
      const to = Math.min(n, from + SAMPLES_PER_RECORD);
      for (let i = from; i < to; i++) refs[i - from] = batch.series[batch.seriesIdx[i]!]!.series!.ref;
      writes.push(wal.log(RECORD_SAMPLES, encodeSamples(refs, batch.ts.subarray(from, to), batch.vs.subarray(from, to), to - from)));
    }
    // The records are queued in order; the head sees the samples now, the client's answer
    // waits for the WAL write.
    for (let i = 0; i < n; i++) batch.series[batch.seriesIdx[i]!]!.series!.append(batch.ts[i]!, batch.vs[i]!);
    head.samples += n;
    this.samplesAppended += n;
    samplesAppended.inc(n);
    return writes.length === 1 ? writes[0]! : Promise.all(writes).then(() => undefined);
  }

  querier(tenant: string, mint: number, maxt: number): Querier {
    return new HeadQuerier(this.head, tenant, mint, maxt);
  }

  metadata(tenant: string): ReadonlyMap<string, MetricMetadata> {
    return this.head.existingTenant(tenant)?.metadata ?? new Map();
  }

  headStats(): { series: number; chunks: number; chunkBytes: number; samples: number } {
    const c = this.head.chunkStats();
    return { series: this.head.seriesCount, chunks: c.chunks, chunkBytes: c.bytes, samples: c.samples };
  }

  walStats(): { bytesWritten: number; records: number; fsyncs: number; segments: number } | null {
    return this.wal?.stats ?? null;
  }

  /** Flushes and closes the WAL and releases the data dir. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    untrackEngine(this);
    try {
      await this.wal?.close();
    } finally {
      this.lock.release();
    }
  }
}
