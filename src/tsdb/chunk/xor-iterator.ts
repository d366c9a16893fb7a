// XorIterator: decodes an XOR chunk sample by sample (Prometheus's chunkenc.Iterator contract) with
// no allocation per sample. The per-sample path reads bits itself, through 32-bit peeks with the
// bit position in a local, because this loop is what every query over raw data runs.

import type { SampleIterator } from '../../storage/interface.js';
import { BitReader, peekBits32 } from './bit-reader.js';
import { CorruptChunkError, ENCODING_XOR, NO_WINDOW, TWO_32, XOR_HEADER_BYTES, fromBits, headerCount } from './xor-format.js';

const HEADER_BITS = XOR_HEADER_BYTES * 8;
const EMPTY_CHUNK = new Uint8Array([ENCODING_XOR, 0, 0]);

/**
 * Decodes an XOR chunk: a reusable pull iterator (`next` / `seek` / `atT` / `atV`) that allocates
 * nothing per sample. Corrupt input makes `reset` or `next` throw CorruptChunkError, never loop.
 *
 * @example
 * const it = new XorIterator(chunkBytes);
 * if (it.seek(mint)) do { use(it.atT(), it.atV()); } while (it.next());
 */
export class XorIterator implements SampleIterator {
  /** Used for the first two samples (varints); later samples are decoded inline. */
  private readonly r = new BitReader();
  private buf: Uint8Array = EMPTY_CHUNK;
  private pos = HEADER_BITS;
  private end = HEADER_BITS;
  private n = 0;
  /** Index of the current sample: -1 before the first `next()`, n once exhausted. */
  private i = -1;
  private t = 0;
  private delta = 0;
  // Value bits as int32 halves; int32 so V8 stores them as small integers.
  private vHi = 0;
  private vLo = 0;
  private leading = NO_WINDOW;
  private trailing = 0;

  constructor(bytes: Uint8Array = EMPTY_CHUNK) {
    this.reset(bytes);
  }

  /** Starts over on another chunk (or the same one, grown), reading its sample count now. */
  reset(bytes: Uint8Array): void {
    this.n = headerCount(bytes, ENCODING_XOR, 'XOR');
    this.buf = bytes;
    this.pos = HEADER_BITS;
    this.end = bytes.length * 8;
    this.i = -1;
    this.t = 0;
    this.delta = 0;
    this.vHi = 0;
    this.vLo = 0;
    this.leading = NO_WINDOW;
    this.trailing = 0;
  }

  /** Number of samples in the chunk, as read by the last reset. */
  get count(): number {
    return this.n;
  }

  /** Advances to the next sample; false when exhausted. */
  next(): boolean {
    const i = this.i + 1;
    if (i >= this.n) {
      this.i = this.n;
      return false;
    }
    if (i < 2) return this.readHead(i);
    const buf = this.buf;
    let pos = this.pos;

    // Timestamp: delta of delta, one peek covers every prefix and payload but the 64-bit one.
    let w = peekBits32(buf, pos);
    let delta = this.delta;
    let used: number;
    if (w >= 0) {
      used = 1;
    } else {
      const top = w >>> 28;
      let dod: number;
      if (top < 0b1100) {
        dod = (w >>> 23) & 0x7f;
        if (dod > 64) dod -= 128;
        used = 9;
      } else if (top < 0b1110) {
        dod = (w >>> 16) & 0x1fff;
        if (dod > 4096) dod -= 8192;
        used = 16;
      } else if (top === 0b1110) {
        dod = (w >>> 8) & 0xfffff;
        if (dod > 524288) dod -= 1048576;
        used = 24;
      } else {
        dod = peekBits32(buf, pos + 4) * TWO_32 + (peekBits32(buf, pos + 36) >>> 0);
        used = 68;
      }
      delta += dod;
      if (delta < 0) return this.corrupt(`timestamps decrease at sample ${i}`);
      this.delta = delta;
    }
    this.t += delta;
    // The 64-bit bucket can carry any value: past 2^53 the sums are no longer exact integers.
    if (this.t > Number.MAX_SAFE_INTEGER) return this.corrupt(`timestamp of sample ${i} is beyond the supported range`);
    pos += used;
    // The value's control bits and header (15 bits at most) are often still in the same peek.
    w = used <= 16 ? w << used : peekBits32(buf, pos);
    pos = this.readValue(buf, pos, w);
    this.pos = pos;
    // Past the end, peeks read zeros: bounded work, caught here once per sample.
    if (pos > this.end) return this.corrupt(`bitstream ends inside sample ${i} of ${this.n}`);
    this.i = i;
    return true;
  }

