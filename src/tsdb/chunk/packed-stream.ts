// Packed integer streams of block chunks in encoding 3: frame-of-reference bit packing in blocks of
// 128 integers (each block's minimum as a varint, then every integer minus it in a fixed bit width,
// least significant bit first), or one varint when the whole stream is a constant. Byte-aligned and
// branch-light, so a decoder unpacks a block in one tight loop instead of coding bit by bit.
// Layout: docs/format/chunks.md ("Packed streams").

import { CorruptChunkError } from './block-format.js';
import type { ByteSink } from './range-coder.js';

/** Integers per packed block: 128 × w bits is always whole bytes, so every block starts on a byte. */
export const PACK_BLOCK = 128;
/** Stream kinds (the stream's first byte). */
export const STREAM_CONST = 0;
export const STREAM_PACKED = 1;
/** Widest packed integer: the spread of a block must itself be a safe integer. */
export const MAX_WIDTH = 53;
const MAX_SAFE = Number.MAX_SAFE_INTEGER;
const TWO_24 = 16777216;
const POW2 = new Float64Array(MAX_WIDTH + 1);
for (let k = 0; k <= MAX_WIDTH; k++) POW2[k] = 2 ** k;

function corrupt(what: string): never {
  throw new CorruptChunkError(`block chunk is corrupt: ${what}`);
}

/** Bits of a non-negative safe integer (0 for 0). */
function widthOf(a: number): number {
  if (a < 4294967296) return 32 - Math.clz32(a);
  return 64 - Math.clz32(Math.floor(a / 4294967296));
}

/** Bytes of a zigzag varint of safe integer x. */
function varintBytes(x: number): number {
  let z = x < 0 ? -x * 2 - 1 : x * 2; // ≤ 2^54: exact in float64 (even, or 2^54 − 3 rounds within bytes)
  let b = 1;
  while (z >= 128) {
    z = Math.floor(z / 128);
    b++;
  }
  return b;
}

/**
 * Bytes that `writePackedStream` would spend on xs[0, count); Infinity when the stream cannot be
 * packed: an integer is not safe, or a block's base + 2^w − 1 is not (w: the bits of its spread).
 */
export function packedStreamSize(xs: Float64Array, count: number): number {
  if (count === 0) return 0;
  let constant = true;
  const x0 = xs[0]!;
  for (let i = 1; i < count; i++) {
    if (xs[i] !== x0) {
      constant = false;
      break;
    }
  }
  if (constant) return Number.isSafeInteger(x0) ? 1 + varintBytes(x0) : Infinity;
  let bytes = 1;
  for (let from = 0; from < count; from += PACK_BLOCK) {
    const to = Math.min(count, from + PACK_BLOCK);
    let lo = xs[from]!;
    let hi = lo;
    for (let i = from + 1; i < to; i++) {
      const x = xs[i]!;
      if (x < lo) lo = x;
      else if (x > hi) hi = x;
    }
    if (!(lo >= -MAX_SAFE && hi <= MAX_SAFE && hi - lo <= MAX_SAFE) || !Number.isInteger(lo) || !Number.isInteger(hi)) return Infinity;
    const w = widthOf(hi - lo);
    // What the decoder checks, so it need not check each integer: base + 2^w − 1 stays safe.
    if (lo + (POW2[w]! - 1) > MAX_SAFE) return Infinity;
    bytes += 1 + varintBytes(lo) + Math.ceil(((to - from) * w) / 8);
  }
  return bytes;
}

/** Writes xs[0, count) (safe integers, already checked by packedStreamSize) as one stream. */
export function writePackedStream(out: ByteSink, xs: Float64Array, count: number): void {
  if (count === 0) return;
  const x0 = xs[0]!;
  let constant = true;
  for (let i = 1; i < count; i++) {
    if (xs[i] !== x0) {
      constant = false;
      break;
    }
  }
  if (constant) {
    out.push(STREAM_CONST);
    out.varint(x0);
    return;
  }
  out.push(STREAM_PACKED);
  for (let from = 0; from < count; from += PACK_BLOCK) {
    const to = Math.min(count, from + PACK_BLOCK);
    let lo = xs[from]!;
    let hi = lo;
    for (let i = from + 1; i < to; i++) {
      const x = xs[i]!;
      if (x < lo) lo = x;
      else if (x > hi) hi = x;
    }
    const w = widthOf(hi - lo);
    out.push(w);
    out.varint(lo);
    if (w === 0) continue;
    // LSB-first bit packing; values go in as pieces of ≤ 24 bits so the accumulator stays an int32.
    let acc = 0;
    let nb = 0;
    for (let i = from; i < to; i++) {
      let v = xs[i]! - lo;
      let left = w;
      while (left > 0) {
        const k = left > 24 ? 24 : left;
        const piece = v % TWO_24;
        v = (v - piece) / TWO_24;
        acc |= (piece & ((1 << k) - 1)) << nb;
        nb += k;
        left -= k;
        while (nb >= 8) {
          out.push(acc & 0xff);
          acc >>>= 8;
          nb -= 8;
        }
      }
    }
    if (nb > 0) out.push(acc & 0xff);
  }
}

