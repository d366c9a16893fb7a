// BlockChunkIterator: the per-sample pull iterator over one block chunk of any encoding. `reset`
// decodes the whole chunk into typed arrays through BlockChunkDecoder (bad bytes throw
// CorruptChunkError there), and next / seek / atT / atV then only index those arrays.

import type { SampleIterator } from '../../storage/interface.js';
import { BlockChunkDecoder, blockChunkCount } from './block-decoder.js';

/**
 * A reusable pull iterator over one block chunk (`next` / `seek` / `atT` / `atV`), allocation-free
 * per sample.
 *
 * @example
 * const it = new BlockChunkIterator();
 * it.reset(bytes);
 * if (it.seek(mint)) do { use(it.atT(), it.atV()); } while (it.next());
 */
export class BlockChunkIterator implements SampleIterator {
  /** Decoded timestamps of the current chunk, [0, count) valid; reused between chunks. */
  private ts = new Float64Array(0);
  /** Decoded values of the current chunk, bit-exact. */
  private vs = new Float64Array(0);
  private n = 0;
  private i = -1;

  constructor(bytes?: Uint8Array) {
    if (bytes !== undefined) this.reset(bytes);
  }

  /** Number of samples in the chunk. */
  get count(): number {
    return this.n;
  }

  /** Starts over on another chunk, decoding it whole now. */
  reset(bytes: Uint8Array): void {
    this.i = -1;
    this.n = 0;
    const n = blockChunkCount(bytes);
    if (this.ts.length < n) {
      const size = Math.max(n, 2 * this.ts.length); // n ≤ BLOCK_MAX_SAMPLES, even in corrupt input
      this.ts = new Float64Array(size);
      this.vs = new Float64Array(size);
    }
    this.n = BlockChunkDecoder.shared.decode(bytes, this.ts, this.vs);
  }

  next(): boolean {
    const i = this.i + 1;
    if (i < this.n) {
      this.i = i;
      return true;
    }
    this.i = this.n;
    return false;
  }

  seek(t: number): boolean {
    const i = this.i;
    const n = this.n;
    if (i >= n) return false;
    const ts = this.ts;
    if (i >= 0 && ts[i]! >= t) return true;
    // First index ≥ max(i, 0) with ts ≥ t: timestamps are sorted, so binary search.
    let lo = i < 0 ? 0 : i;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (ts[mid]! < t) lo = mid + 1;
      else hi = mid;
    }
    this.i = lo;
    return lo < n;
  }

  atT(): number {
    return this.ts[this.i]!;
  }

  atV(): number {
    return this.vs[this.i]!;
  }
}
