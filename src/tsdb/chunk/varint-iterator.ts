// VarintIterator: decodes a decimal varint chunk (encoding 8) sample by sample, with no allocation
// per sample. Byte layout: docs/format/chunks.md.

import type { SampleIterator } from '../../storage/interface.js';
import { CorruptChunkError, headerCount, scratchF64 } from './xor-format.js';
import { ENCODING_VARINT, MAX_EXPONENT, MAX_MANTISSA, POW10, VARINT_HEADER_BYTES } from './varint-format.js';

const EMPTY_CHUNK = new Uint8Array([ENCODING_VARINT, 0, 0]);
const rawBytes = new Uint8Array(scratchF64.buffer);
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
/** Where seek's decoding loop writes the one sample it stops at. */
const seekT = new Float64Array(1);
const seekV = new Float64Array(1);

/**
 * Decodes a decimal varint chunk: a reusable pull iterator (`next` / `seek` / `atT` / `atV`) that
 * allocates nothing per sample. Corrupt input makes `reset` or `next` throw CorruptChunkError,
 * never loop.
 */
export class VarintIterator implements SampleIterator {
  private buf: Uint8Array = EMPTY_CHUNK;
  private pos = VARINT_HEADER_BYTES;
  private n = 0;
  /** Index of the current sample: -1 before the first `next()`, n once exhausted. */
  private i = -1;
  private t = 0;
  private v = 0;
  private delta = 0;
  private e = -1;
  private m = 0;

  constructor(bytes: Uint8Array = EMPTY_CHUNK) {
    this.reset(bytes);
  }

  /** Starts over on another chunk, reading its sample count now. */
  reset(bytes: Uint8Array): void {
    this.n = headerCount(bytes, ENCODING_VARINT, 'decimal varint');
    this.buf = bytes;
    this.pos = VARINT_HEADER_BYTES;
    this.i = -1;
    this.t = 0;
    this.v = 0;
    this.delta = 0;
    this.e = -1;
    this.m = 0;
  }

  /** Number of samples in the chunk, as read by the last reset. */
  get count(): number {
    return this.n;
  }

  next(): boolean {
    const i = this.i + 1;
    if (i >= this.n) {
      this.i = this.n;
      return false;
    }
    this.i = i;
    let u: number;
    if (i >= 2) {
      // The lowest bit says whether a delta of delta follows the value (else it is 0).
      const u2 = this.uvarint();
      const flag = u2 % 2;
      u = (u2 - flag) / 2;
      this.value(u, i);
      if (flag === 1) this.delta += this.varint();
      const d = this.delta;
      if (d < 0) throw new CorruptChunkError(`sample ${i} goes back in time`);
      this.t += d;
    } else {
      if (i === 0) this.t = this.varint();
      else this.t += this.delta = this.uvarint();
      u = this.uvarint();
      this.value(u, i);
    }
    if (!Number.isSafeInteger(this.t)) throw new CorruptChunkError(`sample ${i} has timestamp ${this.t} outside ±(2^53-1)`);
    return true;
  }

  /** Decodes the value record whose first varint (tag bits included) is `u`. */
  private value(u: number, i: number): void {
    if ((u & 1) === 0) {
      if (this.e < 0) throw new CorruptChunkError(`sample ${i} is a mantissa delta before any exponent`);
      const m = (this.m += unzigzag(u / 2));
      if (m >= MAX_MANTISSA || m <= -MAX_MANTISSA) throw new CorruptChunkError(`sample ${i} has a mantissa out of range`);
      this.v = m / POW10[this.e]!;
    } else if (u === 1) {
      const buf = this.buf;
      let p = this.pos;
      if (p + 8 > buf.length) throw new CorruptChunkError(`chunk ends inside sample ${i}`);
      if (LITTLE_ENDIAN) for (let k = 0; k < 8; k++) rawBytes[k] = buf[p++]!;
      else for (let k = 7; k >= 0; k--) rawBytes[k] = buf[p++]!;
      this.pos = p;
      this.v = scratchF64[0]!;
    } else {
      const e = (u - 3) / 2;
      if (e > MAX_EXPONENT) throw new CorruptChunkError(`sample ${i} sets exponent ${e}, the largest is ${MAX_EXPONENT}`);
      const m = unzigzag(this.uvarint());
      if (m >= MAX_MANTISSA || m <= -MAX_MANTISSA) throw new CorruptChunkError(`sample ${i} has a mantissa out of range`);
      this.e = e;
      this.m = m;
      this.v = m / POW10[e]!;
    }
  }

  /** A zigzag varint of |x| ≤ 2^53 − 1, decoded without forming the (possibly inexact) zigzag value. */
  private varint(): number {
    const buf = this.buf;
    const p = this.pos;
    if (p >= buf.length) throw new CorruptChunkError(`chunk ends inside sample ${this.i}`);
    const b = buf[p]!;
    if (b < 0x80) {
      this.pos = p + 1;
      return (b >>> 1) ^ -(b & 1);
    }
    this.pos = p + 1;
    const low = b & 0x7f;
    const high = this.uvarint();
    return low % 2 === 0 ? low / 2 + 64 * high : -((low + 1) / 2 + 64 * high);
  }

