// IntCoder: codes a stream of signed integers (|x| ≤ 2^53 − 1) with the range coder, adapting to
// the stream's distribution: a zero flag, a sign, the bit length (a 6-level binary tree), the two
// bits after the leading one, then the remaining bits at probability 1/2. Narrow or skewed streams
// (timestamp jitter, counter increments, gauge steps) cost close to their entropy. Layout:
// docs/format/chunks.md ("Integer streams").

import { PROB_INIT, type RangeDecoder, type RangeEncoder } from './range-coder.js';

// Offsets of each model in the probability array.
const ZERO = 0; // 2 contexts: was the previous integer zero
const SIGN = 2;
const LEN = 3; // binary tree over bit length − 1 (0 … 63), nodes 1 … 63
const B1 = LEN + 64; // first bit after the leading one, per bit length
const B2 = B1 + 64; // second bit after it, per (bit length, first bit)
const MODEL_SIZE = B2 + 128;
/** Longest magnitude a stream may hold: 53 bits (2^53 − 1). */
const MAX_LEN = 53;
const TWO_24 = 16777216;
const TWO_32 = 4294967296;

/** Number of bits of a non-negative safe integer (0 for 0). */
function bitLength(a: number): number {
  if (a < TWO_32) return 32 - Math.clz32(a);
  return 64 - Math.clz32(Math.floor(a / TWO_32));
}

/** Adaptive model of one integer stream; `reset()` before each chunk. */
export class IntCoder {
  private readonly p = new Uint16Array(MODEL_SIZE);
  private prevZero = 0;

  constructor() {
    this.reset();
  }

  reset(): void {
    this.p.fill(PROB_INIT);
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
    let rest = a - 2 ** (len - 1);
    const b1 = rest >= 2 ** (len - 2) ? 1 : 0;
    enc.encodeBit(p, B1 + len, b1);
    if (len < 3) return;
    if (b1 === 1) rest -= 2 ** (len - 2);
    const half = 2 ** (len - 3);
    const b2 = rest >= half ? 1 : 0;
    enc.encodeBit(p, B2 + 2 * len + b1, b2);
    if (len < 4) return;
    if (b2 === 1) rest -= half;
    const nb = len - 3;
    if (nb > 24) {
      const hi = Math.floor(rest / TWO_24);
      enc.encodeDirect(hi, nb - 24);
      enc.encodeDirect(rest - hi * TWO_24, 24);
    } else {
      enc.encodeDirect(rest, nb);
    }
  }

  /** Decodes one integer; NaN when the bits name a length above 53 (no encoder writes that). */
  decode(dec: RangeDecoder): number {
    const p = this.p;
    if (dec.decodeBit(p, ZERO + this.prevZero) === 0) {
      this.prevZero = 1;
      return 0;
    }
    this.prevZero = 0;
    const neg = dec.decodeBit(p, SIGN);
    let node = 1;
    for (let b = 0; b < 6; b++) node = (node << 1) | dec.decodeBit(p, LEN + node);
    const len = node - 64 + 1;
    if (len > MAX_LEN) return NaN;
    let a = 1;
    if (len >= 2) {
      const b1 = dec.decodeBit(p, B1 + len);
      a = 2 + b1;
      if (len >= 3) {
        a = a * 2 + dec.decodeBit(p, B2 + 2 * len + b1);
        if (len >= 4) {
          const nb = len - 3;
          if (nb > 24) {
            const hi = dec.decodeDirect(nb - 24);
            a = (a * 2 ** (nb - 24) + hi) * TWO_24 + dec.decodeDirect(24);
          } else {
            a = a * 2 ** nb + dec.decodeDirect(nb);
          }
        }
      }
    }
    return neg === 1 ? -a : a;
  }
}