  /** Advances to the first sample with timestamp >= t, never backwards; false when there is none. */
  seek(t: number): boolean {
    const i = this.i;
    if (i >= this.n) return false;
    if (i >= 0 && this.t >= t) return true;
    while (this.next()) {
      if (this.t >= t) return true;
    }
    return false;
  }

  /** Timestamp of the current sample (valid after next() or seek() returned true). */
  atT(): number {
    return this.t;
  }

  /** Value of the current sample, bit-exact (valid after next() or seek() returned true). */
  atV(): number {
    return fromBits(this.vHi, this.vLo);
  }

  /** Samples 0 and 1: varint timestamp and raw value bits, then uvarint delta and the first XOR. */
  private readHead(i: number): boolean {
    const r = this.r;
    r.reset(this.buf, this.pos, this.end);
    if (i === 0) {
      const t = r.readVarint();
      if (t !== t) return this.corrupt('first timestamp is not a valid varint');
      this.t = t;
      this.vHi = r.readInt32();
      this.vLo = r.readInt32();
      if (r.overrun) return this.corrupt('bitstream ends inside sample 0');
      this.pos = r.bitPosition;
      this.i = 0;
      return true;
    }
    const delta = r.readUvarint();
    if (delta !== delta) return this.corrupt('second timestamp delta is not a valid uvarint');
    this.delta = delta;
    this.t += delta;
    if (this.t > Number.MAX_SAFE_INTEGER) return this.corrupt('timestamp of sample 1 is beyond the supported range');
    const pos = this.readValue(this.buf, r.bitPosition, peekBits32(this.buf, r.bitPosition));
    this.pos = pos;
    if (r.overrun || pos > this.end) return this.corrupt('bitstream ends inside sample 1');
    this.i = 1;
    return true;
  }

  /**
   * Decodes one XOR'ed value starting at bit `pos` into vHi/vLo; returns the position after it.
   * `w` holds at least the first 15 bits at `pos` (control and header), as peekBits32 would.
   */
  private readValue(buf: Uint8Array, pos: number, w: number): number {
    if (w >= 0) return pos + 1;
    let lead: number;
    let trail: number;
    if ((w & 0x40000000) === 0) {
      lead = this.leading;
      if (lead === NO_WINDOW) this.corrupt('value reuses a window before any was written');
      trail = this.trailing;
      pos += 2;
    } else {
      lead = (w >>> 25) & 0x1f;
      const s = (w >>> 19) & 0x3f;
      trail = 64 - lead - (s === 0 ? 64 : s);
      if (trail < 0) this.corrupt(`value window of ${lead} leading and ${s === 0 ? 64 : s} significant bits exceeds 64`);
      this.leading = lead;
      this.trailing = trail;
      pos += 13;
    }
    const sig = 64 - lead - trail;
    let h = 0;
    let l: number;
    if (sig > 32) {
      h = peekBits32(buf, pos) >>> (64 - sig);
      l = peekBits32(buf, pos + sig - 32);
    } else {
      l = peekBits32(buf, pos) >>> (32 - sig);
    }
    // Shift (h:l) left by trail back into place.
    if (trail >= 32) {
      h = l << (trail - 32);
      l = 0;
    } else if (trail > 0) {
      h = (h << trail) | (l >>> (32 - trail));
      l <<= trail;
    }
    this.vHi ^= h;
    this.vLo ^= l;
    return pos + sig;
  }

  /** Marks the iterator exhausted and throws: after corruption no later sample can be trusted. */
  private corrupt(what: string): never {
    this.i = this.n;
    throw new CorruptChunkError(`xor chunk is corrupt: ${what}`);
  }
}
