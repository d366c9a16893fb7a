// The write-ahead log of the embedded TSDB. `log()` frames a record at once (so WAL order is
// call order) and queues it; one write is in flight at a time, and everything queued while it
// runs goes out in the next write (group commit). A record's promise resolves once write(2)
// has handed it to the OS (and fdatasync returned, with fsync policy 'always').
import { mkdir, unlink } from 'node:fs/promises';
import { StorageClosedError } from '../../storage/index.js';
import { BatchQueue, type Batch } from './batch-queue.js';
import { MAX_RECORD_PAYLOAD, RECORD_HEADER_BYTES } from './record.js';
import { replaySegments, type ReplayProgress, type ReplayResult } from './replay.js';
import { listSegments, SEGMENT_HEADER_BYTES, SegmentFile, segmentName, syncDir, type SegmentRef } from './segment.js';
import { WalWriteError } from './wal-error.js';
import { walWriteDelayMs } from '../failpoint.js';

export type FsyncPolicy = 'interval' | 'always' | 'never';

export interface WalOptions {
  /** 'interval': fsync every fsyncIntervalMs; 'always': before each acknowledgement; 'never'. */
  fsync: FsyncPolicy;
  /** Period of fsyncs with policy 'interval'; default 1000. */
  fsyncIntervalMs?: number | undefined;
  /** A new segment is started before a record that would take a segment past this; default 128 MiB. */
  segmentBytes?: number | undefined;
  /** Receives warnings (a truncated tail, a failed write). */
  log?: ((msg: string, fields?: object) => void) | undefined;
  /**
   * Index of the first segment when the directory holds none (default 0). After a checkpoint
   * covered segments below K and they were deleted, numbering must go on from K.
   */
  firstIndex?: number | undefined;
}

export interface WalStats {
  /** Bytes written by this instance, segment headers included. */
  bytesWritten: number;
  /** Records written by this instance. */
  records: number;
  /** fsync/fdatasync calls made by this instance (segment files and the directory). */
  fsyncs: number;
  /** Segment files created by this instance. */
  segments: number;
  /** write(2)/writev(2) rounds: records / writes is the group-commit factor. */
  writes: number;
}

const DEFAULT_INTERVAL_MS = 1000;
const DEFAULT_SEGMENT_BYTES = 128 * 1024 * 1024;
type State = 'needs-replay' | 'open' | 'closing' | 'closed';

/**
 * An append-only log of typed, CRC-checked records in segment files.
 * @example
 * const wal = await Wal.open(join(dataDir, 'wal'), { fsync: 'interval' });
 * await wal.replay((type, payload) => apply(type, payload));
 * await wal.log(RECORD_SAMPLES, encodeSamples(refs, ts, vs, n));
 */
export class Wal {
  /** Counters of this instance (live object). */
  readonly stats: Readonly<WalStats>;
  private readonly st: WalStats = { bytesWritten: 0, records: 0, fsyncs: 0, segments: 0, writes: 0 };
  private readonly dir: string;
  private readonly policy: FsyncPolicy;
  private readonly intervalMs: number;
  private readonly segmentBytes: number;
  private readonly warn: (msg: string, fields?: object) => void;
  private state: State;
  private replayed = false;
  private readonly found: SegmentRef[];
  private cur: SegmentFile | null = null;

  // Bytes and records assigned (written or queued) to the current segment: rotation is decided
  // when a record is logged, so that it always falls between records.
  private segAssigned = SEGMENT_HEADER_BYTES;
  private segRecords = 0;
  /** Index of the segment the last logged record was assigned to (rotations counted at log time). */
  private assignedIndex = 0;
  /** Set by cutSegment(): the next record starts a new segment. */
  private forceRotate = false;

  /** Batches not yet written; the last may still be open for more records. */
  private readonly queue = new BatchQueue();
  /** The batch being written, taken off the queue. */
  private inflight: Batch | null = null;
  private running = false;
  private scheduled = false;
  private failed: WalWriteError | null = null;

