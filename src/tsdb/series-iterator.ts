// Iterates a series' chunks as one stream of samples inside [mint, maxt], collapsing samples that
// share a timestamp to the last one written (last write wins, everywhere).
import type { SampleIterator } from '../storage/index.js';
import { DecodedChunkIterator, type DecodedChunks } from './chunk/decoded-chunks.js';
import { HeadChunkIterator } from './chunk/head-chunk.js';

export class ChunksIterator implements SampleIterator {
  private readonly chunks: readonly Uint8Array[];
  private readonly mint: number;
  private readonly maxt: number;
  private idx = 0;
  /** The current chunk's reader: `decoder` or, for a closed chunk held decoded, `copy`. */
  private it: HeadChunkIterator | DecodedChunkIterator | null;
  private readonly decoder: HeadChunkIterator | null;
  private copy: DecodedChunkIterator | null = null;
  /** Decoded copies of closed chunks, for the first `closed` chunks (they never change). */
  private readonly cache: DecodedChunks | null;
  private readonly closed: number;
  // The raw sample under the chunk iterator, read ahead by one to collapse duplicates.
  private rawOk = false;
  private rawT = 0;
  private rawV = 0;
  private started = false;
  private cur = false;
  private t = 0;
  private v = 0;

  /** `cache`: where the first `closed` chunks (closed ones, which never change) are read decoded. */
  constructor(chunks: readonly Uint8Array[], mint: number, maxt: number, cache: DecodedChunks | null = null, closed = 0) {
    this.chunks = chunks;
    this.mint = mint;
    this.maxt = maxt;
    this.cache = cache;
    this.closed = cache === null ? 0 : closed;
    this.decoder = chunks.length > 0 ? new HeadChunkIterator() : null;
    this.it = this.decoder;
    if (chunks.length > 0) this.open(0);
  }

  /** Points `it` at chunk `idx`: its decoded copy when it has (or gets) one, else the decoder. */
  private open(idx: number): void {
    const chunk = this.chunks[idx]!;
    if (idx < this.closed) {
      const slot = this.cache!.slot(chunk);
      if (slot >= 0) {
        const copy = (this.copy ??= new DecodedChunkIterator());
        copy.reset(this.cache!, chunk, slot);
        this.it = copy;
        return;
      }
    }
    this.decoder!.reset(chunk);
    this.it = this.decoder;
  }

  private advanceRaw(): boolean {
    if (this.it === null) return (this.rawOk = false);
    for (;;) {
      const it = this.it;
      if (it.next()) {
        this.rawT = it.atT();
        this.rawV = it.atV();
        return (this.rawOk = true);
      }
      if (++this.idx >= this.chunks.length) return (this.rawOk = false);
      this.open(this.idx);
    }
  }

  /** Puts the raw sample on the first at or after mint: each chunk's iterator skips there without handing out the samples before. */
  private begin(): void {
    this.started = true;
    if (this.it === null) {
      this.rawOk = false;
      return;
    }
    for (;;) {
      const it = this.it;
      if (it.seek(this.mint)) {
        this.rawT = it.atT();
        this.rawV = it.atV();
        this.rawOk = true;
        return;
      }
      if (++this.idx >= this.chunks.length) {
        this.rawOk = false;
        return;
      }
      this.open(this.idx);
    }
  }

  next(): boolean {
    if (!this.started) this.begin();
    if (!this.rawOk || this.rawT > this.maxt) return (this.cur = false);
    const t = this.rawT;
    let v = this.rawV;
    while (this.advanceRaw() && this.rawT === t) v = this.rawV;
    this.t = t;
    this.v = v;
    return (this.cur = true);
  }

  /**
   * next() in a loop, writing into the arrays: each chunk's raw samples are bulk-read straight
   * into them (HeadChunkIterator.fill), then compacted in place, samples sharing a timestamp
   * collapsing to the last one written, up to the first after maxt.
   */
  fill(ts: Float64Array, vs: Float64Array, off: number): number {
    const max = ts.length;
    if (off >= max) return off;
    if (!this.started) this.begin();
    if (this.it === null || !this.rawOk || this.rawT > this.maxt) {
      this.cur = false;
      return off;
    }
    const chunks = this.chunks;
    const maxt = this.maxt;
    ts[off] = this.rawT;
    vs[off] = this.rawV;
    // [off, w) holds the samples given out so far; raw samples are read from w on.
    let w = off + 1;
    let ended = false;
    let past = false;
    while (w < max) {
      const got = this.it!.fill(ts, vs, w);
      // Runs without equal timestamps (the rule) are already in place: only checked.
      let r = w;
      let prev = ts[w - 1]!;
      while (r < got) {
        const t = ts[r]!;
        if (t > maxt || t === prev) break;
        prev = t;
        r++;
      }
      w = r;
      // From the first equal timestamp on, w <= r: a sample is always moved down (or merged),
      // never onto one not yet looked at.
      for (; r < got; r++) {
        const t = ts[r]!;
        if (t > maxt) break;
        if (t === ts[w - 1]) vs[w - 1] = vs[r]!;
        else {
          ts[w] = t;
          vs[w++] = vs[r]!;
        }
      }
      if (r < got) {
        // The first sample after maxt stays the raw sample read ahead: next() ends there.
        past = true;
        this.rawT = ts[r]!;
        this.rawV = vs[r]!;
        break;
      }
      if (got < max) {
        if (++this.idx >= chunks.length) {
          ended = true;
          break;
        }
        this.open(this.idx);
      }
    }
    if (ended) this.rawOk = false;
    else if (!past) {
      // Full arrays: read ahead to the next raw sample with another timestamp, as next() does.
      const lastT = ts[w - 1]!;
      for (;;) {
        if (this.advanceRaw()) {
          if (this.rawT !== lastT) break;
          vs[w - 1] = this.rawV;
        } else break;
      }
    }
    this.t = ts[w - 1]!;
    this.v = vs[w - 1]!;
    // Full arrays: at the last sample written, as the loop of next() calls stops there too.
    // Otherwise the samples ran out, as after the next() that found nothing more.
    this.cur = w === max;
    return w;
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
