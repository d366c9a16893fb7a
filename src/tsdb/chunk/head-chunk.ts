// The head's chunks: new ones are decimal varint chunks (encoding 8); XOR chunks (encoding 1) are
// still read, from checkpoints written before and from backfill. One iterator reads either.

import { fillSamples, type SampleIterator } from '../../storage/interface.js';
import { ENCODING_VARINT } from './varint-format.js';
import { VarintIterator } from './varint-iterator.js';
import { CorruptChunkError, ENCODING_XOR } from './xor-format.js';
import { XorIterator } from './xor-iterator.js';

/** Reads a head chunk of either encoding; `reset` switches to the decoder its first byte names. */
export class HeadChunkIterator implements SampleIterator {
  // Made on first use: a query opens an iterator per series, and head chunks are decimal varint
  // as a rule (XOR ones come from old checkpoints and backfill).
  private xor: XorIterator | null = null;
  private readonly varint = new VarintIterator();
  private cur: SampleIterator = this.varint;

  constructor(bytes?: Uint8Array) {
    if (bytes !== undefined) this.reset(bytes);
  }

  reset(bytes: Uint8Array): void {
    const enc = bytes.length > 0 ? bytes[0] : undefined;
    if (enc === ENCODING_VARINT) {
      this.varint.reset(bytes);
      this.cur = this.varint;
    } else if (enc === ENCODING_XOR) {
      const xor = (this.xor ??= new XorIterator());
      xor.reset(bytes);
      this.cur = xor;
    } else {
      throw new CorruptChunkError(`head chunk encoding is ${String(enc)}; head chunks are XOR (${ENCODING_XOR}) or decimal varint (${ENCODING_VARINT})`);
    }
  }

  next(): boolean {
    return this.cur.next();
  }

  seek(t: number): boolean {
    return this.cur.seek(t);
  }

  /** Bulk read (SampleIterator.fill): decimal varint chunks decode in one loop, XOR ones sample by sample. */
  fill(ts: Float64Array, vs: Float64Array, off: number): number {
    return this.cur === this.varint ? this.varint.fill(ts, vs, off) : fillSamples(this.cur, ts, vs, off);
  }

  atT(): number {
    return this.cur.atT();
  }

  atV(): number {
    return this.cur.atV();
  }
}
