// Binary adaptive range coder (the LZMA scheme, with 15-bit probabilities) used by block chunks:
// each bit is coded against a probability that adapts as bits are coded, so skewed or narrow
// distributions cost close to their entropy, fractions of a bit included. Byte layout:
// docs/format/chunks.md ("Range coder").

/** @internal Probabilities are 15-bit fixed point: P(bit = 0) = p / 2^15. */
export const PROB_BITS = 15;
/** @internal Initial probability: 1/2. */
export const PROB_INIT = 1 << (PROB_BITS - 1);
const PROB_ONE = 1 << PROB_BITS;
/** Adaptation speed: each coded bit moves p by 1/32 of its distance to the bit seen. */
const MOVE_BITS = 5;
const TOP = 1 << 24;
const TWO_32 = 4294967296;

/** A growable byte buffer that the block encoder writes its header and the range coder into. */
export class ByteSink {
  buf: Uint8Array;
  len = 0;

  constructor(initialBytes = 256) {
    this.buf = new Uint8Array(Math.max(16, initialBytes));
  }

  push(b: number): void {
    if (this.len === this.buf.length) this.grow();
    this.buf[this.len++] = b;
  }

  /** Unsigned LEB128 (Go's PutUvarint) of a safe non-negative integer. */
  uvarint(x: number): void {
    while (x >= 128) {
      this.push((x % 128) | 128);
      x = Math.floor(x / 128);
    }
    this.push(x);
  }

  /** Zigzag varint (Go's PutVarint) of a safe integer, exact up to ±(2^53 − 1). */
  varint(x: number): void {
    // zigzag = 2a + s with a = x or −x − 1; built from a so no intermediate leaves the safe range.
    const s = x < 0 ? 1 : 0;
    const a = s === 1 ? -x - 1 : x;
    const low = (a % 64) * 2 + s;
    const rest = Math.floor(a / 64);
    if (rest === 0) {
      this.push(low);
    } else {
      this.push(low | 128);
      this.uvarint(rest);
    }
  }

  /** A compact copy of the bytes written. */
  bytes(): Uint8Array {
    return this.buf.slice(0, this.len);
  }

  private grow(): void {
    const next = new Uint8Array(this.buf.length * 2);
    next.set(this.buf);
    this.buf = next;
  }
}

/** Encodes bits into a ByteSink; `finish()` flushes the last 4 bytes. */
export class RangeEncoder {
  private low = 0;
  private range = 0xffffffff;
  private cache = 0;
  private cacheSize = 1;
  /** The first byte shifted out is always 0 (LZMA writes it); this coder leaves it out. */
  private skipFirst = true;
  private readonly out: ByteSink;

  constructor(out: ByteSink) {
    this.out = out;
  }

  /** Codes `bit` (0 or 1) with the adaptive probability `probs[i]`, then updates it. */
  encodeBit(probs: Uint16Array, i: number, bit: number): void {
    const p = probs[i]!;
    const bound = (this.range >>> PROB_BITS) * p;
    if (bit === 0) {
      this.range = bound;
      probs[i] = p + ((PROB_ONE - p) >>> MOVE_BITS);
    } else {
      this.low += bound;
      this.range -= bound;
      probs[i] = p - (p >>> MOVE_BITS);
    }
    while (this.range < TOP) {
      this.range *= 256;
      this.shiftLow();
    }
  }

  /** Codes the low `nbits` (≤ 30) bits of `value` at probability 1/2 each, most significant first. */
  encodeDirect(value: number, nbits: number): void {
    for (let b = nbits - 1; b >= 0; b--) {
      this.range = this.range >>> 1;
      if (((value >>> b) & 1) !== 0) this.low += this.range;
      while (this.range < TOP) {
        this.range *= 256;
        this.shiftLow();
      }
    }
  }

  /** Writes out the bytes still held in the coder's state; the encoder is done after this. */
  finish(): void {
    for (let k = 0; k < 5; k++) this.shiftLow();
  }

  // `low` is kept below 2^33: a carry out of its 32 bits propagates into the bytes not yet written.
  private shiftLow(): void {
    const low = this.low;
    if (low < 0xff000000 || low >= TWO_32) {
      const carry = low >= TWO_32 ? 1 : 0;
      let temp = this.cache;
      do {
        if (this.skipFirst) this.skipFirst = false;
        else this.out.push((temp + carry) & 0xff);
        temp = 0xff;
      } while (--this.cacheSize !== 0);
      this.cache = (low >>> 24) & 0xff;
    }
    this.cacheSize++;
    this.low = (low & 0x00ffffff) * 256;
  }
}

/**
 * Decodes what RangeEncoder wrote, from `buf[start, end)`. Past the end it reads zero bytes and
 * counts them (`overrun`), so callers bound the work and detect truncation once per sample.
 */
export class RangeDecoder {
  private buf: Uint8Array = new Uint8Array(0);
  private pos = 0;
  private end = 0;
  private range = 0xffffffff;
  private code = 0;
  /** Set when the input proved not to come from an encoder. */
  invalid = false;

  /** Starts decoding at `start`; false when the first 4 bytes cannot come from an encoder. */
  reset(buf: Uint8Array, start: number, end: number): boolean {
    this.buf = buf;
    this.pos = start;
    this.end = end;
    this.range = 0xffffffff;
    let code = 0;
    for (let k = 0; k < 4; k++) code = code * 256 + this.nextByte();
    this.code = code;
    this.invalid = false;
    // An encoder's code is always below its range; holding that invariant keeps every later step exact.
    return code < 0xffffffff;
  }

  /** Bytes read past the end of the input (0 for a well-formed stream). */
  get overrun(): number {
    return this.pos > this.end ? this.pos - this.end : 0;
  }

  /** Position after the last byte read; equals `end` once a well-formed stream is fully decoded. */
  get position(): number {
    return this.pos;
  }

  decodeBit(probs: Uint16Array, i: number): number {
    const p = probs[i]!;
    const bound = (this.range >>> PROB_BITS) * p;
    let bit: number;
    if (this.code < bound) {
      this.range = bound;
      probs[i] = p + ((PROB_ONE - p) >>> MOVE_BITS);
      bit = 0;
    } else {
      this.code -= bound;
      this.range -= bound;
      probs[i] = p - (p >>> MOVE_BITS);
      bit = 1;
    }
    while (this.range < TOP) {
      this.range *= 256;
      this.code = this.code * 256 + this.nextByte();
    }
    return bit;
  }

  /** Decodes `nbits` (≤ 30) bits coded by `encodeDirect`. */
  decodeDirect(nbits: number): number {
    let v = 0;
    for (let b = 0; b < nbits; b++) {
      this.range = this.range >>> 1;
      let bit = 0;
      if (this.code >= this.range) {
        this.code -= this.range;
        bit = 1;
        // Only garbage input gets here with code still ≥ range; stop it from growing without bound.
        if (this.code >= this.range) {
          this.code = 0;
          this.invalid = true;
        }
      }
      v = (v << 1) | bit;
      while (this.range < TOP) {
        this.range *= 256;
        this.code = this.code * 256 + this.nextByte();
      }
    }
    return v >>> 0;
  }

  private nextByte(): number {
    const pos = this.pos++;
    return pos < this.end ? this.buf[pos]! : 0;
  }
}
