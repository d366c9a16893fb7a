// Decoded copies of the head's closed chunks, for queries that read the same recent chunks again
// and again (a dashboard refreshing every few seconds re-evaluates its newest steps, which needs
// the last minutes of every series: the open chunk and the closed one before it). A closed chunk
// never changes, so its samples are decoded once into fixed slots of shared typed arrays and
// read from there, a binary search instead of decoding from the chunk's start up to the
// query's first sample.
//
// Why by hand: no library keeps typed-array slots keyed by object identity under a byte budget.
// Slots have room for SLOT_SAMPLES samples (head chunks are cut at 120); pages of slots are
// allocated as the cache fills, and when it is full a CLOCK hand evicts a slot not read since it
// last passed (a second chance for chunks in use). Once full, a chunk is let in only from its
// second miss on (remembered weakly until then), and then only every ADMIT_EVERY-th time: a
// query reading more chunks than the cache holds, or the same ones in a cycle longer than it,
// would otherwise evict every chunk just before it is read again (CLOCK then acts as FIFO) and
// pay decoding into a slot plus copying out for nothing. Turned away, chunks are decoded
// straight into the query's arrays as without the cache; the chunks in use stay, and a cycle
// longer than the cache settles on a part of it that hits.
import type { SampleIterator } from '../../storage/index.js';
import { ENCODING_VARINT } from './varint-format.js';
import { VarintIterator } from './varint-iterator.js';

/** Samples a slot holds: a head chunk is closed at 120 (MemSeries.SAMPLES_PER_CHUNK). */
export const SLOT_SAMPLES = 120;
/** Bytes of one slot: a timestamp and a value per sample. */
export const SLOT_BYTES = SLOT_SAMPLES * 16;
/** Slots per page: two 240 KiB typed arrays. */
const PAGE_SLOTS = 256;
/** Once full, one in this many misses of chunks seen before gets a slot. */
const ADMIT_EVERY = 8;

export class DecodedChunks {
  private readonly slotOf = new Map<Uint8Array, number>();
  private readonly owners: (Uint8Array | null)[] = [];
  private readonly counts: number[] = [];
  private readonly used: number[] = [];
  private readonly free: number[] = [];
  private readonly pagesT: Float64Array[] = [];
  private readonly pagesV: Float64Array[] = [];
  private hand = 0;
  private maxSlots: number;
  private readonly decoder = new VarintIterator();
  /** Chunks turned away once while the cache was full (weak: the head may drop them). */
  private seen = new WeakSet<Uint8Array>();
  private admitTick = 0;
  /** Reads that found their chunk's copy. */
  hits = 0;
  /** Chunks decoded into a slot. */
  misses = 0;

  private readonly admitEvery: number;

  /**
   * `maxBytes`: memory for decoded samples (0: nothing is cached), rounded down to whole slots of
   * SLOT_BYTES; `admitEvery`: once full, one in this many misses of chunks seen before gets a slot.
   */
  constructor(maxBytes: number, admitEvery = ADMIT_EVERY) {
    this.maxSlots = Math.floor(maxBytes / SLOT_BYTES);
    this.admitEvery = admitEvery;
  }

  /** Slots in use. */
  get size(): number {
    return this.slotOf.size;
  }

  /** Bytes allocated for slots (pages are kept once allocated). */
  get bytes(): number {
    let n = 0;
    for (const p of this.pagesT) n += 2 * p.byteLength;
    return n;
  }

