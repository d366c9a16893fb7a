// The open (still growing) decimal varint chunk of a row (rows.ts): timestamps as delta of delta,
// values as the delta of their decimal mantissa, every field a whole number of bytes, written
// into 64-byte segments of the shared arena (segment-arena.ts). The encoder's state lives in the
// row, so appending to thousands of series touches few cache lines. Byte layout:
// docs/format/chunks.md (encoding 8).

import { scratchF64 } from './xor-format.js';
import { openChunks, SEGMENT_BYTES } from './segment-arena.js';
import { takeLongLived, takeShortLived } from './snapshot.js';
import { ENCODING_VARINT, VARINT_MAX_SAMPLES, exponentFor, mantissaAt } from './varint-format.js';
import {
  F,
  F_C_DELTA,
  F_C_M,
  F_C_MAX_T,
  F_C_MIN_T,
  I,
  I_C_E,
  I_C_FIRST_SEG,
  I_C_N,
  I_C_RAW_STREAK,
  I_C_SEG,
  I_C_SEGMENTS,
  I_C_USED,
  rows,
} from './rows.js';

const rawBytes = new Uint8Array(scratchF64.buffer);
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
/** After this many raw values in a row, the exponent search runs only every 16th sample. */
const RAW_STREAK = 4;

// A sample is encoded into this scratch first (at most 18 bytes: an 8-byte timestamp or dod
// varint and a 10-byte value record), then copied into the chunk's segments in one loop: the
// encoders keep their cursor in a local instead of checking for a segment's end at every byte.
const scratch = new Uint8Array(32);

/** Writes a non-negative integer ≤ 2^53 − 1 at `p` in 7-bit groups, least significant first; returns the end. */
function uvarintAt(b: Uint8Array, p: number, u: number): number {
  if (u < 0x80000000) {
    while (u >= 0x80) {
      b[p++] = (u & 0x7f) | 0x80;
      u >>>= 7;
    }
  } else {
    while (u >= 0x80) {
      const low = u % 128;
      b[p++] = low | 0x80;
      u = (u - low) / 128;
    }
  }
  b[p] = u;
  return p + 1;
}

/** Writes a signed integer (|x| ≤ 2^53 − 1) at `p` as a zigzag uvarint; returns the end. */
function varintAt(b: Uint8Array, p: number, x: number): number {
  if (x > -0x40000000 && x < 0x40000000) return uvarintAt(b, p, ((x << 1) ^ (x >> 31)) >>> 0);
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
  b[p] = first | 0x80;
  return uvarintAt(b, p + 1, rest);
}

/** Writes `u` with `flag` (0 or 1) as one more lowest bit (-1: no flag) at `p`; returns the end. */
function taggedAt(b: Uint8Array, p: number, u: number, flag: number): number {
  return uvarintAt(b, p, flag < 0 ? u : 2 * u + flag);
}

/** Writes the value record of a sample at `p` (`flag` goes into its first varint); returns the end. */
function valueAt(b: Uint8Array, p: number, f64: Float64Array, i32: Int32Array, f: number, i: number, v: number, flag: number): number {
  let e = i32[i + I_C_E]!;
  if (e >= 0) {
    const m = mantissaAt(v, e);
    if (m === m) {
      // Tag bit 0: the zigzag'ed mantissa delta, doubled.
      const d = m - f64[f + F_C_M]!;
      f64[f + F_C_M] = m;
      i32[i + I_C_RAW_STREAK] = 0;
      return taggedAt(b, p, d >= 0 ? 4 * d : -4 * d - 2, flag);
    }
  }
  const streak = i32[i + I_C_RAW_STREAK]!;
  if (streak < RAW_STREAK || (i32[i + I_C_N]! & 15) === 0) {
    e = exponentFor(v, e + 1);
    if (e < 0) e = exponentFor(v, 0);
    if (e >= 0) {
      // Tag 1 with k = e + 1: a new exponent, then the whole mantissa (zigzag).
      const m = mantissaAt(v, e);
      i32[i + I_C_E] = e;
      f64[f + F_C_M] = m;
      i32[i + I_C_RAW_STREAK] = 0;
      return uvarintAt(b, taggedAt(b, p, 2 * (e + 1) + 1, flag), m >= 0 ? 2 * m : -2 * m - 1);
    }
  }
  // Tag 1 with k = 0: the float64 bits, little-endian, bit for bit (NaN payloads included).
  i32[i + I_C_RAW_STREAK] = streak + 1;
  p = taggedAt(b, p, 1, flag);
  scratchF64[0] = v;
  if (LITTLE_ENDIAN) for (let k = 0; k < 8; k++) b[p++] = rawBytes[k]!;
  else for (let k = 7; k >= 0; k--) b[p++] = rawBytes[k]!;
  return p;
}

/** Whether row `r` has an open chunk. */
export function chunkOpen(r: number): boolean {
  return rows.i32[r * I + I_C_FIRST_SEG]! >= 0;
}

/** Starts an empty chunk in row `r` (which has none open). */
export function chunkStart(r: number): void {
  const f = r * F;
  const i = r * I;
  const f64 = rows.f64;
  const i32 = rows.i32;
  const seg = openChunks.alloc(-1);
  const page = openChunks.page(seg);
  const off = openChunks.offset(seg);
  // The count bytes stay 0 here: copies get the count when they are made.
  page[off] = ENCODING_VARINT;
  page[off + 1] = 0;
  page[off + 2] = 0;
  i32[i + I_C_FIRST_SEG] = i32[i + I_C_SEG] = seg;
  i32[i + I_C_USED] = 3;
  i32[i + I_C_SEGMENTS] = 1;
  i32[i + I_C_N] = 0;
  i32[i + I_C_E] = -1;
  i32[i + I_C_RAW_STREAK] = 0;
  f64[f + F_C_MIN_T] = NaN;
  f64[f + F_C_MAX_T] = NaN;
  f64[f + F_C_DELTA] = 0;
  f64[f + F_C_M] = 0;
}

