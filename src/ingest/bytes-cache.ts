// A bounded hash table keyed by raw request bytes (one or two ranges of a buffer), looked up
// without making a key string: the scanners find a series' checked, frozen labels by the bytes
// its sender wrote them as, so a repeated series costs a byte compare, no allocation, and gets
// the very same Labels object (the head remembers hash and series per object).
//
// Keys sit one after another in one byte arena, and each entry remembers which entry was looked
// up right after it: senders repeat their series in the same order request after request, so
// most lookups are one sequential compare against the predicted entry, without hashing. (A
// first version kept a Uint8Array per key in a 131,072-slot array: ~0.75 µs per lookup, mostly
// cache misses, more than JSON.parse spends on a whole metric.)

/** FNV-1a over b[from, to), continuing from `h`. */
export function hashBytes(h: number, b: Uint8Array, from: number, to: number): number {
  for (let i = from; i < to; i++) h = Math.imul(h ^ b[i]!, 0x01000193);
  return h;
}

export const HASH_SEED = 0x811c9dc5 | 0;

/** Keys may take this many bytes in all before the cache is emptied. */
const MAX_ARENA = 16 << 20;

export class BytesCache<V> {
  private arena = new Uint8Array(1 << 16);
  private arenaView: DataView = new DataView(this.arena.buffer);
  /** A view of the buffer looked up last (a request looks up many keys in one buffer); holds that one buffer until the next lookup. */
  private probe: Uint8Array | null = null;
  private probeView: DataView = new DataView(new ArrayBuffer(0));
  private used = 0;
  private off = new Int32Array(1024);
  private len = new Int32Array(1024);
  /** Per entry: how many of its key bytes are the first range. */
  private alen = new Int32Array(1024);
  private hash = new Int32Array(1024);
  /** Per entry: the entry looked up after it last time, or -1. */
  private next = new Int32Array(1024).fill(-1);
  private vals: V[] = [];
  /** Open addressing, linear probing: entry index + 1, 0 = empty; at most half full. */
  private slots = new Int32Array(2048);
  private n = 0;
  /** The entry found or added last (for the prediction). */
  private last = -1;
  /** The hash of the key the last failed find() looked for. */
  private missHash = 0;

  /** Holds up to `capacity` entries; emptied when full. */
  constructor(readonly capacity: number) {}

  get entries(): number {
    return this.n;
  }

  private equals(e: number, b: Uint8Array, aFrom: number, aTo: number, bFrom: number, bTo: number): boolean {
    const la = aTo - aFrom;
    if (this.len[e] !== la + bTo - bFrom) return false;
    const o = this.off[e]!;
    return this.same(o - aFrom, b, aFrom, aTo) && this.same(o + la - bFrom, b, bFrom, bTo);
  }

  /**
   * Whether arena[d + i] equals b[i] for i in [from, to). Four bytes at a time through DataViews:
   * a key of 80 bytes compares in ~45 ns instead of ~170 ns byte by byte (and ~115 ns with
   * Buffer.compare, whose call costs more than the compare). The view of `b` is kept while the
   * same buffer is probed (a scanner probes one body many times).
   */
  private same(d: number, b: Uint8Array, from: number, to: number): boolean {
    if (this.probe !== b) {
      this.probe = b;
      this.probeView = new DataView(b.buffer, b.byteOffset, b.byteLength);
    }
    const k = this.arenaView;
    const p = this.probeView;
    let i = from;
    for (; i + 4 <= to; i += 4) if (k.getInt32(d + i, true) !== p.getInt32(i, true)) return false;
    for (; i < to; i++) if (k.getUint8(d + i) !== p.getUint8(i)) return false;
    return true;
  }

  /** The entry whose key is b[aFrom, aTo) ++ b[bFrom, bTo), or -1 (then add() may follow). */
  find(b: Uint8Array, aFrom: number, aTo: number, bFrom: number, bTo: number): number {
    const prev = this.last;
    if (prev >= 0) {
      const p = this.next[prev]!;
      if (p >= 0 && this.equals(p, b, aFrom, aTo, bFrom, bTo)) {
        this.last = p;
        return p;
      }
    }
    const h = hashBytes(hashBytes(HASH_SEED, b, aFrom, aTo), b, bFrom, bTo);
    const mask = this.slots.length - 1;
    for (let s = h & mask; ; s = (s + 1) & mask) {
      const e = this.slots[s]! - 1;
      if (e < 0) break;
      if (this.hash[e] === h && this.equals(e, b, aFrom, aTo, bFrom, bTo)) {
        if (prev >= 0) this.next[prev] = e;
        this.last = e;
        return e;
      }
    }
    this.missHash = h;
    return -1;
  }