  // fsyncs, rotations and the final close run one after another on this chain, so that no
  // fsync ever meets a closed file descriptor; writes run beside them.
  private fdChain: Promise<void> = Promise.resolve();
  private dirty = false;
  private timer: NodeJS.Timeout | null = null;
  private timerBusy = false;
  private closing: Promise<void> | null = null;

  private constructor(dir: string, opts: WalOptions, found: SegmentRef[]) {
    this.dir = dir;
    this.policy = opts.fsync;
    this.intervalMs = opts.fsyncIntervalMs ?? DEFAULT_INTERVAL_MS;
    this.segmentBytes = opts.segmentBytes ?? DEFAULT_SEGMENT_BYTES;
    this.warn = opts.log ?? (() => {});
    this.found = found;
    this.state = found.length > 0 ? 'needs-replay' : 'open';
    this.stats = this.st;
  }

  /**
   * Opens (creating if needed) the WAL directory `dir`. When it holds segments, call `replay()`
   * before `log()`; an empty one is ready at once.
   */
  static async open(dir: string, opts: WalOptions): Promise<Wal> {
    if (opts.fsync !== 'interval' && opts.fsync !== 'always' && opts.fsync !== 'never') {
      throw new RangeError(`fsync policy is ${JSON.stringify(opts.fsync)}, allowed are interval, always and never`);
    }
    const ms = opts.fsyncIntervalMs;
    if (ms !== undefined && !(Number.isInteger(ms) && ms >= 1 && ms <= 0x7fffffff)) {
      throw new RangeError(`fsync interval is ${ms} ms, it must be a whole number of ms from 1 to 2^31 - 1`);
    }
    const sb = opts.segmentBytes;
    if (sb !== undefined && !(Number.isSafeInteger(sb) && sb >= 64)) {
      throw new RangeError(`segment size is ${sb} bytes, it must be a whole number of at least 64`);
    }
    await mkdir(dir, { recursive: true });
    const first = opts.firstIndex ?? 0;
    if (!(Number.isSafeInteger(first) && first >= 0)) throw new RangeError(`first segment index is ${first}, it must be a whole number >= 0`);
    const wal = new Wal(dir, opts, await listSegments(dir));
    if (wal.state === 'open') {
      await wal.startSegment(first);
      wal.assignedIndex = first;
    }
    return wal;
  }

  /**
   * Reads every record back in order. `payload` is valid only during the call (it views a
   * reused read buffer): decode or copy it there. The first torn or corrupt record (bad length,
   * bad CRC, or a WalCorruptionError thrown by `onRecord`) ends the WAL: its segment is
   * truncated there, later segments are deleted, and the result says so. Other errors thrown
   * by `onRecord` reject the replay and leave the files untouched. New records go to a new
   * segment after the last one kept. Call once.
   */
  async replay(
    onRecord: (type: number, payload: Uint8Array) => void,
    onProgress?: (p: ReplayProgress) => void,
  ): Promise<ReplayResult> {
    if (this.replayed) throw new Error('the WAL was already replayed; replay() is called once, before log()');
    if (this.state === 'closing' || this.state === 'closed') throw new StorageClosedError('the WAL is closed');
    this.replayed = true;
    if (this.state === 'open') {
      // Empty at open: segment 0 was created then and holds nothing yet.
      onProgress?.({ segment: 0, segments: 0, bytes: 0, totalBytes: 0, records: 0 });
      return { records: 0, truncated: null };
    }
    const r = await replaySegments({
      dir: this.dir,
      segments: this.found,
      onRecord,
      onProgress,
      sync: this.policy !== 'never',
      log: this.warn,
    });
    this.st.fsyncs += r.fsyncs;
    if (this.state !== 'needs-replay') throw new StorageClosedError('the WAL was closed during replay');
    await this.startSegment(r.nextIndex);
    this.assignedIndex = r.nextIndex;
    this.state = 'open';
    return { records: r.records, truncated: r.truncated };
  }

