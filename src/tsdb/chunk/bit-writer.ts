// BitWriter: an append-only bit stream over a growable byte buffer, most significant bit first.
// Chunk encoders write into it sample by sample; it allocates only when the buffer grows.

/** Smallest buffer worth allocating: below this, growth steps would cost more than they save. */
const MIN_CAPACITY = 8;

/**
 * Appends bits to a byte buffer, most significant bit of each byte first.
 *
 * Values are JS numbers, so a single call takes at most 32 bits (`writeBits`); 64-bit patterns
 * such as float64 bits are passed as two uint32 halves (`writeBits64`), never as BigInt.
 *
 * @example
 * const w = new BitWriter();
 * w.writeBits(0b10, 2);
 * w.writeBits64(0x3ff00000, 0, 64); // bits of 1.0
 * const bytes = w.bytes();
 */
export class BitWriter {
  private buf: Uint8Array;
  private pos = 0;
  /** buf.length * 8, kept so the per-write capacity check is one comparison. */
  private capBits: number;

  constructor(initialBytes = 32) {
    this.buf = new Uint8Array(Math.max(MIN_CAPACITY, initialBytes | 0));
    this.capBits = this.buf.length * 8;
  }

  /** Number of bits written so far. */
  get bitLength(): number {
    return this.pos;
  }

  /** Number of bytes the written bits occupy (the last one possibly partial). */
  get byteLength(): number {
    return (this.pos + 7) >>> 3;
  }

  /** Bytes allocated for the buffer, for memory accounting. */
  get capacity(): number {
    return this.buf.length;
  }

  /** Appends one bit (0 or 1). */
  writeBit(bit: number): void {
    const pos = this.pos;
    if (pos >= this.capBits) this.grow(pos + 1);
    if (bit !== 0) {
      const i = pos >>> 3;
      this.buf[i] = this.buf[i]! | (0x80 >>> (pos & 7));
    }
    this.pos = pos + 1;
  }

  /** Appends the low `nbits` bits of `value` (0 ≤ nbits ≤ 32), most significant first; higher bits are ignored. */
  writeBits(value: number, nbits: number): void {
    if (nbits <= 0) return;
    const pos = this.pos;
    if (pos + nbits > this.capBits) this.grow(pos + nbits);
    const buf = this.buf;
    let i = pos >>> 3;
    const free = 8 - (pos & 7);
    // Left-align the bits in a 32-bit word (dropping any above nbits), fill the current byte, then
    // store whole bytes: everything past `pos` is still zero, so plain stores are enough there.
    let v = value << (32 - nbits);
    buf[i] = buf[i]! | (v >>> (32 - free));
    v <<= free;
    for (let left = nbits - free; left > 0; left -= 8) {
      buf[++i] = v >>> 24;
      v <<= 8;
    }
    this.pos = pos + nbits;
  }

  /** Appends the low `nbits` bits (0 ≤ nbits ≤ 64) of the 64-bit value `hi`·2^32 + `lo` (both uint32). */
  writeBits64(hi: number, lo: number, nbits: number): void {
    if (nbits > 32) {
      this.writeBits(hi, nbits - 32);
      this.writeBits(lo, 32);
    } else {
      this.writeBits(lo, nbits);
    }
  }

  /**
   * Appends a non-negative integer ≤ 2^53 − 1 as a uvarint (Go's `binary.PutUvarint`): 7-bit
   * groups, least significant first, each written as 8 bits with a continuation flag on top.
   */
  writeUvarint(value: number): void {
    let x = value;
    // Division and remainder by 128 are exact on any integer-valued double, so no BigInt needed.
    while (x >= 128) {
      const low = x % 128;
      this.writeBits(low | 0x80, 8);
      x = (x - low) / 128;
    }
    this.writeBits(x, 8);
  }

  /** Appends an integer with |value| ≤ 2^53 − 1 as a zigzag varint (Go's `binary.PutVarint`). */
  writeVarint(value: number): void {
    // zigzag(x) = 2|x| - (x < 0 ? 1 : 0) can exceed 2^53 and lose its low bit as a double, so the
    // first 7-bit group is derived from |x| directly and only the (exact) rest goes through uvarint.
    const neg = value < 0;
    const m = neg ? -value : value;
    const r = m % 64;
    let rest = (m - r) / 64;
    let first = 2 * r - (neg ? 1 : 0);
    if (first < 0) {
      // r = 0 and negative: 128·rest − 1 = 128·(rest − 1) + 127.
      first = 127;
      rest -= 1;
    }
    if (rest === 0) {
      this.writeBits(first, 8);
    } else {
      this.writeBits(first | 0x80, 8);
      this.writeUvarint(rest);
    }
  }

  /**
   * Overwrites a byte already written in full, for header fields known only later (e.g. a sample
   * count). The partial last byte is refused: later writes OR their bits into it.
   */
  setByte(index: number, value: number): void {
    const full = this.pos >>> 3;
    if (!(index >= 0 && index < full)) {
      throw new RangeError(`byte ${index} is not among the ${full} bytes written in full`);
    }
    this.buf[index] = value;
  }

  /**
   * The bytes written so far, as a view of the internal buffer (no copy). The view stays valid
   * after further writes: those only touch bits past its end, or a new buffer once this one grows.
   */
  bytes(): Uint8Array {
    return this.buf.subarray(0, (this.pos + 7) >>> 3);
  }

  private grow(needBits: number): void {
    const need = Math.ceil(needBits / 8);
    // ×2, not ×1.5: each typed array above 64 bytes costs V8 an off-heap allocation, which measured
    // as the largest part of append time; callers that know the size pass it as initialBytes.
    let cap = this.buf.length * 2;
    if (cap < need) cap = need;
    cap = (cap + 7) & ~7;
    const next = new Uint8Array(cap);
    next.set(this.buf);
    this.buf = next;
    this.capBits = cap * 8;
  }
}