/**
 * Appends a sample to row `r`'s open chunk. Throws RangeError, leaving the chunk unchanged, when
 * `t` is not an integer within ±(2^53 − 1), is below the last timestamp, lies more than 2^53 − 1
 * ms after the first, or the chunk already holds VARINT_MAX_SAMPLES samples.
 */
export function chunkAppend(r: number, t: number, v: number): void {
  const f = r * F;
  const i = r * I;
  const f64 = rows.f64;
  const i32 = rows.i32;
  const n = i32[i + I_C_N]!;
  if (!Number.isSafeInteger(t)) throw new RangeError(`timestamp ${t} is not an integer between -(2^53-1) and 2^53-1`);
  const tLast = f64[f + F_C_MAX_T]!;
  if (n > 0) {
    // Validate before writing anything so a rejected sample leaves the chunk intact.
    if (t < tLast) throw new RangeError(`timestamp ${t} is before the chunk's last timestamp ${tLast}`);
    if (n >= VARINT_MAX_SAMPLES) throw new RangeError(`chunk already holds ${n} samples, the limit is ${VARINT_MAX_SAMPLES}`);
    if (t - f64[f + F_C_MIN_T]! > Number.MAX_SAFE_INTEGER) {
      throw new RangeError(`timestamp ${t} is more than 2^53-1 ms after the chunk's first timestamp ${f64[f + F_C_MIN_T]!}`);
    }
  }
  let seg = i32[i + I_C_SEG]!;
  if (seg < 0) throw new Error('no open chunk in this row');
  const sb = scratch;
  let len: number;
  if (n === 0) {
    len = valueAt(sb, varintAt(sb, 0, t), f64, i32, f, i, v, -1);
    f64[f + F_C_MIN_T] = t;
  } else if (n === 1) {
    const delta = t - tLast;
    len = valueAt(sb, uvarintAt(sb, 0, delta), f64, i32, f, i, v, -1);
    f64[f + F_C_DELTA] = delta;
  } else {
    // From the third sample on, the value's first varint carries one more bit: whether the
    // timestamp's delta of delta (usually 0) follows the value.
    const delta = t - tLast;
    const dod = delta - f64[f + F_C_DELTA]!;
    if (dod === 0) len = valueAt(sb, 0, f64, i32, f, i, v, 0);
    else len = varintAt(sb, valueAt(sb, 0, f64, i32, f, i, v, 1), dod);
    f64[f + F_C_DELTA] = delta;
  }
  f64[f + F_C_MAX_T] = t;
  i32[i + I_C_N] = n + 1;
  // Copy into the current segment, chaining more when it fills up.
  let used = i32[i + I_C_USED]!;
  let page = openChunks.page(seg);
  let pos = openChunks.offset(seg) + used;
  for (let k = 0; k < len; k++) {
    if (used === SEGMENT_BYTES) {
      seg = openChunks.alloc(seg);
      page = openChunks.page(seg);
      pos = openChunks.offset(seg);
      used = 0;
      i32[i + I_C_SEGMENTS]!++;
    }
    page[pos++] = sb[k]!;
    used++;
  }
  i32[i + I_C_SEG] = seg;
  i32[i + I_C_USED] = used;
}

/** Samples in row `r`'s open chunk. */
export function chunkCount(r: number): number {
  return rows.i32[r * I + I_C_N]!;
}

/** First timestamp of row `r`'s open chunk (NaN when empty). */
export function chunkMinT(r: number): number {
  return rows.f64[r * F + F_C_MIN_T]!;
}

/** Last timestamp of row `r`'s open chunk (NaN when empty). */
export function chunkMaxT(r: number): number {
  return rows.f64[r * F + F_C_MAX_T]!;
}

/** Encoded size of row `r`'s open chunk, header included. */
export function chunkSize(r: number): number {
  const i = r * I;
  const i32 = rows.i32;
  return (i32[i + I_C_SEGMENTS]! - 1) * SEGMENT_BYTES + i32[i + I_C_USED]!;
}

/** Arena bytes held by row `r`'s open chunk. */
export function chunkAllocated(r: number): number {
  return rows.i32[r * I + I_C_SEGMENTS]! * SEGMENT_BYTES;
}

/** Row `r`'s open chunk as bytes, count filled in, in a short-lived (or the given) buffer. */
export function chunkBytes(r: number, out: Uint8Array = takeShortLived(chunkSize(r))): Uint8Array {
  const first = rows.i32[r * I + I_C_FIRST_SEG]!;
  if (first < 0) throw new Error('no open chunk in this row');
  openChunks.gather(first, out.length, out);
  const n = chunkCount(r);
  out[1] = n >>> 8;
  out[2] = n & 0xff;
  return out;
}

/** Ends row `r`'s open chunk: its bytes to keep (in a long-lived slab); the segments go back. */
export function chunkClose(r: number): Uint8Array {
  const out = chunkBytes(r, takeLongLived(chunkSize(r)));
  chunkRelease(r);
  return out;
}

/** Ends row `r`'s open chunk, dropping its bytes. */
export function chunkRelease(r: number): void {
  const i = r * I;
  const i32 = rows.i32;
  const first = i32[i + I_C_FIRST_SEG]!;
  if (first < 0) return;
  openChunks.release(first);
  i32[i + I_C_FIRST_SEG] = i32[i + I_C_SEG] = -1;
  i32[i + I_C_N] = 0;
  i32[i + I_C_SEGMENTS] = 0;
  i32[i + I_C_USED] = 0;
}
