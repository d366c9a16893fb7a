// The embedded engine: a data dir (locked), its write-ahead log and the in-memory head, behind
// the storage contract. Commits go WAL first (in call order), then into the head.
import { mkdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import {
  ChangeFeed,
  OutOfBoundsError,
  StorageClosedError,
  type Appender,
  type AppenderOptions,
  type Labels,
  type Matcher,
  type SelectHints,
  type MetricMetadata,
  type Querier,
  type Storage,
} from '../storage/index.js';
import { recycleBatchArrays } from './batch-arrays.js';
import { BlockSet } from './block-set.js';
import { BlockQuerier } from './block-querier.js';
import { findCheckpoint, readCheckpoint } from './checkpoint.js';
import { Head, type TenantHead } from './head.js';
import { HeadLoader } from './head-loader.js';
import { Maintenance } from './maintenance.js';
import { coarseRead } from './downsample/coarse-read.js';
import { MergeQuerier } from './merge-querier.js';
import { tsdbStatus, type TsdbStatus } from './tsdb-status.js';
import { deleteSeries, snapshot } from './admin.js';
import { BlockReader, type BlockMeta } from './block/index.js';
import { writeBackfillBlock } from './backfill.js';
import { formatSeries, formatTime, HeadAppender, liveSamples, newStamp, outOfOrder, type PendingBatch } from './head-appender.js';
import { advanceInRow, appendInRow, type MemSeries } from './mem-series.js';
import { F, F_REF, I, I_LOGGED, rows } from './chunk/rows.js';
import { HeadQuerier } from './head-querier.js';
import { LockFile } from './lock-file.js';
import {
  RECORD_METADATA,
  RECORD_SAMPLES,
  RECORD_SERIES,
  encodeMetadata,
  encodeSamples,
  encodeSeries,
  listSegments,
  Wal,
} from './wal/index.js';
import { noteSamplesAppended, trackEngine, untrackEngine, type EngineStatsSource } from './self-metrics.js';

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
  /** Oldest blocks are deleted while blocks + WAL exceed this many bytes; 0 = no limit (default). */
  readonly retentionBytes?: number;
  /** How often head cutting and retention are checked, ms (default 5000; 0: only on `maintain()`). */
  readonly maintenanceIntervalMs?: number;
  /** The clock retention is measured against (default Date.now). */
  readonly now?: () => number;
  /** Merge blocks in the background (default true). */
  readonly compaction?: boolean;
  /** Downsampling levels, finest first (default none). */
  readonly downsample?: readonly { readonly resolution: number; readonly afterMs: number; readonly retentionMs: number }[];
  /** How far behind its series' newest sample a live sample may arrive, ms (default 0: never). */
  readonly outOfOrderWindowMs?: number;
  /**
   * Writes and removals more than this far behind the clock are reported to `changes` (result
   * caches keep answers only for times before it; default 5 min).
   */
  readonly changeSettleMs?: number;
  /** Memory for decoded copies of the head's closed chunks that queries read (default 32 MiB; 0: none). */
  readonly decodedChunksBytes?: number;
}

const DEFAULT_BLOCK_DURATION = 2 * 3_600_000;

/** Samples per WAL record: bounds record size (and replay memory) for huge imports. */
const SAMPLES_PER_RECORD = 8192;


export class Tsdb implements Storage, EngineStatsSource {
  readonly head: Head;
  /** Changes to past data (late and backfilled samples, deletions, blocks added or removed), for result caches. */
  readonly changes: ChangeFeed;
  private readonly opts: TsdbOptions;
  private readonly lock: LockFile;
  private wal: Wal | null = null;
  private blocks: BlockSet | null = null;
  private readonly blockDuration: number;
  private readonly oooWindow: number;
  private maintenance: Promise<void> = Promise.resolve();
  private maintaining = false;
  private timer: NodeJS.Timeout | null = null;
  private maint: Maintenance | null = null;
  private closed = false;
  private replayed = false;
  /** Samples appended since start (replay excluded). */
  samplesAppended = 0;

