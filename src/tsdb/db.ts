// The embedded engine: a data dir (locked), its write-ahead log and the in-memory head, behind
// the storage contract. Commits go WAL first (in call order), then into the head.
import { mkdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import {
  OutOfBoundsError,
  OutOfOrderSampleError,
  StorageClosedError,
  type Appender,
  type MetricMetadata,
  type MetricType,
  type Querier,
  type Storage,
} from '../storage/index.js';
import { BlockReader } from './block/index.js';
import { BlockSet } from './block-set.js';
import { BlockQuerier } from './block-querier.js';
import { findCheckpoint, readCheckpoint, writeCheckpoint, type CheckpointRecord } from './checkpoint.js';
import { cutBlock } from './cut/cut-block.js';
import { Head, type TenantHead } from './head.js';
import { MergeQuerier } from './merge-querier.js';
import { formatSeries, formatTime, HeadAppender, type PendingBatch } from './head-appender.js';
import { HeadQuerier } from './head-querier.js';
import { LockFile } from './lock-file.js';
import {
  RECORD_CHUNKS,
  RECORD_METADATA,
  RECORD_SAMPLES,
  RECORD_SERIES,
  decodeChunks,
  decodeMetadata,
  decodeSamples,
  decodeSeries,
  encodeChunks,
  encodeMetadata,
  encodeSamples,
  encodeSeries,
  listSegments,
  Wal,
  type RefChunk,
  type RefChunks,
  type RefMetadata,
  type RefSeries,
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
  /** Length of the time range of a block cut from the head, ms (default 2 h). */
  readonly blockDurationMs?: number;
  /** Blocks wholly older than now - retention are deleted; 0 keeps everything (default 0). */
  readonly retentionMs?: number;
  /** How often head cutting and retention are checked, ms (default 5000; 0: only on `maintain()`). */
  readonly maintenanceIntervalMs?: number;
  /** The clock retention is measured against (default Date.now). */
  readonly now?: () => number;
}

/** Series per record in a checkpoint. */
const CHECKPOINT_BATCH = 1000;
const DEFAULT_BLOCK_DURATION = 2 * 3_600_000;

/** Samples per WAL record: bounds record size (and replay memory) for huge imports. */
const SAMPLES_PER_RECORD = 8192;

const METRIC_TYPES = new Set<string>(['counter', 'gauge', 'histogram', 'summary', 'unknown']);

export class Tsdb implements Storage, EngineStatsSource {
  readonly head = new Head();
  private readonly opts: TsdbOptions;
  private readonly lock: LockFile;
  private wal: Wal | null = null;
  private blocks: BlockSet | null = null;
  private readonly blockDuration: number;
  private maintenance: Promise<void> = Promise.resolve();
  private maintaining = false;
  private timer: NodeJS.Timeout | null = null;
  /** Blocks cut from the head and checkpoints written since start. */
  readonly cuts = { blocks: 0, checkpoints: 0, retentionDeleted: 0 };
  // The tenant whose TenantHead the last replayed sample used (replay is mostly one tenant).
  private replayTenant = '';
  private replayTenantHead: TenantHead | undefined;
  private closed = false;
  private replayed = false;
  /** Decoded samples of one WAL record, reused across records during replay. */
  private replayBatch: SampleBatch | undefined;
  /** Samples appended since start (replay excluded). */
  samplesAppended = 0;

  private constructor(opts: TsdbOptions, lock: LockFile) {
    this.opts = opts;
    this.lock = lock;
    this.blockDuration = opts.blockDurationMs ?? DEFAULT_BLOCK_DURATION;
    if (!(Number.isSafeInteger(this.blockDuration) && this.blockDuration >= 1)) {
      throw new RangeError(`block duration is ${this.blockDuration} ms, it must be a whole number of ms >= 1`);
    }
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
    const walDir = join(this.opts.dir, 'wal');
    let wal: Wal;
    let fromCheckpoint = 0;
    try {
      const blocks = (this.blocks = await BlockSet.load(join(this.opts.dir, 'blocks'), log));
      // Samples before the end of the newest block cut from the head are in that block already.
      for (const t of blocks.tenants()) {
        const th = this.head.tenant(t);
        th.minValidT = th.readMinT = blocks.headStart(t);
      }
      const cp = await findCheckpoint(walDir);
      if (cp !== null) {
        const records = await readCheckpoint(cp.path, (type, payload) => {
          fromCheckpoint += this.applyRecord(type, payload);
        });
        log.info({ checkpoint: cp.path, records, samples: fromCheckpoint }, 'loaded WAL checkpoint');
        // Segments below the checkpoint's index are covered by it (a crash may have left some).
        for (const seg of await listSegments(walDir)) if (seg.index < cp.index) await rm(seg.path, { force: true });
      }
      wal = await Wal.open(walDir, {
        fsync: this.opts.fsync,
        fsyncIntervalMs: this.opts.fsyncIntervalMs,
        segmentBytes: this.opts.segmentBytes,
        log: (msg, fields) => log.warn(fields ?? {}, msg),
        firstIndex: cp?.index ?? 0,
      });
    } catch (e) {
      await this.blocks?.closeAll();
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
      {
        series: this.head.seriesCount,
        samples: replayedSamples,
        checkpointSamples: fromCheckpoint,
        records: result.records,
        blocks: this.blocks!.all().length,
        ms: Date.now() - started,
      },
      'WAL replay done',
    );
    this.replayTenantHead = undefined;
    this.replayed = true;
    const every = this.opts.maintenanceIntervalMs ?? 5000;
    if (every > 0) {
      this.timer = setInterval(() => {
        if (!this.maintaining) void this.maintain().catch(() => {});
      }, every);
      this.timer.unref();
    }
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
      let n = 0;
      for (let i = 0; i < r.n; i++) {
        const s = head.byRefOf(r.refs[i]!);
        const t = r.ts[i]!;
        // A sample without its series record, or out of order, cannot come from our own writes;
        // skipping it keeps a damaged WAL from stopping the start.
        if (s === undefined || t < s.lastT) continue;
        const th = this.tenantForReplay(s.tenant);
        // Older samples went into a block before the crash; the WAL still held them.
        if (t < th.minValidT) continue;
        s.append(t, r.vs[i]!);
        if (t < th.minT) th.minT = t;
        if (t > th.maxT) th.maxT = t;
        n++;
      }
      head.samples += n;
      return n;
    }
    if (type === RECORD_CHUNKS) {
      let n = 0;
      for (const e of decodeChunks(payload)) {
        const s = head.byRefOf(e.ref);
        if (s === undefined) continue;
        const th = this.tenantForReplay(s.tenant);
        for (const c of e.chunks) {
          if (c.maxT < th.minValidT) continue;
          s.loadChunk(c.data, c.minT, c.maxT, c.count);
          if (c.minT < th.minT) th.minT = Math.max(c.minT, th.minValidT);
          if (c.maxT > th.maxT) th.maxT = c.maxT;
          n += c.count;
        }
      }
      head.samples += n;
      return n;
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

  private tenantForReplay(name: string): TenantHead {
    if (this.replayTenantHead === undefined || this.replayTenant !== name) {
      this.replayTenant = name;
      this.replayTenantHead = this.head.tenant(name);
    }
    return this.replayTenantHead;
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
    const th = head.tenant(tenant);
    // Resolve series again: another request may have created or advanced them since append(),
    // and a block cut may have dropped them from the head.
    const created: { ref: number; tenant: string; labels: PendingBatch['series'][number]['labels'] }[] = [];
    for (const p of batch.series) {
      const s = p.series !== undefined && !p.series.dropped ? p.series : head.get(tenant, p.labels, p.hash);
      if (p.minT < th.minValidT) {
        return Promise.reject(
          new OutOfBoundsError(
            `sample of ${formatSeries(p.labels)} at ${formatTime(p.minT)} is older than the in-memory head, which starts at ${formatTime(th.minValidT)}; ` +
              'older time ranges are already written to blocks and take no live appends',
          ),
        );
      }
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
      if (p.minT < th.minT) th.minT = p.minT;
      if (p.lastT > th.maxT) th.maxT = p.lastT;
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
    const blocks = this.blocks;
    const headMin = this.head.existingTenant(tenant)?.readMinT ?? -Infinity;
    const acquired = blocks === null ? [] : blocks.acquire(tenant, mint, maxt);
    const headQ = new HeadQuerier(this.head, tenant, Math.max(mint, headMin), maxt);
    if (acquired.length === 0) return headQ;
    const sources: Querier[] = acquired.map((e) => new BlockQuerier(e.reader, mint, maxt));
    if (maxt >= headMin) sources.push(headQ);
    return new MergeQuerier(sources, () => blocks!.release(acquired));
  }

  /**
   * Runs the background work once, now: cuts every tenant's head into blocks while it spans more
   * than 1.5 block durations (then writes a WAL checkpoint and drops the segments it covers), and
   * deletes blocks past retention. Calls are serialised; the timer calls it too.
   */
  maintain(): Promise<void> {
    const run = this.maintenance.then(() => this.maintainOnce());
    this.maintenance = run.catch(() => {});
    return run;
  }

  private async maintainOnce(): Promise<void> {
    if (this.closed || !this.replayed) return;
    this.maintaining = true;
    try {
      let cut = false;
      for (const name of [...this.head.tenantNames()]) {
        while (!this.closed && (await this.cutOnce(name))) cut = true;
      }
      if (cut && !this.closed) await this.checkpoint();
      if (!this.closed) await this.applyRetention();
    } catch (err) {
      this.opts.logger.error({ err: (err as Error).message }, 'background block work failed; it is retried on the next run');
      throw err;
    } finally {
      this.maintaining = false;
    }
  }

  /** Cuts the oldest block range of a tenant's head if the head spans 1.5 block durations. */
  private async cutOnce(tenant: string): Promise<boolean> {
    const th = this.head.existingTenant(tenant)!;
    const d = this.blockDuration;
    const lo = Math.max(th.minT, th.minValidT);
    if (!Number.isFinite(lo) || !Number.isFinite(th.maxT) || th.maxT - lo < d * 1.5) return false;
    const a = Math.floor(lo / d) * d;
    const b = a + d;
    // From here on appends before b are refused, so the range stays as the worker reads it.
    th.minValidT = b;
    const started = Date.now();
    const meta = await cutBlock(this.head, tenant, a, b, this.blocks!.dir);
    const reader = meta === null ? null : await BlockReader.open(join(this.blocks!.dir, meta.ulid));
    // The block becomes visible and the head stops serving the range in the same turn.
    if (reader !== null) this.blocks!.add(reader);
    th.readMinT = b;
    const gone = [];
    for (const ref of th.postings.all) {
      const s = this.head.byRefOf(ref);
      if (s !== undefined && s.dropChunksBefore(b)) gone.push(s);
    }
    this.head.remove(tenant, gone);
    if (meta !== null) {
      this.cuts.blocks++;
      this.opts.logger.info(
        { tenant, block: meta.ulid, minTime: a, maxTime: b, series: meta.stats.numSeries, samples: meta.stats.numSamples, droppedSeries: gone.length, ms: Date.now() - started },
        'cut head into block',
      );
    }
    return true;
  }

  /**
   * Writes the head's state as a checkpoint and deletes the WAL segments it replaces. The state
   * is captured in one synchronous step together with the WAL cut, so that records logged later
   * all go to segments the checkpoint does not cover.
   */
  private async checkpoint(): Promise<void> {
    const wal = this.wal!;
    const k = wal.cutSegment();
    const records = this.checkpointRecords();
    const walDir = join(this.opts.dir, 'wal');
    const bytes = await writeCheckpoint(walDir, k, records, this.opts.fsync !== 'never');
    const removed = await wal.removeSegmentsBefore(k);
    this.cuts.checkpoints++;
    this.opts.logger.info({ index: k, bytes, removedSegments: removed.length }, 'wrote WAL checkpoint');
  }

  private checkpointRecords(): CheckpointRecord[] {
    const out: CheckpointRecord[] = [];
    const head = this.head;
    const meta: RefMetadata[] = [];
    for (const tenant of head.tenantNames()) {
      const th = head.existingTenant(tenant)!;
      const refs = th.postings.all;
      for (let from = 0; from < refs.length; from += CHECKPOINT_BATCH) {
        const series: RefSeries[] = [];
        const chunks: RefChunks[] = [];
        for (let i = from; i < Math.min(refs.length, from + CHECKPOINT_BATCH); i++) {
          const s = head.byRefOf(refs[i]!);
          if (s === undefined) continue;
          series.push({ ref: s.ref, tenant, labels: s.labels });
          const cs: RefChunk[] = [];
          for (let c = 0; c < s.chunks.length; c++) {
            cs.push({ minT: s.chunkMinT[c]!, maxT: s.chunkMaxT[c]!, count: s.chunkCount[c]!, data: s.chunks[c]! });
          }
          const h = s.head;
          if (h !== null && h.count > 0) cs.push({ minT: h.minT, maxT: h.maxT, count: h.count, data: h.bytes() });
          if (cs.length > 0) chunks.push({ ref: s.ref, chunks: cs });
        }
        if (series.length > 0) out.push({ type: RECORD_SERIES, payload: encodeSeries(series) });
        if (chunks.length > 0) out.push({ type: RECORD_CHUNKS, payload: encodeChunks(chunks) });
      }
      for (const [metricName, m] of th.metadata) meta.push({ tenant, metricName, type: m.type, help: m.help, unit: m.unit });
    }
    if (meta.length > 0) out.push({ type: RECORD_METADATA, payload: encodeMetadata(meta) });
    return out;
  }

  /** Deletes the blocks whose whole time range is older than now - retention. */
  private async applyRetention(): Promise<void> {
    const retention = this.opts.retentionMs ?? 0;
    if (retention <= 0 || this.blocks === null) return;
    const limit = (this.opts.now ?? Date.now)() - retention;
    const old = this.blocks.all().filter((e) => e.meta.maxTime <= limit);
    if (old.length === 0) return;
    await this.blocks.delete(old);
    this.cuts.retentionDeleted += old.length;
    this.opts.logger.info({ blocks: old.map((e) => e.meta.ulid), before: new Date(limit).toISOString() }, 'deleted blocks past retention');
  }

  /** The open blocks' metas, oldest first per tenant. */
  blockMetas(): import('./block/index.js').BlockMeta[] {
    return this.blocks === null ? [] : this.blocks.all().map((e) => e.meta);
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
    if (this.timer !== null) clearInterval(this.timer);
    try {
      await this.maintenance;
      await this.wal?.close();
      await this.blocks?.closeAll();
    } finally {
      this.lock.release();
    }
  }
}
