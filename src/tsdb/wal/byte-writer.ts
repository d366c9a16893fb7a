// A growable little-endian byte buffer with the varint and string encodings of WAL payloads.
import { StorageError } from '../../storage/index.js';

const MAX_SAFE = Number.MAX_SAFE_INTEGER;
const TWO_32 = 0x1_0000_0000;
// In unicode mode a surrogate pair is one code point outside this class, so only lone halves match.
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;
const SCRATCH_F64 = new Float64Array(1);
const SCRATCH_U8 = new Uint8Array(SCRATCH_F64.buffer);

/** Appends encoded values to a buffer that doubles when full; `finish()` copies out the result. */
export class ByteWriter {
  private buf: Buffer;
  private view: DataView;
  pos = 0;

  constructor(initialBytes = 4096) {
    this.buf = Buffer.allocUnsafeSlow(initialBytes);
    this.view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
  }

  /** Makes room for `n` more bytes. */
  ensure(n: number): void {
    const need = this.pos + n;
    if (need <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < need) size *= 2;
    const next = Buffer.allocUnsafeSlow(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
    this.view = new DataView(next.buffer, next.byteOffset, next.byteLength);
  }

  /** Starts a new payload, keeping the allocated buffer. */
  reset(): void {
    this.pos = 0;
    // A one-off huge payload should not pin its buffer for the life of the process.
    if (this.buf.length > 1 << 22) {
      this.buf = Buffer.allocUnsafeSlow(4096);
      this.view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
    }
  }

  /** A copy of the bytes written since the last reset, in a buffer of its own. */
  finish(): Buffer {
    const out = Buffer.allocUnsafe(this.pos);
    this.buf.copy(out, 0, 0, this.pos);
    return out;
  }

  u8(v: number): void {
    this.ensure(1);
    this.buf[this.pos++] = v;
  }

  /** Unsigned LEB128 of an integer in [0, 2^53). */
  uvarint(v: number): void {
    this.ensure(8);
    const buf = this.buf;
    let pos = this.pos;
    if (v >>> 0 === v) {
      while (v > 0x7f) {
        buf[pos++] = (v & 0x7f) | 0x80;
        v >>>= 7;
      }
    } else {
      if (!(v >= 0 && v <= MAX_SAFE && Number.isInteger(v))) {
        throw new RangeError(`cannot encode ${v} as an unsigned varint: an integer in [0, 2^53) is needed`);
      }
      while (v > 0x7f) {
        buf[pos++] = (v % 128) | 0x80;
        v = Math.floor(v / 128);
      }
    }
    buf[pos++] = v;
    this.pos = pos;
  }

  /**
   * Zigzag LEB128 of a safe integer (Go's binary.PutVarint). Built from sign and magnitude so
   * that the zigzag value itself, up to 2^54, never has to exist as an inexact float.
   */
  varint(v: number): void {
    if (v >= -0x4000_0000 && v < 0x4000_0000 && (v | 0) === v) {
      this.uvarint(((v << 1) ^ (v >> 31)) >>> 0);
      return;
    }
    if (!Number.isSafeInteger(v)) {
      throw new RangeError(`cannot encode ${v} as a signed varint: a safe integer is needed`);
    }
    this.ensure(8);
    const neg = v < 0;
    let m = neg ? -v - 1 : v;
    const low = m % 64;
    m = Math.floor(m / 64);
    this.buf[this.pos++] = (low << 1) | (neg ? 1 : 0) | 0x80; // m > 0: |v| >= 2^30 here
    this.uvarint(m);
  }

  /** `uvarint` of each of `values[from, to)`, in one loop (the common small values without a call each). */
  uvarintRun(values: ArrayLike<number>, from: number, to: number): void {
    this.ensure((to - from) * 8);
    let buf = this.buf;
    let pos = this.pos;
    for (let i = from; i < to; i++) {
      let v = values[i]!;
      if (v >>> 0 !== v) {
        this.pos = pos;
        this.uvarint(v);
        // The slow path may have grown the buffer.
        buf = this.buf;
        pos = this.pos;
        continue;
      }
      while (v > 0x7f) {
        buf[pos++] = (v & 0x7f) | 0x80;
        v >>>= 7;
      }
      buf[pos++] = v;
    }
    this.pos = pos;
  }

  /** `varint` of `values[i] - minus` for i in [from, to), in one loop like uvarintRun. */
  varintRun(values: ArrayLike<number>, from: number, to: number, minus: number): void {
    this.ensure((to - from) * 8);
    let buf = this.buf;
    let pos = this.pos;
    for (let i = from; i < to; i++) {
      const x = values[i]! - minus;
      if (!(x >= -0x4000_0000 && x < 0x4000_0000 && (x | 0) === x)) {
        this.pos = pos;
        this.varint(x);
        buf = this.buf;
        pos = this.pos;
        continue;
      }
      let u = ((x << 1) ^ (x >> 31)) >>> 0;
      while (u > 0x7f) {
        buf[pos++] = (u & 0x7f) | 0x80;
        u >>>= 7;
      }
      buf[pos++] = u;
    }
    this.pos = pos;
  }

  /** A safe integer as two's complement int64, little-endian. */
  i64(v: number): void {
    if (!Number.isSafeInteger(v)) throw new RangeError(`cannot encode ${v} as int64: a safe integer is needed`);
    this.ensure(8);
    const hi = Math.floor(v / TWO_32);
    this.view.setUint32(this.pos, v - hi * TWO_32, true);
    this.view.setInt32(this.pos + 4, hi, true);
    this.pos += 8;
  }

  f64(v: number): void {
    this.ensure(8);
    this.view.setFloat64(this.pos, v, true);
    this.pos += 8;
  }

  /**
   * Entries [from, to) of `a` as their float64 bytes in host order, bit for bit (NaN payloads
   * included: a typed array store does not canonicalize them, a DataView write may).
   */
  f64sOf(a: Float64Array, from: number, to: number): void {
    this.ensure((to - from) * 8);
    const buf = this.buf;
    let p = this.pos;
    for (let i = from; i < to; i++) {
      SCRATCH_F64[0] = a[i]!;
      for (let k = 0; k < 8; k++) buf[p++] = SCRATCH_U8[k]!;
    }
    this.pos = p;
  }

  /** Raw bytes, copied. */
  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  /**
   * uvarint byte length + UTF-8. Throws a StorageError for a string with a lone surrogate: UTF-8
   * cannot hold it, and replay would bring back a different string (a different series).
   */
  string(s: string, what: string): void {
    const n = Buffer.byteLength(s, 'utf8');
    // Non-ASCII strings only: a lone surrogate makes byteLength exceed length.
    if (n !== s.length && LONE_SURROGATE.test(s)) {
      throw new StorageError(
        'invalid_string',
        `${what} ${JSON.stringify(s.length > 64 ? s.slice(0, 64) + '…' : s)} is not well-formed Unicode (it holds a lone surrogate)`,
      );
    }
    this.uvarint(n);
    this.ensure(n);
    this.pos += n === s.length && n < 16 ? this.ascii(s) : this.buf.write(s, this.pos, n, 'utf8');
  }

  // Short ASCII strings are cheaper to copy in JS than through a native call.
  private ascii(s: string): number {
    const buf = this.buf;
    const pos = this.pos;
    for (let i = 0; i < s.length; i++) buf[pos + i] = s.charCodeAt(i);
    return s.length;
  }
}
