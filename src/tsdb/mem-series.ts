// One series in the head: its labels and its samples as a list of compressed chunks (decimal
// varint; XOR ones from older checkpoints), the last of which is still being appended to.
import type { Labels } from '../storage/index.js';
import { HeadChunkAppender } from './chunk/head-chunk.js';
import { MergeIterator } from './merge-querier.js';
import { ArrayIterator, OooBuffer } from './ooo-buffer.js';
import { ChunksIterator } from './series-iterator.js';

/** Samples per chunk before a new one is cut (Prometheus's figure: compression flattens out near it). */
export const SAMPLES_PER_CHUNK = 120;

// Frozen, so that a push that bypasses addClosed fails loudly instead of sharing chunks.
const NO_CHUNKS = Object.freeze([]) as unknown as Uint8Array[];
const NO_TIMES = Object.freeze([]) as unknown as number[];

export class MemSeries {
  readonly ref: number;
  readonly tenant: string;
  readonly labels: Labels;
  // The four lists of closed chunks start as one shared empty array each: most series of a young
  // head have none yet, and an array's first push allocates room for 17 elements.
  /** Closed chunks, oldest first, as compact encoded bytes. Read-only outside this class. */
  chunks: Uint8Array[] = NO_CHUNKS;
  /** Max timestamp of each closed chunk, for skipping chunks outside a query range. */
  chunkMaxT: number[] = NO_TIMES;
  /** Min timestamp of each closed chunk. */
  chunkMinT: number[] = NO_TIMES;
  /** Samples in each closed chunk (chunks loaded from a checkpoint may hold fewer than 120). */
  chunkCount: number[] = NO_TIMES;
  /** Set when the series was dropped from the head (all its samples went into blocks). */
  dropped = false;
  head: HeadChunkAppender | null = null;
  /** Samples that arrived out of order (older than lastT, within the out-of-order window). */
  ooo: OooBuffer | null = null;
  /** Newest timestamp appended; -Infinity when empty. */
  lastT = -Infinity;
  /** Oldest timestamp held; Infinity when empty. */
  firstT = Infinity;
  /** Whether the WAL has the series record (series created by an appender are logged at commit). */
  logged: boolean;
  /**
   * Scratch for whoever holds `stamp` (an appender while collecting, a commit while checking):
   * the newest timestamp seen so far. Saves a map per batch on the hot path.
   */
  stamp = 0;
  scratchT = -Infinity;

  constructor(ref: number, tenant: string, labels: Labels, logged = true) {
    this.ref = ref;
    this.tenant = tenant;
    this.labels = labels;
    this.logged = logged;
  }

  /** Whether the series holds no sample at all. */
  get empty(): boolean {
    return this.lastT === -Infinity && this.ooo === null;
  }

  /** Appends one sample; the caller has checked that t >= lastT. */
  append(t: number, v: number): void {
    let h = this.head;
    if (h === null || h.count >= SAMPLES_PER_CHUNK) {
      if (h !== null) {
        this.addClosed(h.close(), h.minT, h.maxT, h.count);
      }
      h = this.head = new HeadChunkAppender();
    }
    h.append(t, v);
    if (t < this.firstT) this.firstT = t;
    this.lastT = t;
  }

  /** Stores a sample older than lastT; a sample already at `t` is replaced (last write wins). */
  insertOoo(t: number, v: number): void {
    (this.ooo ??= new OooBuffer()).insert(t, v);
    if (t < this.firstT) this.firstT = t;
  }

