// One series in the head: its labels and its samples as a list of compressed chunks (decimal
// varint; XOR ones from older checkpoints), the last of which is still being appended to.
import type { Labels } from '../storage/index.js';
import type { DecodedChunks } from './chunk/decoded-chunks.js';
import { chunkBytes, chunkClose, chunkCount, chunkMaxT, chunkMinT, chunkOpen, chunkAppend, chunkRelease, chunkSize, chunkStart } from './chunk/open-chunk.js';
import { F, F_FIRST_T, F_LAST_T, F_REF, F_SCRATCH_T, I, I_C_FIRST_SEG, I_C_N, I_LOGGED, I_STAMP, I_TENANT, rows } from './chunk/rows.js';
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
  /** Samples that arrived out of order (older than lastT, within the out-of-order window). */
  ooo: OooBuffer | null = null;
  /**
   * The series' row of hot state (rows.ts): newest/oldest timestamp, commit scratch, the open
   * chunk, ref, tenant id and WAL flag; -1 once retired, when the `gone…` fields hold what is left.
   */
  private row: number;
  private goneLastT = -Infinity;
  private goneFirstT = Infinity;
  private goneLogged = false;

  /** `tenantId`: the TenantHead's id, which appendRef checks refs against (-1: none). */
  constructor(ref: number, tenant: string, labels: Labels, logged = true, tenantId = -1) {
    this.ref = ref;
    this.tenant = tenant;
    this.labels = labels;
    const r = (this.row = rows.alloc());
    rows.f64[r * F + F_REF] = ref;
    rows.i32[r * I + I_TENANT] = tenantId;
    rows.i32[r * I + I_LOGGED] = logged ? 1 : 0;
  }

  /** The series' row in rows.ts (-1 once retired); the append path works on it directly. */
  get rowIndex(): number {
    return this.row;
  }

  /** Whether the WAL has the series record (series created by an appender are logged at commit). */
  get logged(): boolean {
    return this.row >= 0 ? rows.i32[this.row * I + I_LOGGED] === 1 : this.goneLogged;
  }

  set logged(yes: boolean) {
    if (this.row >= 0) rows.i32[this.row * I + I_LOGGED] = yes ? 1 : 0;
    else this.goneLogged = yes;
  }

  /** Newest timestamp appended; -Infinity when empty. */
  get lastT(): number {
    return this.row >= 0 ? rows.f64[this.row * F + F_LAST_T]! : this.goneLastT;
  }

  set lastT(t: number) {
    if (this.row >= 0) rows.f64[this.row * F + F_LAST_T] = t;
    else this.goneLastT = t;
  }

  /** Oldest timestamp held; Infinity when empty. */
  get firstT(): number {
    return this.row >= 0 ? rows.f64[this.row * F + F_FIRST_T]! : this.goneFirstT;
  }

  set firstT(t: number) {
    if (this.row >= 0) rows.f64[this.row * F + F_FIRST_T] = t;
    else this.goneFirstT = t;
  }

  /**
   * For an appender collecting a batch (`stamp` is its own): the newest timestamp of the series
   * so far, in the head or earlier in this batch; then notes `t` as part of the batch.
   */
  collect(stamp: number, t: number): number {
    return this.row < 0 ? this.goneLastT : collectInRow(this.row, stamp, t);
  }

  /** Whether the series holds no sample at all. */
  get empty(): boolean {
    return this.lastT === -Infinity && this.ooo === null;
  }

  /** Samples in the open chunk (0 when there is none). */
  get openCount(): number {
    return this.row >= 0 && chunkOpen(this.row) ? chunkCount(this.row) : 0;
  }

  /** First and last timestamp of the open chunk (NaN when empty). */
  get openMinT(): number {
    return this.row >= 0 ? chunkMinT(this.row) : NaN;
  }

  get openMaxT(): number {
    return this.row >= 0 ? chunkMaxT(this.row) : NaN;
  }

  /** The open chunk's bytes as a short-lived copy; check openCount > 0 first. */
  openBytes(): Uint8Array {
    return chunkBytes(this.row);
  }

  /** Appends one sample; the caller has checked that t >= lastT. */
  append(t: number, v: number): void {
    const r = this.row;
    if (r < 0) throw new Error('append to a series that left the head');
    if (appendInRow(r, t, v)) return;
    const i = r * I;
    if (rows.i32[i + I_C_FIRST_SEG]! >= 0) {
      const minT = chunkMinT(r);
      const maxT = chunkMaxT(r);
      const n = chunkCount(r);
      this.addClosed(chunkClose(r), minT, maxT, n);
    }
    chunkStart(r);
    if (!appendInRow(r, t, v)) throw new Error('a new chunk took no sample');
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
  deleteRange(mint: number, maxt: number, decoded?: DecodedChunks): number {
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
    if (decoded !== undefined) for (const c of this.chunks) decoded.forget(c);
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
  private releaseHead(): void {
    if (this.row >= 0) chunkRelease(this.row);
  }

  /**
   * The series leaves the head: the open chunk becomes a compact closed one (its segments go
   * back, and a query that still holds the series reads the same samples) and the row is given
   * back. No appends after this.
   */
  retire(): void {
    const r = this.row;
    if (r < 0) return;
    if (chunkOpen(r)) {
      const n = chunkCount(r);
      if (n === 0) chunkRelease(r);
      else {
        const minT = chunkMinT(r);
        const maxT = chunkMaxT(r);
        this.addClosed(chunkClose(r), minT, maxT, n);
      }
    }
    this.goneLastT = this.lastT;
    this.goneFirstT = this.firstT;
    this.goneLogged = this.logged;
    rows.release(r);
    this.row = -1;
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
  dropChunksBefore(t: number, decoded?: DecodedChunks): boolean {
    let k = 0;
    while (k < this.chunks.length && this.chunkMaxT[k]! < t) k++;
    if (k > 0) {
      if (decoded !== undefined) for (let i = 0; i < k; i++) decoded.forget(this.chunks[i]!);
      this.chunks.splice(0, k);
      this.chunkMinT.splice(0, k);
      this.chunkMaxT.splice(0, k);
      this.chunkCount.splice(0, k);
    }
    this.firstT = this.chunks.length > 0 ? this.chunkMinT[0]! : this.openCount > 0 ? this.openMinT : Infinity;
    if (this.ooo !== null) {
      this.ooo.dropBefore(t);
      if (this.ooo.count === 0) this.ooo = null;
      else this.firstT = Math.min(this.firstT, t);
    }
    return this.lastT < t;
  }

  /** Number of samples held (duplicates of one timestamp included). */
  get sampleCount(): number {
    let n = this.openCount + (this.ooo?.count ?? 0);
    for (const c of this.chunkCount) n += c;
    return n;
  }

  /** Bytes held in chunk data. */
  get chunkBytes(): number {
    let n = this.openCount > 0 ? chunkSize(this.row) : 0;
    for (const c of this.chunks) n += c.byteLength;
    return n;
  }

  /** The encoded chunks that may hold samples in [mint, maxt], oldest first. */
  chunksIn(mint: number, maxt: number): Uint8Array[] {
    const out: Uint8Array[] = [];
    for (let i = 0; i < this.chunks.length; i++) {
      if (this.chunkMaxT[i]! >= mint && this.chunkMinT[i]! <= maxt) out.push(this.chunks[i]!);
    }
    if (this.openIn(mint, maxt)) out.push(this.openBytes());
    return out;
  }

  /** Whether chunksIn(mint, maxt) ends with (a copy of) the open chunk, the one chunk that still changes. */
  openIn(mint: number, maxt: number): boolean {
    return this.openCount > 0 && this.openMaxT >= mint && this.openMinT <= maxt;
  }
}

/**
 * Row `r`'s part of MemSeries.collect: the series' newest timestamp so far, in the head or earlier
 * in the batch of the appender holding `stamp`; then notes `t` as part of that batch.
 */
export function collectInRow(r: number, stamp: number, t: number): number {
  const f = r * F;
  const i = r * I;
  const f64 = rows.f64;
  const i32 = rows.i32;
  let batch = -Infinity;
  if (i32[i + I_STAMP] !== stamp) i32[i + I_STAMP] = stamp;
  else batch = f64[f + F_SCRATCH_T]!;
  if (t > batch) f64[f + F_SCRATCH_T] = t;
  const last = f64[f + F_LAST_T]!;
  return batch > last ? batch : last;
}

/**
 * For a commit walking its batch in order (`stamp` is the commit's own), on row `r`: the newest
 * timestamp before this sample, in the head or earlier in the batch; then notes `t` if it is newer.
 */
export function advanceInRow(r: number, stamp: number, t: number): number {
  const f = r * F;
  const i = r * I;
  const f64 = rows.f64;
  let run: number;
  if (rows.i32[i + I_STAMP] !== stamp) {
    rows.i32[i + I_STAMP] = stamp;
    run = f64[f + F_SCRATCH_T] = f64[f + F_LAST_T]!;
  } else run = f64[f + F_SCRATCH_T]!;
  if (t >= run) f64[f + F_SCRATCH_T] = t;
  return run;
}

/**
 * Appends a sample (t >= the newest) to row `r`'s open chunk when it has one with room; returns
 * false, changing nothing, when a chunk must be started or cut first (MemSeries.append does that).
 */
export function appendInRow(r: number, t: number, v: number): boolean {
  const i = r * I;
  const i32 = rows.i32;
  if (i32[i + I_C_FIRST_SEG]! < 0 || i32[i + I_C_N]! >= SAMPLES_PER_CHUNK) return false;
  chunkAppend(r, t, v);
  const f64 = rows.f64;
  const f = r * F;
  if (t < f64[f + F_FIRST_T]!) f64[f + F_FIRST_T] = t;
  f64[f + F_LAST_T] = t;
  return true;
}