  private uvarint(): number {
    const buf = this.buf;
    let p = this.pos;
    const end = buf.length;
    if (p >= end) throw new CorruptChunkError(`chunk ends inside sample ${this.i}`);
    let b = buf[p++]!;
    if (b < 0x80) {
      this.pos = p;
      return b;
    }
    let u = b & 0x7f;
    let mul = 128;
    for (let k = 1; ; k++) {
      if (p >= end) throw new CorruptChunkError(`chunk ends inside sample ${this.i}`);
      if (k >= 8) throw new CorruptChunkError(`varint longer than 8 bytes in sample ${this.i}`);
      b = buf[p++]!;
      u += (b & 0x7f) * mul;
      if (b < 0x80) break;
      mul *= 128;
    }
    this.pos = p;
    return u;
  }

  /** next() in a loop, writing into the arrays (SampleIterator.fill). */
  fill(ts: Float64Array, vs: Float64Array, off: number): number {
    return this.decode(ts, vs, off, -Infinity);
  }

  /** Skips to the first sample at or after t in the same decoding loop as fill, writing nothing on the way. */
  seek(t: number): boolean {
    if (this.i >= 0 && this.i < this.n && this.t >= t) return true;
    return this.decode(seekT, seekV, 0, t) === 1;
  }

  /**
   * The samples next() would give, from the current position: those at or after `from` are
   * written into ts/vs from `off` until the arrays are full, earlier ones skipped; returns the
   * index after the last one written. The chunk's state is kept in locals and one-byte varints
   * (almost all of them) are read inline; the first two samples, multi-byte varints, raw values
   * and new exponents go through the same methods as next().
   */
  private decode(ts: Float64Array, vs: Float64Array, off: number, from: number): number {
    const max = ts.length;
    while (off < max && this.i < 1) {
      if (!this.next()) return off;
      if (this.t >= from) {
        ts[off] = this.t;
        vs[off++] = this.v;
      }
    }
    if (off >= max) return off;
    const buf = this.buf;
    const n = this.n;
    let i = this.i;
    let pos = this.pos;
    let t = this.t;
    // The value is m / div unless the last value record was raw bits (then v): divided only for
    // samples written, not for those skipped on the way to `from`.
    let v = this.v;
    let raw = true;
    let delta = this.delta;
    let e = this.e;
    let m = this.m;
    let div = e >= 0 ? POW10[e]! : 1;
    while (off < max) {
      if (++i >= n) {
        i = n;
        break;
      }
      // The first varint: the delta-of-delta flag (bit 0), then the value record's tag bits.
      let flag: number;
      const b0 = buf[pos];
      if (b0 !== undefined && b0 < 0x80 && (b0 & 2) === 0 && e >= 0) {
        // Most samples: a one-byte mantissa delta, zigzagged in bits 2-6.
        pos++;
        flag = b0 & 1;
        const z = b0 >>> 2;
        m += (z >>> 1) ^ -(z & 1);
        if (m >= MAX_MANTISSA || m <= -MAX_MANTISSA) throw new CorruptChunkError(`sample ${i} has a mantissa out of range`);
        raw = false;
      } else {
        let u2: number;
        const b1 = b0 !== undefined && b0 >= 0x80 ? buf[pos + 1] : undefined;
        if (b0 !== undefined && b0 < 0x80) {
          u2 = b0;
          pos++;
        } else if (b1 !== undefined && b1 < 0x80) {
          // Two bytes: a counter's usual increment (16 to 2047).
          u2 = (b0! & 0x7f) | (b1 << 7);
          pos += 2;
        } else {
          this.i = i;
          this.pos = pos;
          u2 = this.uvarint();
          pos = this.pos;
        }
        flag = u2 % 2;
        const u = (u2 - flag) / 2;
        if ((u & 1) === 0) {
          if (e < 0) throw new CorruptChunkError(`sample ${i} is a mantissa delta before any exponent`);
          m += unzigzag(u / 2);
          if (m >= MAX_MANTISSA || m <= -MAX_MANTISSA) throw new CorruptChunkError(`sample ${i} has a mantissa out of range`);
          raw = false;
        } else {
          // A raw value or a new exponent: the rarer records, through value().
          this.i = i;
          this.pos = pos;
          this.e = e;
          this.m = m;
          this.value(u, i);
          pos = this.pos;
          e = this.e;
          m = this.m;
          v = this.v;
          raw = u === 1;
          if (e >= 0) div = POW10[e]!;
        }
      }
      if (flag === 1) {
        const b1 = buf[pos];
        if (b1 !== undefined && b1 < 0x80) {
          delta += (b1 >>> 1) ^ -(b1 & 1);
          pos++;
        } else {
          this.i = i;
          this.pos = pos;
          delta += this.varint();
          pos = this.pos;
        }
        if (delta < 0) throw new CorruptChunkError(`sample ${i} goes back in time`);
      }
      // Timestamps never decrease (delta >= 0): the first one outside ±(2^53-1) is the last read.
      t += delta;
      if (t > Number.MAX_SAFE_INTEGER) throw new CorruptChunkError(`sample ${i} has timestamp ${t} outside ±(2^53-1)`);
      if (t >= from) {
        ts[off] = t;
        vs[off++] = raw ? v : m / div;
      }
    }
    this.i = i;
    this.pos = pos;
    this.t = t;
    this.v = raw ? v : m / div;
    this.delta = delta;
    this.e = e;
    this.m = m;
    return off;
  }

  atT(): number {
    return this.t;
  }

  atV(): number {
    return this.v;
  }
}

/** Zigzag-decodes a non-negative integer ≤ 2^53 − 1. */
function unzigzag(z: number): number {
  if (z < 0x80000000) return (z >>> 1) ^ -(z & 1);
  const low = z % 2;
  return low === 0 ? z / 2 : -(z + 1) / 2;
}