  /**
   * The slot holding `chunk`'s samples, decoding them into a free or evicted slot on a miss; -1
   * when the cache is off or the chunk cannot be held (not a decimal varint chunk, or more
   * samples than a slot holds). `chunk` must never change afterwards (a closed chunk).
   */
  slot(chunk: Uint8Array): number {
    const s = this.slotOf.get(chunk);
    if (s !== undefined) {
      this.used[s] = 1;
      this.hits++;
      return s;
    }
    if (this.maxSlots === 0 || chunk.length < 3 || chunk[0] !== ENCODING_VARINT || ((chunk[1]! << 8) | chunk[2]!) > SLOT_SAMPLES) return -1;
    if (this.free.length === 0 && this.owners.length >= this.maxSlots) {
      if (!this.seen.has(chunk)) {
        this.seen.add(chunk);
        return -1;
      }
      if (++this.admitTick % this.admitEvery !== 0) return -1;
    }
    const slot = this.take();
    if (slot < 0) return -1;
    // Decoded before the slot is registered: a corrupt chunk throws and leaves the slot free.
    const it = this.decoder;
    it.reset(chunk);
    const base = this.base(slot);
    let n: number;
    try {
      n = it.fill(this.times(slot), this.values(slot), base) - base;
    } catch (e) {
      this.free.push(slot);
      throw e;
    }
    this.misses++;
    this.owners[slot] = chunk;
    this.counts[slot] = n;
    this.used[slot] = 0;
    this.slotOf.set(chunk, slot);
    return slot;
  }

  /** Timestamps of `slot`'s page; the slot's samples start at `base(slot)`. */
  times(slot: number): Float64Array {
    return this.pagesT[(slot / PAGE_SLOTS) | 0]!;
  }

  /** Values of `slot`'s page. */
  values(slot: number): Float64Array {
    return this.pagesV[(slot / PAGE_SLOTS) | 0]!;
  }

  /** Index of `slot`'s first sample in its page's arrays. */
  base(slot: number): number {
    return (slot % PAGE_SLOTS) * SLOT_SAMPLES;
  }

  /** The chunk whose samples `slot` holds (null: none). */
  owner(slot: number): Uint8Array | null {
    return this.owners[slot] ?? null;
  }

  /** Samples in `slot`. */
  count(slot: number): number {
    return this.counts[slot]!;
  }

  /** Drops `chunk`'s copy (the head let go of the chunk). */
  forget(chunk: Uint8Array): void {
    const s = this.slotOf.get(chunk);
    if (s === undefined) return;
    this.slotOf.delete(chunk);
    this.owners[s] = null;
    this.free.push(s);
  }

  /** Drops every copy and its memory and, with `maxBytes`, sets a new budget. */
  clear(maxBytes?: number): void {
    this.slotOf.clear();
    if (maxBytes !== undefined) this.maxSlots = Math.floor(maxBytes / SLOT_BYTES);
    // New pages from here on: an iterator still holding an old page sees that it changed.
    this.pagesT.length = this.pagesV.length = 0;
    this.owners.length = this.counts.length = this.used.length = 0;
    this.free.length = 0;
    this.hand = 0;
    this.seen = new WeakSet();
  }

  /** A slot to fill: a free one, a new one while under budget, else one the CLOCK hand evicts. */
  private take(): number {
    const f = this.free.pop();
    if (f !== undefined) return f;
    const next = this.owners.length;
    if (next < this.maxSlots) {
      if (next % PAGE_SLOTS === 0) {
        // The last page only as long as the budget reaches.
        const slots = Math.min(PAGE_SLOTS, this.maxSlots - next);
        this.pagesT.push(new Float64Array(slots * SLOT_SAMPLES));
        this.pagesV.push(new Float64Array(slots * SLOT_SAMPLES));
      }
      this.owners.push(null);
      this.counts.push(0);
      this.used.push(0);
      return next;
    }
    const n = this.owners.length;
    if (n === 0) return -1;
    // Every slot is taken here (free ones were handed out first): at most two sweeps find one.
    for (let k = 0; k < 2 * n; k++) {
      const s = this.hand;
      this.hand = s + 1 === n ? 0 : s + 1;
      if (this.used[s] === 1) {
        this.used[s] = 0;
        continue;
      }
      const owner = this.owners[s];
      if (owner !== null && owner !== undefined) this.slotOf.delete(owner);
      this.owners[s] = null;
      return s;
    }
    return -1;
  }
}