  /**
   * Appends one record; resolves once it was written to the segment file (and fsynced, with
   * policy 'always'). Rejects with WalWriteError after a failed write, StorageClosedError once
   * closing. `payload` is copied at once.
   */
  log(type: number, payload: Uint8Array): Promise<void> {
    if (this.state !== 'open') return Promise.reject(this.notOpenError());
    if (this.failed !== null) return Promise.reject(this.failed);
    if (!(Number.isInteger(type) && type >= 1 && type <= 255)) {
      return Promise.reject(new RangeError(`record type is ${type}, it must be an integer from 1 to 255`));
    }
    if (payload.length > MAX_RECORD_PAYLOAD) {
      return Promise.reject(new RangeError(`record payload is ${payload.length} bytes, the limit is ${MAX_RECORD_PAYLOAD}`));
    }
    const need = RECORD_HEADER_BYTES + payload.length;
    const rotate = this.segRecords > 0 && (this.forceRotate || this.segAssigned + need > this.segmentBytes);
    if (rotate) {
      this.segAssigned = SEGMENT_HEADER_BYTES;
      this.segRecords = 0;
      this.assignedIndex++;
      this.forceRotate = false;
    }
    const b = this.queue.add(type, payload, rotate);
    this.segAssigned += need;
    this.segRecords++;
    if (!this.running && !this.scheduled) {
      // Deferred to a microtask so that the records one caller logs in a row share a write; under
      // load, records logged while a write is in flight go out together in the next one.
      this.scheduled = true;
      queueMicrotask(this.kick);
    }
    return b.promise;
  }

  /**
   * Makes every record logged from now on go to segment K or later, and returns K: segments
   * below K hold exactly the records logged before this call. A checkpoint of the state at this
   * moment lets `removeSegmentsBefore(K)` drop them.
   */
  cutSegment(): number {
    if (this.segRecords === 0) return this.assignedIndex;
    this.forceRotate = true;
    return this.assignedIndex + 1;
  }

  /**
   * Deletes the segment files with an index below `k` (after a checkpoint covering them is
   * durable). The open segment may be one of them: after cutSegment() no new record goes to it,
   * and writes still in flight to the unlinked file are harmless (the checkpoint holds them).
   * Returns the indexes deleted.
   */
  async removeSegmentsBefore(k: number): Promise<number[]> {
    const removed: number[] = [];
    for (const s of await listSegments(this.dir)) {
      if (s.index >= k) continue;
      await unlink(s.path).catch((e: NodeJS.ErrnoException) => {
        if (e.code !== 'ENOENT') throw e;
      });
      removed.push(s.index);
    }
    if (removed.length > 0 && this.policy !== 'never') await syncDir(this.dir);
    return removed;
  }

  /** Bytes logged but not yet written: a measure of how far the disk is behind. */
  get pendingBytes(): number {
    return this.queue.queuedBytes + (this.inflight?.bytes ?? 0);
  }

  /** Waits for every record logged so far to be written, then fsyncs the current segment. */
  async sync(): Promise<void> {
    if (this.state !== 'open') throw this.notOpenError();
    const last = this.lastBatch();
    if (last !== undefined) await last.promise;
    if (this.failed !== null) throw this.failed;
    await this.onFdChain(() => this.syncCurrent());
  }

  /** Writes what is queued, fsyncs (unless policy 'never') and closes. Later calls wait for the first. */
  close(): Promise<void> {
    this.closing ??= this.doClose();
    return this.closing;
  }

  private async doClose(): Promise<void> {
    const wasOpen = this.state === 'open';
    this.state = 'closing';
    if (this.timer !== null) clearInterval(this.timer);
    const last = this.lastBatch();
    // A failed write was reported to its callers already.
    if (last !== undefined) await last.promise.catch(() => {});
    try {
      await this.onFdChain(async () => {
        const seg = this.cur;
        if (seg === null) return;
        this.cur = null;
        try {
          if (wasOpen && this.policy !== 'never' && this.failed === null) {
            await seg.sync();
            this.st.fsyncs++;
          }
        } finally {
          await seg.close();
        }
      });
    } finally {
      this.state = 'closed';
    }
  }

  /** The batch every logged record is written by: the last queued one, or the one in flight. */
  private lastBatch(): Batch | undefined {
    return this.queue.last() ?? this.inflight ?? undefined;
  }

  private notOpenError(): Error {
    if (this.state === 'needs-replay') return new Error('the WAL holds segments: call replay() before log()');
    return new StorageClosedError('the WAL is closed');
  }

