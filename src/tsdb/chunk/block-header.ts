// The byte-aligned header that block chunks of encodings 2 (range coded) and 3 (packed) share:
// sample count, first timestamp, modes, grid, decimal scale, first mantissa and the raw-value
// exceptions. Written by the encoders, read (and checked field by field) by BlockChunkDecoder.
// Layout: docs/format/chunks.md ("Block chunk").

import { BLOCK_MAX_SAMPLES, CorruptChunkError, TS_GRID, VALUE_DOD } from './block-format.js';
import { MAX_SCALE } from './decimal.js';
import type { ByteSink } from './range-coder.js';

const MAX_SAFE = Number.MAX_SAFE_INTEGER;
const LITTLE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** @internal */
export function corrupt(what: string): never {
  throw new CorruptChunkError(`block chunk is corrupt: ${what}`);
}

/** @internal What the encoder decided for one chunk, written into its header. */
export interface HeaderFields {
  encoding: number;
  n: number;
  t0: number;
  grid: { step: number; off: number } | null;
  valueDod: boolean;
  scale: number;
  m0: number;
  /** Indices (increasing) of the values kept raw, in exc[0, exceptions). */
  exceptions: number;
}

/** @internal Writes the header of a chunk with n ≥ 1 samples (the encoding byte and n included). */
export function writeBlockHeader(out: ByteSink, h: HeaderFields, exc: Int32Array, vs: Float64Array): void {
  out.push(h.encoding);
  out.uvarint(h.n);
  out.varint(h.t0);
  out.push((h.grid !== null ? TS_GRID : 0) | (h.valueDod ? VALUE_DOD : 0));
  if (h.grid !== null) {
    out.uvarint(h.grid.step);
    out.uvarint(h.grid.off);
  }
  out.push(h.scale);
  out.varint(h.m0);
  out.uvarint(h.exceptions);
  if (h.exceptions === 0) return;
  const view = new DataView(vs.buffer, vs.byteOffset, h.n * 8);
  let prev = -1;
  for (let j = 0; j < h.exceptions; j++) {
    const i = exc[j]!;
    out.uvarint(i - prev - 1);
    prev = i;
    // Big-endian bits, read through the platform's byte order so NaN payloads are untouched.
    const hi = view.getUint32(i * 8 + (LITTLE ? 4 : 0), LITTLE);
    const lo = view.getUint32(i * 8 + (LITTLE ? 0 : 4), LITTLE);
    out.push(hi >>> 24);
    out.push((hi >>> 16) & 0xff);
    out.push((hi >>> 8) & 0xff);
    out.push(hi & 0xff);
    out.push(lo >>> 24);
    out.push((lo >>> 16) & 0xff);
    out.push((lo >>> 8) & 0xff);
    out.push(lo & 0xff);
  }
}

/**
 * @internal A header as read from a chunk; one instance is reused chunk after chunk. `read` checks
 * every field and throws CorruptChunkError; afterwards `pos` is where the payload starts.
 */
export class BlockHeaderReader {
  n = 0;
  t0 = 0;
  grid = false;
  valueDod = false;
  step = 0;
  /** Grid start a0 = t0 − off. */
  a0 = 0;
  scale = 0;
  m0 = 0;
  exceptions = 0;
  /** Where the exception list starts. */
  excStart = 0;
  pos = 0;
  private buf: Uint8Array = new Uint8Array(0);

  /** Reads the header after the encoding byte; for n = 0 only n is read. */
  read(bytes: Uint8Array): void {
    this.buf = bytes;
    this.pos = 1;
    const n = this.uvarint('sample count');
    if (n > BLOCK_MAX_SAMPLES) corrupt(`sample count ${n} is above the limit ${BLOCK_MAX_SAMPLES}`);
    this.n = n;
    this.exceptions = 0;
    if (n === 0) return;
    this.t0 = this.varint('first timestamp');
    const modes = this.byte();
    if (modes > (TS_GRID | VALUE_DOD)) corrupt(`modes byte ${modes} has unknown bits`);
    this.grid = (modes & TS_GRID) !== 0;
    this.valueDod = (modes & VALUE_DOD) !== 0;
    if (this.grid) {
      const step = this.uvarint('grid step');
      if (step < 1) corrupt('grid step is 0');
      const a0 = this.t0 - this.uvarint('grid offset');
      if (!Number.isSafeInteger(a0)) corrupt('grid offset puts the grid beyond ±(2^53-1)');
      this.step = step;
      this.a0 = a0;
    }
    const scale = this.byte();
    if (scale > MAX_SCALE) corrupt(`decimal scale ${scale} is above ${MAX_SCALE}`);
    this.scale = scale;
    this.m0 = this.varint('first mantissa');
    const exceptions = this.uvarint('exception count');
    if (exceptions > n) corrupt(`${exceptions} exceptions in ${n} samples`);
    this.exceptions = exceptions;
    this.excStart = this.pos;
    let idx = -1;
    for (let j = 0; j < exceptions; j++) {
      idx += 1 + this.uvarint('exception index');
      if (idx >= n) corrupt(`exception index ${idx} is beyond the ${n} samples`);
      this.pos += 8;
    }
    if (this.pos > bytes.length) corrupt('exceptions are truncated');
  }

  /** Writes the raw values over vs (after the mantissas: their bits win). `view` covers vs. */
  applyExceptions(view: DataView): void {
    const b = this.buf;
    this.pos = this.excStart;
    let idx = -1;
    for (let j = 0; j < this.exceptions; j++) {
      idx += 1 + this.uvarint('exception index');
      const o = this.pos;
      const hi = ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
      const lo = ((b[o + 4]! << 24) | (b[o + 5]! << 16) | (b[o + 6]! << 8) | b[o + 7]!) >>> 0;
      view.setUint32(idx * 8 + (LITTLE ? 4 : 0), hi, LITTLE);
      view.setUint32(idx * 8 + (LITTLE ? 0 : 4), lo, LITTLE);
      this.pos = o + 8;
    }
  }

  private byte(): number {
    const b = this.buf[this.pos++];
    if (b === undefined) corrupt('header is truncated');
    return b;
  }

  private uvarint(what: string): number {
    let x = 0;
    let scale = 1;
    for (let k = 0; k < 8; k++) {
      const b = this.byte();
      x += (b & 0x7f) * scale;
      if (b < 0x80) {
        if (x > MAX_SAFE) break;
        return x;
      }
      scale *= 128;
    }
    return corrupt(`${what} is not a valid uvarint`);
  }

  private varint(what: string): number {
    const low = this.byte();
    const rest = low < 0x80 ? 0 : this.uvarint(what);
    const a = rest * 64 + ((low & 0x7f) >>> 1);
    const x = (low & 1) === 0 ? a : -a - 1;
    if (!Number.isSafeInteger(x)) corrupt(`${what} is beyond ±(2^53-1)`);
    return x;
  }
}
