// IntCoder: codes a stream of signed integers (|x| ≤ 2^53 − 1) with the range coder, adapting to
// the stream's distribution: a zero flag, a sign, the bit length (a 6-level binary tree), the two
// bits after the leading one, then the remaining bits as equally likely pieces. Narrow or skewed
// streams (timestamp jitter, counter increments, gauge steps) cost close to their entropy.
// Layout: docs/format/chunks.md ("Integer streams").

import {
  C,
  DIRECT_PIECE,
  PROB_BITS,
  PROB_ONE,
  R,
  RATE,
  RATE_LIMIT,
  TOP,
  newModels,
  resetModels,
  type RangeDecoder,
  type RangeEncoder,
} from './range-coder.js';

// Slots of each model in the model array.
const ZERO = 0; // 2 contexts: was the previous integer zero
const SIGN = 2;
const LEN = 3; // binary tree over bit length − 1 (0 … 63), nodes 1 … 63
const B1 = LEN + 64; // first bit after the leading one, per bit length
const B2 = B1 + 64; // second bit after it, per (bit length, first bit)
const MODEL_SIZE = B2 + 128;
/** Longest magnitude a stream may hold: 53 bits (2^53 − 1). */
const MAX_LEN = 53;
const TWO_32 = 4294967296;
/** 2^k for k = 0 … 63. */
const POW2 = new Float64Array(64);
for (let k = 0; k < 64; k++) POW2[k] = 2 ** k;

/** @internal Number of bits of a non-negative safe integer (0 for 0). */
export function bitLength(a: number): number {
  if (a < TWO_32) return 32 - Math.clz32(a);
  return 64 - Math.clz32(Math.floor(a / TWO_32));
}

/** Size of the first of the pieces that `nb` bits are coded in; the others have DIRECT_PIECE bits. */
function firstPiece(nb: number): number {
  return ((nb - 1) % DIRECT_PIECE) + 1;
}

/** Adaptive model of one integer stream; `reset()` before each chunk. */
export class IntCoder {
  private readonly p = newModels(MODEL_SIZE);
  private prevZero = 0;

  reset(): void {
    resetModels(this.p);
    this.prevZero = 0;
  }

  /** Codes x, a safe integer. */
  encode(enc: RangeEncoder, x: number): void {
    const p = this.p;
    if (x === 0) {
      enc.encodeBit(p, ZERO + this.prevZero, 0);
      this.prevZero = 1;
      return;
    }
    enc.encodeBit(p, ZERO + this.prevZero, 1);
    this.prevZero = 0;
    let a = x;
    if (x < 0) {
      a = -x;
      enc.encodeBit(p, SIGN, 1);
    } else {
      enc.encodeBit(p, SIGN, 0);
    }
    const len = bitLength(a);
    // Bit length − 1 through a binary tree, most significant bit first.
    const sym = len - 1;
    let node = 1;
    for (let b = 5; b >= 0; b--) {
      const bit = (sym >>> b) & 1;
      enc.encodeBit(p, LEN + node, bit);
      node = (node << 1) | bit;
    }
    if (len < 2) return;
    // a = 2^(len−1) + rest, rest < 2^(len−1).
    let rest = a - POW2[len - 1]!;
    const b1 = rest >= POW2[len - 2]! ? 1 : 0;
    enc.encodeBit(p, B1 + len, b1);
    if (len < 3) return;
    if (b1 === 1) rest -= POW2[len - 2]!;
    const half = POW2[len - 3]!;
    const b2 = rest >= half ? 1 : 0;
    enc.encodeBit(p, B2 + 2 * len + b1, b2);
    if (len < 4) return;
    if (b2 === 1) rest -= half;
    // The len − 3 low bits, most significant piece first.
    let left = len - 3;
    let size = firstPiece(left);
    while (left > 0) {
      left -= size;
      const above = Math.floor(rest / POW2[left]!);
      enc.encodePiece(above, size);
      rest -= above * POW2[left]!;
      size = DIRECT_PIECE;
    }
  }

  /**
   * Decodes one integer; NaN when the bits name a length above 53 (no encoder writes that). The
   * adaptive bits are decoded by one loop body, with the decoder's state in locals: this is the
   * block chunk's hot path.
   */
  decode(dec: RangeDecoder): number {
    const p = this.p;
    const st = dec.st;
    const buf = dec.buf;
    const end = dec.end;
    let pos = dec.pos;
    let range = st[R]!;
    let code = st[C]!;
    // Decisions in order: stage 0 zero flag, 1 sign, 2 … 7 the length tree, 8 b1, 9 b2.
    let stage = 0;
    let slot = ZERO + this.prevZero;
    let neg = 0;
    let node = 1;
    let len = 0;
    let a = 0;
    let b1 = 0;
    for (;;) {
      const j = slot << 1;
      const pr = p[j]!;
      const c = p[j + 1]!;
      const rate = RATE[c]!;
      const bound = (range >>> PROB_BITS) * pr;
      let bit = 0;
      if (code < bound) {
        range = bound;
        p[j] = pr + (((PROB_ONE - pr) * rate) >>> 16);
      } else {
        code -= bound;
        range -= bound;
        p[j] = pr - ((pr * rate) >>> 16);
        bit = 1;
      }
      if (c < RATE_LIMIT) p[j + 1] = c + 1;
      while (range < TOP) {
        range *= 256;
        code = code * 256 + (pos < end ? buf[pos]! : 0);
        pos++;
      }
      if (stage === 0) {
        if (bit === 0) break; // a = 0
        stage = 1;
        slot = SIGN;
      } else if (stage === 1) {
        neg = bit;
        stage = 2;
        slot = LEN + 1;
      } else if (stage < 7) {
        node = (node << 1) | bit;
        stage++;
        slot = LEN + node;
      } else if (stage === 7) {
        len = ((node << 1) | bit) - 63;
        a = 1;
        if (len < 2 || len > MAX_LEN) break;
        stage = 8;
        slot = B1 + len;
      } else if (stage === 8) {
        b1 = bit;
        a = 2 + bit;
        if (len < 3) break;
        stage = 9;
        slot = B2 + 2 * len + b1;
      } else {
        a = a * 2 + bit;
        break;
      }
    }
    if (len >= 4 && len <= MAX_LEN) {
      let left = len - 3;
      let size = firstPiece(left);
      while (left > 0) {
        const r = range >>> size;
        let v = Math.floor(code / r);
        if (v >= POW2[size]!) {
          // Only input no encoder wrote gets here (the code lies past the last piece's interval).
          v = 0;
          code = 0;
          dec.invalid = true;
        }
        code -= v * r;
        range = r;
        while (range < TOP) {
          range *= 256;
          code = code * 256 + (pos < end ? buf[pos]! : 0);
          pos++;
        }
        a = a * POW2[size]! + v;
        left -= size;
        size = DIRECT_PIECE;
      }
    }
    st[R] = range;
    st[C] = code;
    dec.pos = pos;
    this.prevZero = a === 0 ? 1 : 0;
    if (len > MAX_LEN) return NaN;
    return neg === 1 ? -a : a;
  }
}