  private constructor(opts: TsdbOptions, lock: LockFile) {
    this.opts = opts;
    this.lock = lock;
    this.blockDuration = opts.blockDurationMs ?? DEFAULT_BLOCK_DURATION;
    this.oooWindow = opts.outOfOrderWindowMs ?? 0;
    this.head = new Head(opts.decodedChunksBytes);
    this.changes = new ChangeFeed(opts.changeSettleMs ?? 5 * 60_000, opts.now ?? Date.now);
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
    const loader = new HeadLoader(this.head);
    let wal: Wal;
    let fromCheckpoint = 0;
    try {
      const blocks = (this.blocks = await BlockSet.load(join(this.opts.dir, 'blocks'), log));
      // A block added or removed may change answers from its start on (a cut or a merge moves
      // samples without changing them; reported all the same, which only costs a cache refill).
      blocks.onChange = (minT) => this.changes.changed(minT);
      // Samples before the end of the newest block cut from the head are in that block already.
      for (const t of blocks.tenants()) {
        const th = this.head.tenant(t);
        th.minValidT = th.readMinT = blocks.headStart(t);
      }
      const cp = await findCheckpoint(walDir);
      if (cp !== null) {
        const records = await readCheckpoint(cp.path, (type, payload) => {
          fromCheckpoint += loader.apply(type, payload);
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
        replayedSamples += loader.apply(type, payload);
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
    this.maint = new Maintenance({
      head: this.head,
      blocks: this.blocks!,
      wal,
      walDir,
      sync: this.opts.fsync !== 'never',
      logger: log,
      blockDuration: this.blockDuration,
      retentionMs: this.opts.retentionMs ?? 0,
      retentionBytes: this.opts.retentionBytes ?? 0,
      compaction: this.opts.compaction ?? true,
      downsample: this.opts.downsample ?? [],
      now: this.opts.now ?? Date.now,
      isClosed: () => this.closed,
    });
    this.replayed = true;
    // Appenders that added while the WAL replayed checked against a head that kept changing.
    this.head.epoch++;
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

  appender(tenant: string, opts?: AppenderOptions): Appender {
    return new HeadAppender(this.head, tenant, (batch) => this.commit(batch), {
      oooWindowMs: this.oooWindow,
      backfill: opts?.backfill ?? false,
      ready: () => this.ready,
    });
  }

  private commit(batch: PendingBatch): Promise<void> {
    // Series this batch created but stored nothing in (refused, or only backfilled samples) are
    // removed again once it is settled.
    const cleanUp = () => this.head.removeIfEmpty(batch.tenant, batch.created);
    const wal = this.wal;
    if (wal === null || this.closed || !this.replayed) {
      return Promise.reject(new StorageClosedError(this.closed ? 'storage is shutting down' : 'storage is still replaying its WAL'));
    }
    const th = this.head.tenant(batch.tenant);
    if (batch.backfill) {
      for (let i = 0; i < batch.n; i++) {
        if (batch.ts[i]! < th.minValidT) return this.commitWithBackfill(batch, th.minValidT).finally(cleanUp);
      }
    }
    try {
      return this.commitLive(batch, th, wal);
    } finally {
      cleanUp();
      // commitLive keeps nothing of the per-sample arrays (the WAL records are copies).
      recycleBatchArrays(batch, batch.n);
    }
  }

  /** Checks and applies a batch with no sample before the head (commit() checked the engine is open). */
  private commitLive(batch: PendingBatch, th: TenantHead, wal: Wal): Promise<void> {
    const head = this.head;
    const tenant = batch.tenant;
    // Every sample is checked before anything is applied: a batch is stored whole or not at all.
    let late: Uint8Array | null;
    // The appender's checks stand when nothing changed the head since its first sample
    // (HeadAppender.add); otherwise every sample is checked again here.
    if (batch.checkedAt === head.epoch) late = batch.late;
    else {
      try {
        late = this.checkLive(batch, th);
      } catch (err) {
        return Promise.reject(err);
      }
    }
    // Applying moves series' newest timestamps.
    head.epoch++;
    const n = batch.n;
    const series = batch.series;
    const { refs, ts, vs } = batch;
    const rs = batch.rows;
    const created: { ref: number; tenant: string; labels: Labels }[] = [];
    // The batch's earliest sample (for the change feed; the head's start follows from it).
    let batchMinT = Infinity;
    let maxT = th.maxT;
    // One pass applies the batch to the head and gathers what the WAL records need, through the
    // series' rows (checkLive made refs and rows current): the series objects are visited only
    // for what is rare (a new series, a late sample, a chunk to start or cut).
    for (let i = 0; i < n; i++) {
      const r = rs[i]!;
      const t = ts[i]!;
      if (t < batchMinT) batchMinT = t;
      if (t > maxT) maxT = t;
      const li = r * I + I_LOGGED;
      if (rows.i32[li] === 0) {
        rows.i32[li] = 1;
        const s = series[i]!;
        created.push({ ref: s.ref, tenant, labels: s.labels });
      }
      if (late !== null && late[i] === 1) series[i]!.insertOoo(t, vs[i]!);
      else if (!appendInRow(r, t, vs[i]!)) series[i]!.append(t, vs[i]!);
    }
    th.minT = Math.min(th.minT, batchMinT);
    th.maxT = maxT;
    // The samples are visible now: result caches learn which past times they touched.
    this.changes.changed(batchMinT);
    // The records are queued in this order (series before the samples naming them); the head
    // has the samples already, the client's answer waits for the WAL write.
    const writes: Promise<void>[] = [];
    if (created.length > 0) writes.push(wal.log(RECORD_SERIES, encodeSeries(created)));
    const tm = th.metadata;
    const changed: { tenant: string; metricName: string; type: string; help: string; unit: string }[] = [];
    for (const [name, m] of batch.metadata) {
      const have = tm.get(name);
      if (have && have.type === m.type && have.help === m.help && have.unit === m.unit) continue;
      tm.set(name, m);
      changed.push({ tenant, metricName: name, type: m.type, help: m.help, unit: m.unit });
    }
    if (changed.length > 0) writes.push(wal.log(RECORD_METADATA, encodeMetadata(changed)));
    for (let from = 0; from < n; from += SAMPLES_PER_RECORD) {
      const to = Math.min(n, from + SAMPLES_PER_RECORD);
      writes.push(wal.log(RECORD_SAMPLES, encodeSamples(refs, ts, vs, to - from, from)));
    }
    head.samples += n;
    this.samplesAppended += n;
    noteSamplesAppended(n);
    return writes.length === 1 ? writes[0]! : Promise.all(writes).then(() => undefined);
  }

  /**
   * Resolves the batch's series against the head (a block cut may have dropped them since
   * append(); then the live series of those labels is used, or made) and checks every sample;
   * returns which samples are late (null: none) or throws the batch's first problem.
   */
  private checkLive(batch: PendingBatch, th: TenantHead): Uint8Array | null {
    const series = batch.series;
    const refs = batch.refs;
    const rs = batch.rows;
    // The walk below takes over rows' scratch: appenders collecting meanwhile must check again.
    this.head.epoch++;
    const stamp = newStamp();
    // Imports take samples of any age: the window is for live pushes only.
    const window = batch.backfill ? Infinity : this.oooWindow;
    const minValidT = th.minValidT;
    let late: Uint8Array | null = null;
    for (let i = 0; i < batch.n; i++) {
      let r = rs[i]!;
      // A row still naming the series' ref is its live row; otherwise the series left the head
      // (its row was given back, maybe to another series) or was a stand-in with none.
      if (r < 0 || rows.f64[r * F + F_REF] !== refs[i]) {
        const s = (series[i] = this.live(batch, series[i]!));
        r = rs[i] = s.rowIndex;
        refs[i] = s.ref;
      }
      const t = batch.ts[i]!;
      if (t < minValidT) {
        throw new OutOfBoundsError(
          `sample of ${formatSeries(series[i]!.labels)} at ${formatTime(t)} is older than the in-memory head, which starts at ${formatTime(minValidT)}; ` +
            'that time range is already written to blocks and takes no live appends',
        );
      }
      const run = advanceInRow(r, stamp, t);
      if (t >= run) continue;
      if (t < run - window) throw outOfOrder(series[i]!.labels, t, run, window);
      (late ??= new Uint8Array(batch.n))[i] = 1;
    }
    return late;
  }

  /** The live head series standing for `dropped` (same labels), created when there is none. */
  private live(batch: PendingBatch, dropped: MemSeries): MemSeries {
    const found = this.head.get(batch.tenant, dropped.labels);
    if (found !== undefined) return found;
    const s = this.head.create(batch.tenant, dropped.labels, undefined, undefined, false);
    (batch.created as MemSeries[]).push(s);
    return s;
  }

  /**
   * Commits a batch holding samples older than the head: those are written as a block of their
   * own first (visible once this resolves), then the rest goes through the head as usual. The
   * rest is checked before the block is written, so a refused batch stores nothing.
   */
  private async commitWithBackfill(batch: PendingBatch, before: number): Promise<void> {
    const live = liveSamples(batch, before);
    this.checkLive(live, this.head.tenant(batch.tenant));
    const meta = await writeBackfillBlock(this.blocks!.dir, batch, before, this.blockDuration);
    if (meta !== null) this.blocks!.add(await BlockReader.open(join(this.blocks!.dir, meta.ulid)));
    // A head cut may have moved the head's start meanwhile; commit() sends anything now too old
    // to another block.
    return this.commit(live);
  }

  querier(tenant: string, mint: number, maxt: number, hints?: SelectHints): Querier {
    const blocks = this.blocks;
    const headMin = this.head.existingTenant(tenant)?.readMinT ?? -Infinity;
    const coarse = coarseRead(hints);
    const acquired = blocks === null ? [] : blocks.acquire(tenant, mint, maxt, coarse?.maxResolution ?? 0);
    const headQ = new HeadQuerier(this.head, tenant, Math.max(mint, headMin), maxt);
    if (acquired.length === 0) return headQ;
    const sources: Querier[] = acquired.map(
      (e) =>
        new BlockQuerier(
          e.reader,
          mint,
          maxt,
          (err) => {
            blocks!.quarantine(e, err).catch((qe: Error) => this.opts.logger.error({ block: e.meta.ulid, err: qe.message }, 'could not quarantine a damaged block'));
          },
          coarse?.aggregate,
        ),
    );
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
    const m = this.maint;
    if (this.closed || !this.replayed || m === null) return;
    this.maintaining = true;
    try {
      await m.run();
    } catch (err) {
      this.opts.logger.error({ err: (err as Error).message }, 'background block work failed; it is retried on the next run');
      throw err;
    } finally {
      this.maintaining = false;
    }
  }

  /** What background work did since start (blocks cut, checkpoints, compactions, retention). */
  get maintenanceStats(): Maintenance['stats'] {
    return this.maint?.stats ?? { blocksCut: 0, checkpoints: 0, compactions: 0, retentionDeleted: 0, downsampled: 0 };
  }

  /** The open blocks' metas, oldest first per tenant. */
  blockMetas(): BlockMeta[] {
    return this.blocks === null ? [] : this.blocks.all().map((e) => e.meta);
  }

  /**
   * Deletes the samples in [mint, maxt] of the tenant's series matching all matchers: at once
   * for reads, from disk when compaction rewrites the blocks concerned.
   */
  async deleteSeries(tenant: string, matchers: readonly Matcher[], mint: number, maxt: number): Promise<{ blockSeries: number; headSeries: number }> {
    if (this.wal === null || this.blocks === null || this.closed || !this.replayed) throw new StorageClosedError('storage is not ready');
    try {
      return await deleteSeries(this.head, this.blocks, this.wal, tenant, matchers, mint, maxt);
    } finally {
      this.changes.changed(mint);
    }
  }

  /** Writes a snapshot of all data under `<data dir>/snapshots/`; returns its name. */
  async snapshot(skipHead: boolean): Promise<string> {
    if (this.blocks === null || this.closed || !this.replayed) throw new StorageClosedError('storage is not ready');
    return snapshot(this.opts.dir, this.head, this.blocks, skipHead);
  }

  /** What /api/v1/status/tsdb shows for a tenant; `limit` entries per top list. */
  status(tenant: string, limit = 10): TsdbStatus {
    return tsdbStatus(this.head, this.blocks?.of(tenant) ?? [], tenant, limit);
  }

  /** Block count, bytes and samples over all tenants. */
  blockStats(): { blocks: number; bytes: number; samples: number } {
    let bytes = 0;
    let samples = 0;
    const all = this.blocks?.all() ?? [];
    for (const e of all) {
      bytes += e.reader.bytes;
      samples += e.meta.stats.numSamples;
    }
    return { blocks: all.length, bytes, samples };
  }

  metadata(tenant: string): ReadonlyMap<string, MetricMetadata> {
    return this.head.existingTenant(tenant)?.metadata ?? new Map();
  }

  decodedChunkStats(): { hits: number; misses: number; bytes: number; chunks: number } {
    const d = this.head.decoded;
    return { hits: d.hits, misses: d.misses, bytes: d.bytes, chunks: d.size };
  }

  headStats(): { series: number; chunks: number; chunkBytes: number; samples: number } {
    const c = this.head.chunkStats();
    return { series: this.head.seriesCount, chunks: c.chunks, chunkBytes: c.bytes, samples: c.samples };
  }

  /** WAL bytes logged and not yet written: how far the disk is behind. */
  get walPendingBytes(): number {
    return this.wal?.pendingBytes ?? 0;
  }

  walStats(): { bytesWritten: number; records: number; fsyncs: number; segments: number; writes: number } | null {
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
