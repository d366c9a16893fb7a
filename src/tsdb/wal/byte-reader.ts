// Bounds-checked reads of WAL payloads: every read of untrusted bytes either succeeds inside the
// payload or throws WalCorruptionError, so garbage can never turn into an out-of-range value.
import { isUtf8 } from 'node:buffer';
import { WalCorruptionError } from './wal-error.js';

const MAX_SAFE = Number.MAX_SAFE_INTEGER;
const TWO_32 = 0x1_0000_0000;

/** Reads the encodings ByteWriter writes, from one payload. */
export class ByteReader {
  readonly buf: Buffer;
  readonly view: DataView;
  readonly end: number;
  pos = 0;
  /** Names the payload in error messages, e.g. "series record". */
  private readonly what: string;

  constructor(payload: Uint8Array, what: string) {
    this.buf = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
    this.view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
    this.end = payload.byteLength;
    this.what = what;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  fail(msg: string): never {
    throw new WalCorruptionError(`${this.what}: ${msg} (at byte ${this.pos} of ${this.end})`);
  }

  u8(): number {
    if (this.pos >= this.end) this.fail('payload ends early');
    return this.buf[this.pos++]!;
  }

  /** Unsigned LEB128, at most 8 bytes, value below 2^53. */
  uvarint(): number {
    const buf = this.buf;
    let pos = this.pos;
    if (pos >= this.end) this.fail('payload ends inside a varint');
    let b = buf[pos++]!;
    if (b < 0x80) {
      this.pos = pos;
      return b;
    }
    let v = b & 0x7f;
    let mul = 0x80;
    for (let i = 1; ; i++) {
      if (i === 8) this.fail('varint longer than 8 bytes');
      if (pos >= this.end) this.fail('payload ends inside a varint');
      b = buf[pos++]!;
      v += (b & 0x7f) * mul;
      if (b < 0x80) break;
      mul *= 0x80;
    }
    if (v > MAX_SAFE) this.fail('varint exceeds 2^53 - 1');
    this.pos = pos;
    return v;
  }

  /** Zigzag LEB128 (Go's binary.Varint) of a safe integer, at most 8 bytes. */
  varint(): number {
    const buf = this.buf;
    let pos = this.pos;
    if (pos >= this.end) this.fail('payload ends inside a varint');
    let b = buf[pos++]!;
    const neg = (b & 1) === 1;
    // The first byte holds the sign and the magnitude's low 6 bits; the rest as in uvarint.
    let m = (b & 0x7f) >>> 1;
    let mul = 64;
    for (let i = 1; b >= 0x80; i++) {
      if (i === 8) this.fail('varint longer than 8 bytes');
      if (pos >= this.end) this.fail('payload ends inside a varint');
      b = buf[pos++]!;
      m += (b & 0x7f) * mul;
      mul *= 0x80;
    }
    const v = neg ? -m - 1 : m;
    if (v > MAX_SAFE || v < -MAX_SAFE) this.fail('varint is outside ±(2^53 - 1)');
    this.pos = pos;
    return v;
  }

  /** Two's complement int64, little-endian, that must be a safe integer. */
  i64(): number {
    this.need(8);
    const v = this.view.getInt32(this.pos + 4, true) * TWO_32 + this.view.getUint32(this.pos, true);
    if (!Number.isSafeInteger(v)) this.fail('int64 is outside ±(2^53 - 1)');
    this.pos += 8;
    return v;
  }

  /** uvarint byte length + UTF-8, which must be valid. */
  string(): string {
    const n = this.uvarint();
    if (n > this.end - this.pos) this.fail(`string of ${n} bytes runs past the end of the payload`);
    const start = this.pos;
    const end = start + n;
    const buf = this.buf;
    let ascii = true;
    for (let i = start; i < end; i++) {
      if (buf[i]! >= 0x80) {
        ascii = false;
        break;
      }
    }
    if (ascii) {
      this.pos = end;
      return n === 0 ? '' : buf.toString('latin1', start, end);
    }
    const bytes = buf.subarray(start, end);
    // Buffer#toString would silently replace invalid sequences; a valid CRC with invalid UTF-8
    // means the bytes were not written by us, so say so.
    if (!isUtf8(bytes)) this.fail('string is not valid UTF-8');
    this.pos = end;
    return bytes.toString('utf8');
  }

  /** Throws unless `n` more bytes are available. */
  need(n: number): void {
    if (n > this.end - this.pos) this.fail(`${n} more bytes needed`);
  }
}
