// A protobuf wire reader over one Buffer: varints, fixed64 halves, doubles and interned strings,
// throwing WireError (with the byte offset) on anything malformed. No object per field. Shared by
// the hand-written decoders (remote write's WriteRequest, OTLP's ExportMetricsServiceRequest):
// protobufjs, which the tests use as the reference, builds an object per field and a Long per
// 64-bit number.

/** Malformed input; `offset` is where in the message it was noticed (-1: not positional). */
export class WireError extends Error {
  constructor(
    message: string,
    readonly offset = -1,
  ) {
    super(message);
    this.name = 'WireError';
  }
}

/** Strings of up to this many bytes are interned in a table of INTERN_SIZE slots (shared by all requests). */
const MAX_INTERNED = 64;
const INTERN_SIZE = 4096;
const interned: (string | undefined)[] = new Array<string | undefined>(INTERN_SIZE).fill(undefined);

type Slice = (this: Buffer, start: number, end: number) => string;
const proto = Buffer.prototype as unknown as { utf8Slice?: Slice; latin1Slice?: Slice };
const utf8Slice: Slice = proto.utf8Slice ?? function (this: Buffer, a: number, b: number) { return this.toString('utf8', a, b); };
const latin1Slice: Slice = proto.latin1Slice ?? function (this: Buffer, a: number, b: number) { return this.toString('latin1', a, b); };

export class WireReader {
  pos = 0;
  /** Low and high 32 bits of the last fixed64 read. */
  lo = 0;
  hi = 0;

  constructor(readonly buf: Buffer) {}

  varint(end: number): number {
    const b = this.buf;
    let result = 0;
    let mul = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= end) throw new WireError('truncated varint', this.pos);
      const c = b[this.pos++]!;
      result += (c & 0x7f) * mul;
      if (c < 0x80) return result;
      mul *= 128;
    }
    throw new WireError('varint longer than 10 bytes', this.pos);
  }

  /** A varint as two's complement int64 halves into lo/hi. */
  varint64(end: number): void {
    const b = this.buf;
    let lo = 0;
    let hi = 0;
    for (let i = 0, shift = 0; i < 10; i++, shift += 7) {
      if (this.pos >= end) throw new WireError('truncated varint', this.pos);
      const c = b[this.pos++]!;
      if (shift < 28) lo |= (c & 0x7f) << shift;
      else if (shift === 28) {
        lo |= (c & 0x0f) << 28;
        hi |= (c & 0x7f) >>> 4;
      } else hi |= (c & 0x7f) << (shift - 32);
      if (c < 0x80) {
        this.lo = lo >>> 0;
        this.hi = hi >>> 0;
        return;
      }
    }
    throw new WireError('varint longer than 10 bytes', this.pos);
  }

  /** A varint read as a two's complement int64 number (negative timestamps take 10 bytes). */
  int64(end: number): number {
    this.varint64(end);
    return (this.hi | 0) * 4294967296 + this.lo;
  }

  /** A fixed64 into lo/hi. */
  fixed64(end: number): void {
    if (end - this.pos < 8) throw new WireError('truncated fixed64', this.pos);
    this.lo = this.buf.readUInt32LE(this.pos);
    this.hi = this.buf.readUInt32LE(this.pos + 4);
    this.pos += 8;
  }

  /** A fixed64 as an unsigned number (exact up to 2^53). */
  uint64Fixed(end: number): number {
    this.fixed64(end);
    return this.hi * 4294967296 + this.lo;
  }

  double(end: number): number {
    if (end - this.pos < 8) throw new WireError('truncated double', this.pos);
    const v = this.buf.readDoubleLE(this.pos);
    this.pos += 8;
    return v;
  }

  /** A length prefix; returns where the delimited bytes end. */
  delimited(end: number): number {
    const n = this.varint(end);
    if (n > end - this.pos) throw new WireError(`length ${n} runs past the end of its message`, this.pos);
    return this.pos + n;
  }

  string(end: number): string {
    const stop = this.delimited(end);
    const a = this.pos;
    this.pos = stop;
    const n = stop - a;
    if (n > MAX_INTERNED) return utf8Slice.call(this.buf, a, stop);
    // Attribute keys and most values repeat from point to point: reuse the string made for the
    // same bytes (ASCII only, compared byte by byte) instead of decoding it again.
    const buf = this.buf;
    let h = n;
    for (let i = a; i < stop; i++) {
      const c = buf[i]!;
      if (c >= 0x80) return utf8Slice.call(buf, a, stop);
      h = Math.imul(h ^ c, 0x01000193);
    }
    const slot = (h ^ (h >>> 15)) & (INTERN_SIZE - 1);
    const have = interned[slot];
    if (have !== undefined && have.length === n) {
      let same = true;
      for (let i = 0; i < n; i++) {
        if (have.charCodeAt(i) !== buf[a + i]) {
          same = false;
          break;
        }
      }
      if (same) return have;
    }
    const s = latin1Slice.call(buf, a, stop);
    interned[slot] = s;
    return s;
  }

  /** Bytes [from, to) as a one-byte string (a cache key, not text). */
  latin1(from: number, to: number): string {
    return latin1Slice.call(this.buf, from, to);
  }

  bytesBase64(end: number): string {
    const stop = this.delimited(end);
    const s = this.buf.toString('base64', this.pos, stop);
    this.pos = stop;
    return s;
  }

  skip(wireType: number, end: number): void {
    switch (wireType) {
      case 0:
        this.varint(end);
        return;
      case 1:
        if (end - this.pos < 8) throw new WireError('truncated fixed64', this.pos);
        this.pos += 8;
        return;
      case 2:
        this.pos = this.delimited(end);
        return;
      case 5:
        if (end - this.pos < 4) throw new WireError('truncated fixed32', this.pos);
        this.pos += 4;
        return;
      default:
        throw new WireError(`unsupported wire type ${wireType}`, this.pos);
    }
  }
}

/** Throws unless a field has the wire type its definition gives it. */
export function expectWire(wireType: number, want: number, field: string, pos: number): void {
  if (wireType !== want) throw new WireError(`field ${field} has wire type ${wireType}, expected ${want}`, pos);
}