const NO_BYTES = new Uint8Array(0);
const NO_SAMPLES = new Float64Array(0);

/**
 * Reads a closed chunk's decoded copy. A running query may pause between reads (it yields to
 * the event loop) while another one takes the slot over, so every read first checks that the
 * slot still holds this chunk and otherwise gets it decoded again, at the same position.
 */
export class DecodedChunkIterator implements SampleIterator {
  private cache: DecodedChunks | null = null;
  private chunk: Uint8Array = NO_BYTES;
  private slot = -1;
  // Shared empty arrays until reset: an iterator is made per series a query reads, and even an
  // empty typed array costs an allocation.
  private ts: Float64Array = NO_SAMPLES;
  private vs: Float64Array = NO_SAMPLES;
  private base = 0;
  private n = 0;
  /** Index of the current sample: -1 before the first, n once exhausted. */
  private i = -1;

  /** Starts on `chunk`, whose samples `cache` holds in `slot`. */
  reset(cache: DecodedChunks, chunk: Uint8Array, slot: number): void {
    this.cache = cache;
    this.chunk = chunk;
    this.bind(slot);
    this.i = -1;
  }

  private bind(slot: number): void {
    const c = this.cache!;
    this.slot = slot;
    this.ts = c.times(slot);
    this.vs = c.values(slot);
    this.base = c.base(slot);
    this.n = c.count(slot);
  }

  /** Makes sure the slot still holds the chunk (see the class comment). */
  private check(): void {
    const c = this.cache!;
    // The page too: clear() replaces pages, and a slot number may come back on a new one.
    if (c.owner(this.slot) === this.chunk && c.times(this.slot) === this.ts) return;
    const s = c.slot(this.chunk);
    if (s >= 0) return this.bind(s);
    // The cache was turned off meanwhile: a private copy.
    const it = new VarintIterator(this.chunk);
    const ts = new Float64Array(it.count);
    const vs = new Float64Array(it.count);
    this.n = it.fill(ts, vs, 0);
    this.ts = ts;
    this.vs = vs;
    this.base = 0;
    this.slot = -1;
    this.cache = null;
  }

  next(): boolean {
    if (this.cache !== null) this.check();
    if (this.i + 1 >= this.n) {
      this.i = this.n;
      return false;
    }
    this.i++;
    return true;
  }

  seek(t: number): boolean {
    if (this.cache !== null) this.check();
    const ts = this.ts;
    const base = this.base;
    let i = this.i;
    if (i >= 0 && i < this.n && ts[base + i]! >= t) return true;
    // The first sample at or after t from the current one on.
    let lo = i < 0 ? 0 : i;
    let hi = this.n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (ts[base + mid]! < t) lo = mid + 1;
      else hi = mid;
    }
    i = lo;
    this.i = i;
    return i < this.n;
  }

  /** The samples next() would give, copied into ts/vs from `off` until they are full (SampleIterator.fill). */
  fill(ts: Float64Array, vs: Float64Array, off: number): number {
    if (off >= ts.length) return off;
    if (this.cache !== null) this.check();
    const from = this.i + 1;
    const left = this.n - from;
    if (left <= 0) {
      this.i = this.n;
      return off;
    }
    const room = ts.length - off;
    const k = left < room ? left : room;
    const st = this.ts;
    const sv = this.vs;
    const b = this.base + from;
    for (let j = 0; j < k; j++) {
      ts[off + j] = st[b + j]!;
      vs[off + j] = sv[b + j]!;
    }
    // As the decoder: stopped by full arrays, on the last sample written; else past the end.
    this.i = k === left && k < room ? this.n : from + k - 1;
    return off + k;
  }

  atT(): number {
    return this.ts[this.base + this.i]!;
  }

  atV(): number {
    return this.vs[this.base + this.i]!;
  }
}
