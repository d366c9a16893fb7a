// Binary adaptive range coder (the LZMA scheme, with 15-bit probabilities) used by block chunks:
// each bit is coded against a probability that adapts as bits are coded, so skewed or narrow
// distributions cost close to their entropy, fractions of a bit included. Byte layout:
// docs/format/chunks.md ("Range coder").

/** @internal Probabilities are 15-bit fixed point: P(bit = 0) = p / 2^15. */
export const PROB_BITS = 15;
/** @internal Initial probability: 1/2. */
export const PROB_INIT = 1 << (PROB_BITS - 1);
/** @internal */
export const PROB_ONE = 1 << PROB_BITS;
/**
 * Adaptation: the k-th bit coded in a context moves p by 1/(k + 1) of its distance to the bit seen
 * (a running frequency, so a context learns within a few bits), until the step reaches
 * 1/2^FINAL_SHIFT, where it stays so p keeps tracking drift. RATE holds those steps as /65536.
 */
const FINAL_SHIFT = 6;
/** @internal */
export const RATE_LIMIT = (1 << FINAL_SHIFT) - 2;
/** @internal */
export const RATE = new Uint16Array(RATE_LIMIT + 1);
for (let c = 0; c <= RATE_LIMIT; c++) RATE[c] = Math.floor(65536 / (c + 2));

/**
 * @internal A set of adaptive bit models: slot i holds the probability at 2i and the number of
 * bits coded with it (capped) at 2i + 1.
 */
export function newModels(slots: number): Uint16Array {
  const m = new Uint16Array(slots * 2);
  resetModels(m);
  return m;
}

/** @internal Back to P = 1/2, nothing learnt. */
export function resetModels(m: Uint16Array): void {
  for (let j = 0; j < m.length; j += 2) {
    m[j] = PROB_INIT;
    m[j + 1] = 0;
  }
}
/** @internal The range is renormalised (shifted by a byte) whenever it drops below this. */
export const TOP = 1 << 24;
/** Most bits `encodePiece` codes at once. */
/** @internal */
export const DIRECT_PIECE = 12;
const TWO_32 = 4294967296;
/** @internal Slots of RangeDecoder's state array: range, code. */
export const R = 0;
/** @internal */
export const C = 1;

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

  /** Codes `bit` (0 or 1) with the adaptive model in slot `i` of `probs` (see newModels), then updates it. */
  encodeBit(probs: Uint16Array, i: number, bit: number): void {
    const j = i << 1;
    const p = probs[j]!;
    const c = probs[j + 1]!;
    const rate = RATE[c]!;
    const bound = (this.range >>> PROB_BITS) * p;
    if (bit === 0) {
      this.range = bound;
      probs[j] = p + (((PROB_ONE - p) * rate) >>> 16);
    } else {
      this.low += bound;
      this.range -= bound;
      probs[j] = p - ((p * rate) >>> 16);
    }
    if (c < RATE_LIMIT) probs[j + 1] = c + 1;
    while (this.range < TOP) {
      this.range *= 256;
      this.shiftLow();
    }
  }

  /**
   * Codes `v`, one of 2^k (k ≤ DIRECT_PIECE) equally likely values, with one division of the range:
   * cheaper than k bits at probability 1/2, and the range keeps ≥ 2^12 steps, so the loss is < 2^-12 bit.
   */
  encodePiece(v: number, k: number): void {
    const r = this.range >>> k;
    this.low += v * r;
    this.range = r;
    while (this.range < TOP) {
      this.range *= 256;
      this.shiftLow();
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
 * The state of decoding what RangeEncoder wrote, from `buf[start, end)`. The per-bit work is
 * inlined in IntCoder.decode (one function, state in locals: several times faster than a method
 * call per bit). Past the end it reads zero bytes and counts them (`overrun`), so callers bound the
 * work and detect truncation once per sample.
 */
export class RangeDecoder {
  /** @internal */
  buf: Uint8Array = new Uint8Array(0);
  /** @internal Next byte to read; may pass `end` (bytes there read as 0). */
  pos = 0;
  /** @internal */
  end = 0;
  /**
   * Range and code live in a Float64Array rather than in fields: they exceed int31, and V8 would
   * keep such fields as boxed heap numbers, costing an indirection on every bit.
   */
  readonly st = new Float64Array(2);
  /** Set when the input proved not to come from an encoder. */
  invalid = false;

  /** Starts decoding at `start`; false when the first 4 bytes cannot come from an encoder. */
  reset(buf: Uint8Array, start: number, end: number): boolean {
    this.buf = buf;
    this.pos = start;
    this.end = end;
    let code = 0;
    for (let k = 0; k < 4; k++) code = code * 256 + this.nextByte();
    this.st[R] = 0xffffffff;
    this.st[C] = code;
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

  private nextByte(): number {
    const pos = this.pos++;
    return pos < this.end ? this.buf[pos]! : 0;
  }
}
