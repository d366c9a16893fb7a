// Iterates a series' chunks as one stream of samples inside [mint, maxt], collapsing samples that
// share a timestamp to the last one written (last write wins, everywhere).
import type { SampleIterator } from '../storage/index.js';
import { HeadChunkIterator } from './chunk/head-chunk.js';

export class ChunksIterator implements SampleIterator {
  private readonly chunks: readonly Uint8Array[];
  private readonly mint: number;
  private readonly maxt: number;
  private idx = 0;
  private readonly it: HeadChunkIterator | null;
  // The raw sample under the chunk iterator, read ahead by one to collapse duplicates.
  private rawOk = false;
  private rawT = 0;
  private rawV = 0;
  private started = false;
  private cur = false;
  private t = 0;
  private v = 0;

  constructor(chunks: readonly Uint8Array[], mint: number, maxt: number) {
    this.chunks = chunks;
    this.mint = mint;
    this.maxt = maxt;
    this.it = chunks.length > 0 ? new HeadChunkIterator(chunks[0]!) : null;
  }

  private advanceRaw(): boolean {
    const it = this.it;
    if (it === null) return (this.rawOk = false);
    for (;;) {
      if (it.next()) {
        this.rawT = it.atT();
        this.rawV = it.atV();
        return (this.rawOk = true);
      }
      if (++this.idx >= this.chunks.length) return (this.rawOk = false);
      it.reset(this.chunks[this.idx]!);
    }
  }

  next(): boolean {
    if (!this.started) {
      this.started = true;
      this.advanceRaw();
      while (this.rawOk && this.rawT < this.mint) this.advanceRaw();
    }
    if (!this.rawOk || this.rawT > this.maxt) return (this.cur = false);
    const t = this.rawT;
    let v = this.rawV;
    while (this.advanceRaw() && this.rawT === t) v = this.rawV;
    this.t = t;
    this.v = v;
    return (this.cur = true);
  }

  /** next() in a loop, writing into the arrays: the chunk iterator is driven directly, with no per-sample state in fields. */
  fill(ts: Float64Array, vs: Float64Array, off: number): number {
    const it = this.it;
    const max = ts.length;
    if (off >= max) return off;
    if (!this.started) {
      this.started = true;
      this.advanceRaw();
      while (this.rawOk && this.rawT < this.mint) this.advanceRaw();
    }
    if (it === null || !this.rawOk || this.rawT > this.maxt) {
      this.cur = false;
      return off;
    }
    const chunks = this.chunks;
    const maxt = this.maxt;
    let ok = true;
    let rt = this.rawT;
    let rv = this.rawV;
    let t = 0;
    let v = 0;
    while (ok && rt <= maxt && off < max) {
      t = rt;
      v = rv;
      // The next raw sample; those at the same timestamp collapse into the last one written.
      for (;;) {
        if (it.next()) {
          rt = it.atT();
          rv = it.atV();
          if (rt !== t) break;
          v = rv;
        } else if (++this.idx < chunks.length) {
          it.reset(chunks[this.idx]!);
        } else {
          ok = false;
          break;
        }
      }
      ts[off] = t;
      vs[off++] = v;
    }
    this.rawOk = ok;
    this.rawT = rt;
    this.rawV = rv;
    this.t = t;
    this.v = v;
    // Full arrays: at the last sample written, as the loop of next() calls stops there too.
    // Otherwise the samples ran out, as after the next() that found nothing more.
    this.cur = off === max;
    return off;
  }

  seek(t: number): boolean {
    // Already at or past t: the current sample stays (never move backwards).
    if (this.cur && this.t >= t) return true;
    while (this.next()) if (this.t >= t) return true;
    return false;
  }

  atT(): number {
    return this.t;
  }

  atV(): number {
    return this.v;
  }
}
