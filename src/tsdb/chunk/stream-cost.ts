// StreamCost: estimates how many bits IntCoder will spend on a stream of integers, from the
// stream's histogram of (sign, bit length) plus the bits below the leading one. The block encoder
// uses it to pick per chunk between timestamp and value modes without range coding each of them.

import { bitLength } from './int-coder.js';

/** Buckets: 0 for zero, 1 + len for positive, 55 + len for negative (len ≤ 53). */
const BUCKETS = 110;

/** Accumulates a stream; `bits()` is its estimated coded size. */
export class StreamCost {
  private readonly hist = new Float64Array(BUCKETS);
  private count = 0;
  private extra = 0;

  reset(): void {
    this.hist.fill(0);
    this.count = 0;
    this.extra = 0;
  }

  add(x: number): void {
    this.count++;
    if (x === 0) {
      this.hist[0]!++;
      return;
    }
    const len = bitLength(x < 0 ? -x : x);
    this.hist[(x < 0 ? 55 : 1) + len]!++;
    this.extra += len - 1;
  }

  /** Entropy of the buckets times the count, plus the bits under each leading one. */
  bits(): number {
    const n = this.count;
    if (n === 0) return 0;
    let h = 0;
    for (let b = 0; b < BUCKETS; b++) {
      const c = this.hist[b]!;
      if (c > 0) h -= c * Math.log2(c / n);
    }
    return h + this.extra;
  }
}
