// BitReader: reads a bit stream written by BitWriter (most significant bit first), bounded by a bit
// length. Decoders of data from disk use it, so reading past the end never throws or loops: it
// yields zeros and sets a sticky `overrun` flag that the decoder checks once per sample.

const EMPTY = new Uint8Array(0);

/**
 * The 32 bits of `buf` starting at bit `pos`, as an int32 whose sign bit is the first of them;
 * zeros past the end of `buf`. A plain function so hot decoders can inline it and keep their bit
 * position in a local; int32 rather than uint32 so V8 never boxes it as a heap number.
 */
export function peekBits32(buf: Uint8Array, pos: number): number {
  const i = pos >>> 3;
  if (i + 4 < buf.length) {
    const off = pos & 7;
    // With off = 0 the fifth byte shifts out entirely (b >>> 8 = 0), so no branch is needed.
    return (((buf[i]! << 24) | (buf[i + 1]! << 16) | (buf[i + 2]! << 8) | buf[i + 3]!) << off) | (buf[i + 4]! >>> (8 - off));
  }
  return peekTail(buf, pos);
}

/** peekBits32 within the last 4 bytes: assembles from the bytes that exist, zeros after. */
function peekTail(buf: Uint8Array, pos: number): number {
  const i = pos >>> 3;
  const off = pos & 7;
  let w = 0;
  for (let k = 0; k < 4; k++) w = (w << 8) | (i + k < buf.length ? buf[i + k]! : 0);
  const fifth = i + 4 < buf.length ? buf[i + 4]! : 0;
  return (w << off) | (fifth >>> (8 - off));
}

/**
 * Reads bits from a byte array between a start and an end bit.
 *
 * @example
 * const r = new BitReader(bytes);
 * const flag = r.readBit();
 * const n = r.readBits(13);
 * if (r.overrun) throw new Error('stream is truncated');
 */
export class BitReader {
  private buf: Uint8Array = EMPTY;
  private pos = 0;
  private end = 0;
  /** True once a read asked for bits past the end; such reads return 0 and leave the position at the end. */
  overrun = false;

  constructor(bytes: Uint8Array = EMPTY, startBit = 0, endBit: number = bytes.length * 8) {
    this.reset(bytes, startBit, endBit);
  }

  /** Starts reading `bytes` at `startBit`, with `endBit` (at most `bytes.length * 8`) as the bound. */
  reset(bytes: Uint8Array, startBit = 0, endBit: number = bytes.length * 8): void {
    const max = bytes.length * 8;
    this.buf = bytes;
    this.end = endBit < max ? endBit : max;
    this.pos = startBit < this.end ? startBit : this.end;
    this.overrun = false;
  }

  /** Position of the next bit to read. */
  get bitPosition(): number {
    return this.pos;
  }

  /** Bits left before the end bound. */
  get bitsLeft(): number {
    return this.end - this.pos;
  }

  /** Reads one bit (0 or 1). */
  readBit(): number {
    const pos = this.pos;
    if (pos >= this.end) {
      this.overrun = true;
      return 0;
    }
    this.pos = pos + 1;
    return (this.buf[pos >>> 3]! >>> (7 - (pos & 7))) & 1;
  }

  /** Reads `nbits` bits (0 ≤ nbits ≤ 32) as an unsigned integer, most significant first. */
  readBits(nbits: number): number {
    const pos = this.pos;
    if (pos + nbits > this.end) {
      this.overrun = true;
      this.pos = this.end;
      return 0;
    }
    if (nbits <= 0) return 0;
    this.pos = pos + nbits;
    return peekBits32(this.buf, pos) >>> (32 - nbits);
  }

  /** Reads 32 bits as an int32 (the first bit is the sign): `readBits(32) | 0` without a heap number. */
  readInt32(): number {
    const pos = this.pos;
    if (pos + 32 > this.end) {
      this.overrun = true;
      this.pos = this.end;
      return 0;
    }
    this.pos = pos + 32;
    return peekBits32(this.buf, pos);
  }

  /**
   * The next 32 bits without consuming them, as an int32 whose sign bit is the first of them (int32
   * rather than uint32 so V8 keeps it a small integer, never a heap number); bits past the end read
   * as 0. Decoders look at prefixes through it and then `skip` what they used.
   */
  peek32(): number {
    const pos = this.pos;
    const w = peekBits32(this.buf, pos);
    const left = this.end - pos;
    // Bits between the end bound and the end of the buffer belong to someone else: hide them.
    return left >= 32 ? w : left <= 0 ? 0 : w & ~(0xffffffff >>> left);
  }

  /** Consumes `nbits` bits (after a `peek32`); going past the end sets `overrun`. */
  skip(nbits: number): void {
    const pos = this.pos + nbits;
    if (pos > this.end) {
      this.overrun = true;
      this.pos = this.end;
    } else {
      this.pos = pos;
    }
  }

  /**
   * Reads a uvarint written by `BitWriter.writeUvarint`; NaN when it is longer than 8 groups or
   * above 2^53 − 1, so a corrupt stream cannot produce an inexact number.
   */
  readUvarint(): number {
    let x = 0;
    let scale = 1;
    for (let i = 0; i < 8; i++) {
      const unit = this.readBits(8);
      x += (unit & 0x7f) * scale;
      if (unit < 0x80) return x <= Number.MAX_SAFE_INTEGER ? x : NaN;
      scale *= 128;
    }
    return NaN;
  }

  /** Reads a zigzag varint written by `BitWriter.writeVarint`; NaN when malformed or beyond ±(2^53 − 1). */
  readVarint(): number {
    const unit = this.readBits(8);
    const low = unit & 0x7f;
    const rest = unit < 0x80 ? 0 : this.readUvarint();
    // zigzag = 128·rest + low; undo it without forming the (possibly inexact) zigzag value itself.
    const m = rest * 64 + ((low + 1) >>> 1);
    if (!(m <= Number.MAX_SAFE_INTEGER)) return NaN;
    return (low & 1) === 0 ? m : -m;
  }
}
