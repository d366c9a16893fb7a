// XorAppender: encodes one series' samples into an XOR chunk (Gorilla: delta-of-delta timestamps,
// XOR'ed float64 bits) in place, as they arrive. Byte layout: docs/format/chunks.md.

import { BitWriter } from './bit-writer.js';
import { ENCODING_XOR, NO_WINDOW, TWO_32, XOR_MAX_SAMPLES, fromBits, HI, LO, scratchF64, scratchI32 } from './xor-format.js';
import { XorIterator } from './xor-iterator.js';
import { snapshot } from './snapshot.js';

/**
 * Encodes samples of one series into an XOR chunk in place: no allocation per append except when
 * the buffer grows. Timestamps are integer ms, non-decreasing (equal ones allowed); values are any
 * float64 bit pattern.
 *
 * @example
 * const app = new XorAppender();
 * app.append(1_700_000_000_000, 1.5);
 * app.append(1_700_000_010_000, 2);
 * const it = new XorIterator(app.bytes());
 * while (it.next()) console.log(it.atT(), it.atV());
 */
export class XorAppender {
  private readonly w: BitWriter;
  private n = 0;
  private t0 = NaN;
  private tLast = NaN;
  private delta = 0;
  private vHi = 0;
  private vLo = 0;
  private leading = NO_WINDOW;
  private trailing = 0;
  /** Last bytes() result, reused while no sample was appended since. */
  private snap: Uint8Array | null = null;

  /** `initialBytes` sizes the buffer; a good guess (e.g. the series' previous chunk size) avoids regrowth. */
  constructor(initialBytes = 32) {
    this.w = new BitWriter(initialBytes);
    this.w.writeBits(ENCODING_XOR, 8);
    this.w.writeBits(0, 16);
  }

  /** Number of samples appended. */
  get count(): number {
    return this.n;
  }

  /** Timestamp of the first sample; NaN when empty. */
  get minT(): number {
    return this.t0;
  }

  /** Timestamp of the last sample (timestamps never decrease); NaN when empty. */
  get maxT(): number {
    return this.tLast;
  }

  /** Timestamp of the last sample; NaN when empty. */
  get lastT(): number {
    return this.tLast;
  }

  /** Value of the last sample, bit-exact (NaN payloads included); NaN when empty. */
  get lastV(): number {
    return this.n === 0 ? NaN : fromBits(this.vHi, this.vLo);
  }

  /**
   * Appends a sample. Throws RangeError, leaving the chunk unchanged, when `t` is not an integer
   * within ±(2^53 − 1), is below the last timestamp, lies more than 2^53 − 1 ms after the first, or
   * the chunk already holds XOR_MAX_SAMPLES samples.
   */
  append(t: number, v: number): void {
    const n = this.n;
    if (!Number.isSafeInteger(t)) {
      throw new RangeError(`timestamp ${t} is not an integer between -(2^53-1) and 2^53-1`);
    }
    const w = this.w;
    scratchF64[0] = v;
    const hi = scratchI32[HI]!;
    const lo = scratchI32[LO]!;
    if (n === 0) {
      w.writeVarint(t);
      w.writeBits(hi, 32);
      w.writeBits(lo, 32);
      this.t0 = t;
    } else {
      // Validate before writing anything so a rejected sample leaves the chunk intact.
      if (t < this.tLast) {
        throw new RangeError(`timestamp ${t} is before the chunk's last timestamp ${this.tLast}`);
      }
      if (n >= XOR_MAX_SAMPLES) {
        throw new RangeError(`chunk already holds ${n} samples, the limit is ${XOR_MAX_SAMPLES}`);
      }
      if (t - this.t0 > Number.MAX_SAFE_INTEGER) {
        throw new RangeError(`timestamp ${t} is more than 2^53-1 ms after the chunk's first timestamp ${this.t0}`);
      }
      const delta = t - this.tLast;
      if (n === 1) {
        w.writeUvarint(delta);
      } else {
        this.writeDod(delta - this.delta);
      }
      this.delta = delta;
      this.writeValue(hi, lo);
    }
    this.tLast = t;
    this.vHi = hi;
    this.vLo = lo;
    this.n = n + 1;
    this.snap = null;
  }