/**
 * Reads a stream of `count` integers at `buf[pos]` into `out[at, at + count)`; returns the position
 * after it. Every integer read is a safe integer. Throws CorruptChunkError when the stream runs
 * past `end`, names a width above 53, or a block whose integers would leave ±(2^53 − 1).
 */
export function readPackedStream(buf: Uint8Array, pos: number, end: number, out: Float64Array, at: number, count: number): number {
  if (count === 0) return pos;
  if (pos >= end) corrupt('packed stream is missing');
  const kind = buf[pos++]!;
  if (kind === STREAM_CONST) {
    const r = readVarint(buf, pos, end);
    out.fill(varintValue, at, at + count);
    return r;
  }
  if (kind !== STREAM_PACKED) corrupt(`packed stream kind ${kind} is unknown`);
  for (let from = 0; from < count; from += PACK_BLOCK) {
    const len = count - from < PACK_BLOCK ? count - from : PACK_BLOCK;
    if (pos >= end) corrupt('packed block is truncated');
    const w = buf[pos++]!;
    if (w > MAX_WIDTH) corrupt(`packed width ${w} is above ${MAX_WIDTH}`);
    pos = readVarint(buf, pos, end);
    const base = varintValue;
    // Every integer of the block is then a safe integer, so decoders need not check each one.
    if (base + (POW2[w]! - 1) > MAX_SAFE) corrupt(`packed block from ${base} in ${w} bits leaves ±(2^53-1)`);
    const o = at + from;
    if (w === 0) {
      out.fill(base, o, o + len);
      continue;
    }
    const bytes = Math.ceil((len * w) / 8);
    if (pos + bytes > end) corrupt('packed block is truncated');
    if (w === 8) {
      for (let j = 0; j < len; j++) out[o + j] = base + buf[pos + j]!;
    } else if (w <= 24) {
      unpackNarrow(buf, pos, out, o, len, w, base);
    } else {
      unpackWide(buf, pos, out, o, len, w, base);
    }
    pos += bytes;
  }
  return pos;
}

/** Widths 1 … 24: one int32 accumulator, refilled a byte at a time, never past the block. */
function unpackNarrow(buf: Uint8Array, p: number, out: Float64Array, o: number, len: number, w: number, base: number): void {
  const mask = (1 << w) - 1;
  let acc = 0;
  let nb = 0;
  for (let j = 0; j < len; j++) {
    while (nb < w) {
      acc |= buf[p++]! << nb;
      nb += 8;
    }
    out[o + j] = base + (acc & mask);
    acc >>>= w;
    nb -= w;
  }
}

/** Widths 25 … 53 (rare: irregular data): each integer read as pieces of ≤ 24 bits. */
function unpackWide(buf: Uint8Array, p: number, out: Float64Array, o: number, len: number, w: number, base: number): void {
  let acc = 0;
  let nb = 0;
  for (let j = 0; j < len; j++) {
    let v = 0;
    let scale = 1;
    let left = w;
    while (left > 0) {
      const k = left > 24 ? 24 : left;
      while (nb < k) {
        acc |= buf[p++]! << nb;
        nb += 8;
      }
      v += (acc & ((1 << k) - 1)) * scale;
      acc >>>= k;
      nb -= k;
      scale *= TWO_24;
      left -= k;
    }
    out[o + j] = base + v;
  }
}

/** The value of the last readVarint (a module slot, so the hot path returns one number). */
let varintValue = 0;

/**
 * Reads a zigzag varint (ByteSink.varint: |x| ≤ 2^53 − 1) into varintValue; returns the next
 * position. The low byte is split off first, as ByteSink writes it, so no sum exceeds 2^53.
 */
function readVarint(buf: Uint8Array, pos: number, end: number): number {
  if (pos >= end) corrupt('packed stream is truncated');
  const low = buf[pos++]!;
  let rest = 0;
  if (low >= 0x80) {
    let scale = 1;
    for (let k = 0; ; k++) {
      if (k === 7) corrupt('packed stream holds an invalid varint');
      if (pos >= end) corrupt('packed stream is truncated');
      const b = buf[pos++]!;
      rest += (b & 0x7f) * scale;
      if (b < 0x80) break;
      scale *= 128;
    }
  }
  const a = rest * 64 + ((low & 0x7f) >>> 1);
  if (a > MAX_SAFE) corrupt('packed stream holds a varint beyond ±(2^53-1)');
  varintValue = (low & 1) === 0 ? a : -a - 1;
  return pos;
}