  private readonly kick = (): void => {
    this.scheduled = false;
    if (!this.running) void this.writeLoop();
  };

  /** Writes queued batches one at a time until the queue is empty. */
  private async writeLoop(): Promise<void> {
    this.running = true;
    for (let b = this.queue.take(); b !== undefined; b = this.queue.take()) {
      this.inflight = b;
      if (this.failed !== null) {
        b.reject(this.failed);
        continue;
      }
      try {
        if (b.rotate) await this.onFdChain(() => this.rotate());
        // Off the event loop on purpose: a write(2) usually takes microseconds, but during page-cache
        // writeback it can block for hundreds of ms; measured on W1, writeSync here raised p99
        // from ~10-14 ms to 110-170 ms.
        const delay = walWriteDelayMs(b.bytes);
        if (delay > 0) await new Promise((r) => setTimeout(r, delay));
        await this.cur!.write(b.chunks, b.bytes);
        this.st.bytesWritten += b.bytes;
        this.st.records += b.records;
        this.st.writes++;
        this.dirty = true;
        if (this.policy === 'always') await this.onFdChain(() => this.syncCurrent());
        this.inflight = null;
        b.resolve();
      } catch (e) {
        this.inflight = null;
        b.reject(this.fail(e, `write to segment ${this.cur === null ? '(none)' : segmentName(this.cur.index)}`));
      }
    }
    this.inflight = null;
    this.running = false;
  }

  /** Poisons the WAL: this and every later record is refused. `what` names the operation. */
  private fail(e: unknown, what: string): WalWriteError {
    if (e instanceof WalWriteError) return e;
    if (this.failed === null) {
      const msg = e instanceof Error ? e.message : String(e);
      this.failed = new WalWriteError(`WAL ${what} failed (${msg}); the WAL takes no more records until restarted`, e);
      this.warn(this.failed.message, { dir: this.dir });
    }
    return this.failed;
  }

  /** Runs `fn` after every earlier fsync, rotation or close has finished. */
  private onFdChain(fn: () => Promise<void>): Promise<void> {
    const p = this.fdChain.then(fn);
    this.fdChain = p.catch(() => {});
    return p;
  }

  private async syncCurrent(): Promise<void> {
    const seg = this.cur;
    if (seg === null || !this.dirty) return;
    this.dirty = false;
    try {
      await seg.sync();
    } catch (e) {
      // After a failed fsync the kernel may have dropped the dirty pages: nothing since the
      // last good fsync can be trusted to be on disk, so stop (as PostgreSQL does).
      throw this.fail(e, `fsync of segment ${segmentName(seg.index)}`);
    }
    this.st.fsyncs++;
  }

  private async rotate(): Promise<void> {
    const old = this.cur!;
    if (this.policy !== 'never') await this.syncCurrent();
    this.cur = null;
    try {
      await old.close();
      await this.startSegment(old.index + 1);
    } catch (e) {
      throw this.fail(e, `start of segment ${segmentName(old.index + 1)}`);
    }
  }

  /**
   * Creates segment `index` as the current one; starts the fsync timer on first use. The
   * caller accounts its bytes: a rotation's records were assigned to it when logged.
   */
  private async startSegment(index: number): Promise<void> {
    this.cur = await SegmentFile.create(this.dir, index);
    this.st.segments++;
    this.st.bytesWritten += SEGMENT_HEADER_BYTES;
    this.dirty = true;
    if (this.policy !== 'never') {
      // The new file's directory entry must survive a power loss as well as its data.
      await syncDir(this.dir);
      this.st.fsyncs++;
    }
    if (this.policy === 'interval' && this.timer === null) {
      this.timer = setInterval(this.onTimer, this.intervalMs);
      this.timer.unref();
    }
  }

  private readonly onTimer = (): void => {
    if (!this.dirty || this.timerBusy || this.failed !== null || this.state !== 'open') return;
    this.timerBusy = true;
    this.onFdChain(() => this.syncCurrent())
      .catch(() => {}) // fail() has recorded and logged it
      .finally(() => {
        this.timerBusy = false;
      });
  };
}
