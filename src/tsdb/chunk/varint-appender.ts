// VarintAppender: encodes one series' samples into a decimal varint chunk (encoding 8) in place,
// as they arrive: timestamps as delta of delta, values as the delta of their decimal mantissa,
// every field a whole number of bytes. The bytes live in 64-byte segments of the shared open-chunk
// arena (segment-arena.ts) until the chunk is closed. Byte layout: docs/format/chunks.md.

import { scratchF64 } from './xor-format.js';
import { openChunks, SEGMENT_BYTES } from './segment-arena.js';
import { takeLongLived, takeShortLived } from './snapshot.js';
import { ENCODING_VARINT, VARINT_MAX_SAMPLES, exponentFor, mantissaAt } from './varint-format.js';
import { VarintIterator } from './varint-iterator.js';

const rawBytes = new Uint8Array(scratchF64.buffer);
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
/** After this many raw values in a row, the exponent search runs only every 16th sample. */
const RAW_STREAK = 4;

/**
 * Encodes samples of one series into a decimal varint chunk: no allocation per append but one
 * arena segment per 64 bytes. `close()` (keeping the bytes) or `release()` (dropping them) must
 * end every appender, or its segments stay taken. Timestamps are integer ms, non-decreasing (equal ones allowed); values are any
 * float64 bit pattern (those without a short decimal form are kept as raw bits).
 *
 * @example
 * const app = new VarintAppender();
 * app.append(1_700_000_000_000, 1.5);
 * app.append(1_700_000_010_000, 2);
 * const it = new VarintIterator(app.bytes());
 * while (it.next()) console.log(it.atT(), it.atV());
 */
export class VarintAppender {
  /** First and current segment of the chunk (-1 once released), and how many it has. */
  private first: number;
  private seg: number;
  private segments = 1;
  /** The current segment's page, the write position in it, and where the segment ends. */
  private page: Uint8Array;
  private p: number;
  private end: number;
  private n = 0;
  private t0 = NaN;
  private tLast = NaN;
  private delta = 0;
  /** Decimal exponent of the mantissas (-1: none yet) and the last mantissa written. */
  private e = -1;
  private m = 0;
  private rawStreak = 0;
  /** Last bytes() result, reused while no sample was appended since. */
  private snap: Uint8Array | null = null;