  /**
   * Removes the samples in [mint, maxt] (admin API delete_series): the series' chunks are
   * rebuilt from what remains. Returns how many samples were removed.
   */
  deleteRange(mint: number, maxt: number): number {
    if (maxt < this.firstT || mint > this.lastT) return 0;
    const ts: number[] = [];
    const vs = new Float64Array(this.sampleCount);
    let n = 0;
    let removed = 0;
    const it = new ChunksIterator(this.chunksIn(-Infinity, Infinity), -Infinity, Infinity);
    const late = this.ooo?.slice(-Infinity, Infinity);
    const all = late === undefined ? it : new MergeIterator([it, new ArrayIterator(late.ts, late.vs)]);
    while (all.next()) {
      const t = all.atT();
      if (t >= mint && t <= maxt) {
        removed++;
        continue;
      }
      ts.push(t);
      vs[n++] = all.atV();
    }
    if (removed === 0) return 0;
    this.chunks = NO_CHUNKS;
    this.chunkMinT = this.chunkMaxT = this.chunkCount = NO_TIMES;
    this.releaseHead();
    this.ooo = null;
    this.firstT = Infinity;
    this.lastT = -Infinity;
    for (let i = 0; i < n; i++) this.append(ts[i]!, vs[i]!);
    return removed;
  }

  private addClosed(data: Uint8Array, minT: number, maxT: number, count: number): void {
    if (this.chunks === NO_CHUNKS) {
      this.chunks = [data];
      this.chunkMinT = [minT];
      this.chunkMaxT = [maxT];
      this.chunkCount = [count];
      return;
    }
    this.chunks.push(data);
    this.chunkMinT.push(minT);
    this.chunkMaxT.push(maxT);
    this.chunkCount.push(count);
  }

  /** Drops the open chunk, giving its memory back (the series is rebuilt). */
  releaseHead(): void {
    this.head?.release();
    this.head = null;
  }

  /**
   * Closes the open chunk into a compact one (the series leaves the head): its arena segments go
   * back, and a query that still holds the series reads the same samples.
   */
  closeHead(): void {
    const h = this.head;
    if (h === null) return;
    this.head = null;
    if (h.count === 0) {
      h.release();
      return;
    }
    this.addClosed(h.close(), h.minT, h.maxT, h.count);
  }

  /**
   * Adds a closed chunk read back from a checkpoint; called before any append, in time order.
   * `data` must be a head chunk (XOR or decimal varint) holding `count` samples in [minT, maxT].
   */
  loadChunk(data: Uint8Array, minT: number, maxT: number, count: number): void {
    this.addClosed(data, minT, maxT, count);
    if (minT < this.firstT) this.firstT = minT;
    if (maxT > this.lastT) this.lastT = maxT;
  }

  /**
   * Forgets the closed chunks whose samples all lie before `t` (they are in a block now).
   * Returns true when the series holds no sample at or after `t` any more.
   */
  dropChunksBefore(t: number): boolean {
    let k = 0;
    while (k < this.chunks.length && this.chunkMaxT[k]! < t) k++;
    if (k > 0) {
      this.chunks.splice(0, k);
      this.chunkMinT.splice(0, k);
      this.chunkMaxT.splice(0, k);
      this.chunkCount.splice(0, k);
    }
    this.firstT = this.chunks.length > 0 ? this.chunkMinT[0]! : this.head !== null && this.head.count > 0 ? this.head.minT : Infinity;
    if (this.ooo !== null) {
      this.ooo.dropBefore(t);
      if (this.ooo.count === 0) this.ooo = null;
      else this.firstT = Math.min(this.firstT, t);
    }
    return this.lastT < t;
  }

  /** Number of samples held (duplicates of one timestamp included). */
  get sampleCount(): number {
    let n = (this.head?.count ?? 0) + (this.ooo?.count ?? 0);
    for (const c of this.chunkCount) n += c;
    return n;
  }

  /** Bytes held in chunk data. */
  get chunkBytes(): number {
    let n = this.head?.sizeBytes() ?? 0;
    for (const c of this.chunks) n += c.byteLength;
    return n;
  }

  /** The encoded chunks that may hold samples in [mint, maxt], oldest first. */
  chunksIn(mint: number, maxt: number): Uint8Array[] {
    const out: Uint8Array[] = [];
    for (let i = 0; i < this.chunks.length; i++) {
      if (this.chunkMaxT[i]! >= mint && this.chunkMinT[i]! <= maxt) out.push(this.chunks[i]!);
    }
    const h = this.head;
    if (h !== null && h.count > 0 && h.maxT >= mint && h.minT <= maxt) out.push(h.bytes());
    return out;
  }
}
