// Out-of-order samples of one head series: samples older than the series' newest one (within the
// out-of-order window) kept sorted by time in growable typed arrays. Values stay in a
// Float64Array so NaN payloads (staleness markers) survive bit for bit. Late samples are a small
// fraction of the data, so a sorted insert (memmove) is cheap enough and keeps reads simple.
import type { SampleIterator } from '../storage/index.js';

export class OooBuffer {
  private ts = new Float64Array(8);
  private vs = new Float64Array(8);
  private n = 0;

  get count(): number {
    return this.n;
  }

  /** Inserts a sample; a sample already at `t` is replaced (last write wins). */
  insert(t: number, v: number): void {
    const i = this.lowerBound(t);
    if (i < this.n && this.ts[i] === t) {
      this.vs[i] = v;
      return;
    }
    if (this.n === this.ts.length) {
      const ts = new Float64Array(this.n * 2);
      ts.set(this.ts);
      const vs = new Float64Array(this.n * 2);
      vs.set(this.vs);
      this.ts = ts;
      this.vs = vs;
    }
    this.ts.copyWithin(i + 1, i, this.n);
    this.vs.copyWithin(i + 1, i, this.n);
    this.ts[i] = t;
    this.vs[i] = v;
    this.n++;
  }

  /** Forgets samples before `t`. */
  dropBefore(t: number): void {
    const k = this.lowerBound(t);
    if (k === 0) return;
    this.ts.copyWithin(0, k, this.n);
    this.vs.copyWithin(0, k, this.n);
    this.n -= k;
  }

  /** Copies of the samples in [mint, maxt]. */
  slice(mint: number, maxt: number): { ts: Float64Array; vs: Float64Array } {
    const from = this.lowerBound(mint);
    let to = this.lowerBound(maxt);
    if (to < this.n && this.ts[to] === maxt) to++;
    return { ts: this.ts.slice(from, to), vs: this.vs.slice(from, to) };
  }

  private lowerBound(t: number): number {
    let lo = 0;
    let hi = this.n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.ts[mid]! < t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

/** Iterates sorted sample arrays. */
export class ArrayIterator implements SampleIterator {
  private readonly ts: Float64Array;
  private readonly vs: Float64Array;
  private i = -1;

  constructor(ts: Float64Array, vs: Float64Array) {
    this.ts = ts;
    this.vs = vs;
  }

  next(): boolean {
    if (this.i >= this.ts.length) return false;
    return ++this.i < this.ts.length;
  }

  seek(t: number): boolean {
    if (this.i < 0) this.i = 0;
    while (this.i < this.ts.length && this.ts[this.i]! < t) this.i++;
    return this.i < this.ts.length;
  }

  atT(): number {
    return this.ts[this.i]!;
  }

  atV(): number {
    return this.vs[this.i]!;
  }
}