  constructor() {
    this.first = this.seg = openChunks.alloc(-1);
    this.page = openChunks.page(this.seg);
    this.p = openChunks.offset(this.seg);
    this.end = this.p + SEGMENT_BYTES;
    // The count bytes stay 0 here: copies get the count when they are made.
    this.page[this.p++] = ENCODING_VARINT;
    this.page[this.p++] = 0;
    this.page[this.p++] = 0;
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

  /**
   * Appends a sample. Throws RangeError, leaving the chunk unchanged, when `t` is not an integer
   * within ±(2^53 − 1), is below the last timestamp, lies more than 2^53 − 1 ms after the first, or
   * the chunk already holds VARINT_MAX_SAMPLES samples.
   */
  append(t: number, v: number): void {
    const n = this.n;
    if (!Number.isSafeInteger(t)) throw new RangeError(`timestamp ${t} is not an integer between -(2^53-1) and 2^53-1`);
    if (n > 0) {
      // Validate before writing anything so a rejected sample leaves the chunk intact.
      if (t < this.tLast) throw new RangeError(`timestamp ${t} is before the chunk's last timestamp ${this.tLast}`);
      if (n >= VARINT_MAX_SAMPLES) throw new RangeError(`chunk already holds ${n} samples, the limit is ${VARINT_MAX_SAMPLES}`);
      if (t - this.t0 > Number.MAX_SAFE_INTEGER) {
        throw new RangeError(`timestamp ${t} is more than 2^53-1 ms after the chunk's first timestamp ${this.t0}`);
      }
    }
    if (this.seg < 0) throw new Error('chunk appender used after close() or release()');
    if (n === 0) {
      this.putVarint(t);
      this.putValue(v, -1);
      this.t0 = t;
    } else if (n === 1) {
      const delta = t - this.tLast;
      this.putUvarint(delta);
      this.putValue(v, -1);
      this.delta = delta;
    } else {
      // From the third sample on, the value's first varint carries one more bit: whether the
      // timestamp's delta of delta (usually 0) follows the value.
      const delta = t - this.tLast;
      const dod = delta - this.delta;
      if (dod === 0) this.putValue(v, 0);
      else {
        this.putValue(v, 1);
        this.putVarint(dod);
      }
      this.delta = delta;
    }
    this.tLast = t;
    this.n = n + 1;
    this.snap = null;
  }

  /** The value record; `flag` (0 or 1) is appended as the lowest bit of its first varint, -1: none. */
  private putValue(v: number, flag: number): void {
    let e = this.e;
    if (e >= 0) {
      const m = mantissaAt(v, e);
      if (m === m) {
        // Tag bit 0: the zigzag'ed mantissa delta, doubled.
        const d = m - this.m;
        this.putTagged(d >= 0 ? 4 * d : -4 * d - 2, flag);
        this.m = m;
        this.rawStreak = 0;
        return;
      }
    }
    if (this.rawStreak < RAW_STREAK || (this.n & 15) === 0) {
      e = exponentFor(v, e + 1);
      if (e < 0) e = exponentFor(v, 0);
      if (e >= 0) {
        // Tag 1 with k = e + 1: a new exponent, then the whole mantissa (zigzag).
        const m = mantissaAt(v, e);
        this.putTagged(2 * (e + 1) + 1, flag);
        this.putUvarint(m >= 0 ? 2 * m : -2 * m - 1);
        this.e = e;
        this.m = m;
        this.rawStreak = 0;
        return;
      }
    }
    // Tag 1 with k = 0: the float64 bits, little-endian, bit for bit (NaN payloads included).
    this.rawStreak++;
    this.putTagged(1, flag);
    scratchF64[0] = v;
    if (LITTLE_ENDIAN) for (let i = 0; i < 8; i++) this.put(rawBytes[i]!);
    else for (let i = 7; i >= 0; i--) this.put(rawBytes[i]!);
  }

  private put(b: number): void {
    if (this.p === this.end) this.advance();
    this.page[this.p++] = b;
  }

  private advance(): void {
    const seg = (this.seg = openChunks.alloc(this.seg));
    this.page = openChunks.page(seg);
    this.p = openChunks.offset(seg);
    this.end = this.p + SEGMENT_BYTES;
    this.segments++;
  }

  private putTagged(u: number, flag: number): void {
    this.putUvarint(flag < 0 ? u : 2 * u + flag);
  }

  /** A signed integer (|x| ≤ 2^53 − 1) as a zigzag uvarint. */
  private putVarint(x: number): void {
    if (x > -0x40000000 && x < 0x40000000) {
      this.putUvarint(((x << 1) ^ (x >> 31)) >>> 0);
      return;
    }
    // zigzag(x) = 2|x| - (x < 0) can exceed 2^53 and lose its low bit as a double, so the first
    // 7-bit group comes from |x| directly and only the (exact) rest is a uvarint (as XOR chunks do).
    const neg = x < 0;
    const m = neg ? -x : x;
    const r = m % 64;
    let rest = (m - r) / 64;
    let first = 2 * r - (neg ? 1 : 0);
    if (first < 0) {
      first = 127;
      rest -= 1;
    }
    this.put(first | 0x80);
    this.putUvarint(rest);
  }

  /** A non-negative integer ≤ 2^53 − 1 in 7-bit groups, least significant first. */
  private putUvarint(u: number): void {
    if (u < 0x80000000) {
      while (u >= 0x80) {
        this.put((u & 0x7f) | 0x80);
        u >>>= 7;
      }
    } else {
      while (u >= 0x80) {
        const low = u % 128;
        this.put(low | 0x80);
        u = (u - low) / 128;
      }
    }
    this.put(u);
  }

  /** The chunk's bytes, count filled in, in `out` (of sizeBytes() bytes). */
  private copyTo(out: Uint8Array): Uint8Array {
    openChunks.gather(this.first, out.length, out);
    out[1] = this.n >>> 8;
    out[2] = this.n & 0xff;
    return out;
  }

  /**
   * Ends appending: returns the chunk as compact bytes to keep (in a long-lived slab) and gives
   * the segments back.
   */
  close(): Uint8Array {
    const out = this.copyTo(takeLongLived(this.sizeBytes()));
    this.release();
    return out;
  }

  /** Ends appending and drops the bytes (the series left the head). */
  release(): void {
    if (this.seg < 0) return;
    openChunks.release(this.first);
    this.first = this.seg = -1;
    this.snap = null;
  }

  /**
   * The encoded chunk as appended so far (header included): a compact snapshot that later appends
   * never change. Treat it as read-only (it is shared until the next append) and `slice()` it to
   * keep it long-term: it may sit in a shared slab.
   */
  bytes(): Uint8Array {
    let snap = this.snap;
    if (snap === null) {
      if (this.seg < 0) throw new Error('chunk appender used after close() or release()');
      snap = this.snap = this.copyTo(takeShortLived(this.sizeBytes()));
    }
    return snap;
  }

  /** Size of the encoded chunk in bytes, header included. */
  sizeBytes(): number {
    return (this.segments - 1) * SEGMENT_BYTES + SEGMENT_BYTES - (this.end - this.p);
  }

  /** Bytes of the segments held (≥ sizeBytes()), for head memory accounting. */
  allocatedBytes(): number {
    return this.segments * SEGMENT_BYTES;
  }

  /** An iterator over the samples appended so far; reuses `it` when given. */
  iterator(it?: VarintIterator): VarintIterator {
    if (it === undefined) return new VarintIterator(this.bytes());
    it.reset(this.bytes());
    return it;
  }
}