  /**
   * The encoded chunk as appended so far (header included): a compact snapshot that later appends
   * never change, so it can be decoded at any time. Treat it as read-only (it is shared with other
   * callers until the next append) and `slice()` it to keep it long-term: it may sit in a shared slab.
   */
  bytes(): Uint8Array {
    let snap = this.snap;
    if (snap === null) {
      snap = this.snap = snapshot(this.w.bytes());
      // The working buffer's count field stays 0: only snapshots are ever decoded.
      snap[1] = this.n >>> 8;
      snap[2] = this.n & 0xff;
    }
    return snap;
  }

  /** Size of the encoded chunk in bytes, header included. */
  sizeBytes(): number {
    return this.w.byteLength;
  }

  /** Bytes allocated for the chunk's buffer (≥ sizeBytes()), for head memory accounting. */
  allocatedBytes(): number {
    return this.w.capacity;
  }

  /** An iterator over the samples appended so far; reuses `it` when given. */
  iterator(it?: XorIterator): XorIterator {
    if (it === undefined) return new XorIterator(this.bytes());
    it.reset(this.bytes());
    return it;
  }

  // Buckets and ranges are documented in docs/format/chunks.md; keep the two in step.
  private writeDod(dod: number): void {
    const w = this.w;
    if (dod === 0) {
      w.writeBit(0);
    } else if (dod >= -63 && dod <= 64) {
      w.writeBits((0b10 << 7) | (dod & 0x7f), 9);
    } else if (dod >= -4095 && dod <= 4096) {
      w.writeBits((0b110 << 13) | (dod & 0x1fff), 16);
    } else if (dod >= -524287 && dod <= 524288) {
      w.writeBits((0b1110 << 20) | (dod & 0xfffff), 24);
    } else {
      // |dod| ≤ 2^53 − 1: ToUint32 takes the low half exactly; the high half is then exact too.
      const lo = dod >>> 0;
      const hi = (dod - lo) / TWO_32;
      w.writeBits(0b1111, 4);
      w.writeBits(hi, 32);
      w.writeBits(lo, 32);
    }
  }

  private writeValue(hi: number, lo: number): void {
    const w = this.w;
    const xh = hi ^ this.vHi;
    const xl = lo ^ this.vLo;
    if (xh === 0 && xl === 0) {
      w.writeBit(0);
      return;
    }
    let lead = xh !== 0 ? Math.clz32(xh) : 32 + Math.clz32(xl);
    if (lead > 31) lead = 31; // the field has 5 bits
    const trail = xl !== 0 ? 31 - Math.clz32(xl & -xl) : 63 - Math.clz32(xh & -xh);
    let shift: number;
    let sig: number;
    if (this.leading !== NO_WINDOW && lead >= this.leading && trail >= this.trailing) {
      // '10': the bits fit the previous window, so its position need not be repeated.
      shift = this.trailing;
      sig = 64 - this.leading - shift;
      w.writeBits(0b10, 2);
    } else {
      shift = trail;
      sig = 64 - lead - trail;
      this.leading = lead;
      this.trailing = trail;
      w.writeBits((0b11 << 11) | (lead << 6) | (sig & 63), 13);
    }
    // Write the window: (xh:xl) >> shift, low `sig` bits.
    if (shift === 0) {
      if (sig > 32) w.writeBits(xh, sig - 32);
      w.writeBits(xl, sig > 32 ? 32 : sig);
    } else if (shift < 32) {
      if (sig > 32) w.writeBits(xh >>> shift, sig - 32);
      w.writeBits((xl >>> shift) | (xh << (32 - shift)), sig > 32 ? 32 : sig);
    } else {
      w.writeBits(xh >>> (shift - 32), sig);
    }
  }
}