  /** The entry predicted to come next (the one that followed the last one found), or -1. */
  predicted(): number {
    return this.last >= 0 ? this.next[this.last]! : -1;
  }

  /**
   * Whether entry e's second key range (non-empty) is at b[from]; returns where it ends, or -1.
   * Lets a scanner skip finding the end of a value whose bytes it expects: bytes equal to a
   * complete value stored earlier are that value.
   */
  matchSecond(e: number, b: Uint8Array, from: number, end: number): number {
    const la = this.alen[e]!;
    const lb = this.len[e]! - la;
    if (lb === 0 || from + lb > end) return -1;
    // Four bytes at a time (same()): import lines' label objects are ~100 bytes, and a byte loop
    // here was a fifth of a decode worker's time.
    return this.same(this.off[e]! + la - from, b, from, from + lb) ? from + lb : -1;
  }

  /**
   * Whether entry e's first key range is at b[from]; returns where it ends, or -1. For a scanner
   * that finds where a key ends by its bytes' meaning (escapes): bytes equal to a key that ended
   * there end there too.
   */
  matchFirstAt(e: number, b: Uint8Array, from: number, end: number): number {
    const la = this.alen[e]!;
    if (la === 0 || from + la > end) return -1;
    return this.same(this.off[e]! - from, b, from, from + la) ? from + la : -1;
  }

  /** Whether entry e's first key range equals b[from, to). */
  matchFirst(e: number, b: Uint8Array, from: number, to: number): boolean {
    if (this.alen[e] !== to - from) return false;
    const k = this.arena;
    const o = this.off[e]! - from;
    for (let i = from; i < to; i++) if (k[o + i] !== b[i]) return false;
    return true;
  }

  /** Records entry e as found (after matchSecond and matchFirst said it is the one). */
  hit(e: number): void {
    this.last = e;
  }

  value(e: number): V {
    return this.vals[e]!;
  }

  /** Adds the key the last find() missed, with its value. */
  add(b: Uint8Array, aFrom: number, aTo: number, bFrom: number, bTo: number, v: V): void {
    const la = aTo - aFrom;
    const klen = la + bTo - bFrom;
    if (this.n >= this.capacity || this.used + klen > MAX_ARENA) this.clear();
    if (this.n === this.off.length) this.growEntries();
    while (this.used + klen > this.arena.length) {
      const a = new Uint8Array(this.arena.length * 2);
      a.set(this.arena.subarray(0, this.used));
      this.arena = a;
      this.arenaView = new DataView(a.buffer);
    }
    if ((this.n + 1) * 2 > this.slots.length) this.rehash(this.slots.length * 2);
    const e = this.n++;
    // Byte loops, not set(subarray()): two Buffer views per new series cost more than the copy.
    const k = this.arena;
    const o = this.used;
    for (let i = aFrom; i < aTo; i++) k[o + i - aFrom] = b[i]!;
    const o2 = o + la - bFrom;
    for (let i = bFrom; i < bTo; i++) k[o2 + i] = b[i]!;
    this.off[e] = this.used;
    this.len[e] = klen;
    this.alen[e] = la;
    this.hash[e] = this.missHash;
    this.next[e] = -1;
    this.vals.push(v);
    this.used += klen;
    this.place(e);
    if (this.last >= 0) this.next[this.last] = e;
    this.last = e;
  }

  private place(e: number): void {
    const mask = this.slots.length - 1;
    let s = this.hash[e]! & mask;
    while (this.slots[s] !== 0) s = (s + 1) & mask;
    this.slots[s] = e + 1;
  }

  private rehash(size: number): void {
    this.slots = new Int32Array(size);
    for (let e = 0; e < this.n; e++) this.place(e);
  }

  private growEntries(): void {
    const size = this.off.length * 2;
    const grow = (a: Int32Array): Int32Array<ArrayBuffer> => {
      const b = new Int32Array(size);
      b.set(a);
      return b;
    };
    this.off = grow(this.off);
    this.len = grow(this.len);
    this.alen = grow(this.alen);
    this.hash = grow(this.hash);
    const next = new Int32Array(size).fill(-1);
    next.set(this.next);
    this.next = next;
  }

  clear(): void {
    this.used = 0;
    this.n = 0;
    this.vals = [];
    this.slots.fill(0);
    this.last = -1;
  }
}
