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
