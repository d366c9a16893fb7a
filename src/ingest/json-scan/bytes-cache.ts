// A bounded hash table keyed by raw request bytes (one or two ranges of a buffer), looked up
// without making a key string: the scanners find a series' checked, frozen labels by the bytes
// its sender wrote them as, so a repeated series costs a hash and a byte compare, no allocation,
// and gets the very same Labels object (the head remembers hash and series per object).

/** FNV-1a over b[from, to), continuing from `h`. */
export function hashBytes(h: number, b: Uint8Array, from: number, to: number): number {
  for (let i = from; i < to; i++) h = Math.imul(h ^ b[i]!, 0x01000193);
  return h;
}

export const HASH_SEED = 0x811c9dc5 | 0;

export class BytesCache<V> {
  private keys: (Uint8Array | undefined)[];
  private values: (V | undefined)[];
  private hashes: Int32Array;
  private size = 0;
  private readonly mask: number;

  /** Holds up to `capacity` entries (a power of two, half the slots); emptied when full. */
  constructor(readonly capacity: number) {
    const slots = capacity * 2;
    if ((slots & (slots - 1)) !== 0) throw new RangeError('capacity must be a power of two');
    this.mask = slots - 1;
    this.keys = new Array<Uint8Array | undefined>(slots).fill(undefined);
    this.values = new Array<V | undefined>(slots).fill(undefined);
    this.hashes = new Int32Array(slots);
  }

  get entries(): number {
    return this.size;
  }

  /** The value for the key b[aFrom, aTo) ++ b[bFrom, bTo) with hash `h`, or undefined. */
  get(h: number, b: Uint8Array, aFrom: number, aTo: number, bFrom: number, bTo: number): V | undefined {
    const la = aTo - aFrom;
    const len = la + bTo - bFrom;
    for (let s = h & this.mask; ; s = (s + 1) & this.mask) {
      const k = this.keys[s];
      if (k === undefined) return undefined;
      if (this.hashes[s] !== h || k.length !== len) continue;
      let same = true;
      for (let i = 0; i < la; i++) {
        if (k[i] !== b[aFrom + i]) {
          same = false;
          break;
        }
      }
      if (same) {
        for (let i = la; i < len; i++) {
          if (k[i] !== b[bFrom + i - la]) {
            same = false;
            break;
          }
        }
      }
      if (same) return this.values[s];
    }
  }

  /** Stores a value under the key (a copy of its bytes); the caller has checked it is absent. */
  set(h: number, b: Uint8Array, aFrom: number, aTo: number, bFrom: number, bTo: number, v: V): void {
    if (this.size >= this.capacity) this.clear();
    const la = aTo - aFrom;
    const key = new Uint8Array(la + bTo - bFrom);
    key.set(b.subarray(aFrom, aTo), 0);
    key.set(b.subarray(bFrom, bTo), la);
    let s = h & this.mask;
    while (this.keys[s] !== undefined) s = (s + 1) & this.mask;
    this.keys[s] = key;
    this.values[s] = v;
    this.hashes[s] = h;
    this.size++;
  }

  clear(): void {
    this.keys.fill(undefined);
    this.values.fill(undefined);
    this.size = 0;
  }
}
