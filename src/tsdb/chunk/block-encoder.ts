// encodeBlockChunk: encodes the samples of one series for an on-disk block, choosing per chunk
// between the packed encoding (3, fast to decode), the range-coded one (2, smallest) and plain XOR
// (1, for values that are not decimal). Byte layout: docs/format/chunks.md ("Block chunk").

import { BLOCK_MAX_SAMPLES, ENCODING_DECIMAL_RC } from './block-format.js';
import { writeBlockHeader } from './block-header.js';
import { toDecimal } from './decimal.js';
import { IntCoder } from './int-coder.js';
import { encodePacked, type DecimalChunk } from './packed-encoder.js';
import { ByteSink, RangeEncoder } from './range-coder.js';
import { StreamCost } from './stream-cost.js';
import { dodCost, findGrid, type Grid } from './timestamp-grid.js';
import { XOR_MAX_SAMPLES, XorAppender } from './xor-chunk.js';

const MAX_SAFE = Number.MAX_SAFE_INTEGER;
/** Below this many bytes per sample the XOR encoding is not even tried: it cannot win there. */
const XOR_WORTH_TRYING = 2;
/**
 * Encoding 3 is kept unless encoding 2 saves more than this fraction of its size. Encoding 3
 * decodes ~10× faster; on data whose integers are spread evenly (the peer benchmark's gauges and
 * counters) it costs ~5% more bytes, on skewed data (mostly-constant series, rare jumps) far
 * more, and there encoding 2's size wins.
 */
const PACKED_SLACK = 0.125;

// Scratch reused by every call (encoding runs on one thread, one chunk at a time).
let mant = new Float64Array(0);
let exc = new Int32Array(0);
let kOf = new Int8Array(0);
let scratch = new Float64Array(0);
const tsCoder = new IntCoder();
const gapCoder = new IntCoder();
const valueCoder = new IntCoder();
const cost = new StreamCost();

function ensureScratch(n: number): void {
  if (mant.length >= n) return;
  const size = Math.max(n, 1024);
  mant = new Float64Array(size);
  exc = new Int32Array(size);
  kOf = new Int8Array(size);
  scratch = new Float64Array(size);
}

/** Bits of mantissas as deltas (dod = false) or deltas of deltas; Infinity when one is not safe. */
function valueCost(m: Float64Array, n: number, dod: boolean): number {
  cost.reset();
  let prevDelta = 0;
  for (let i = 1; i < n; i++) {
    const delta = m[i]! - m[i - 1]!;
    const x = dod && i >= 2 ? delta - prevDelta : delta;
    if (!Number.isSafeInteger(x) || !Number.isSafeInteger(delta)) return Infinity;
    cost.add(x);
    prevDelta = delta;
  }
  return cost.bits();
}

function checkInput(ts: Float64Array, vs: Float64Array, n: number): void {
  if (!Number.isInteger(n) || n < 0 || n > ts.length || n > vs.length) {
    throw new RangeError(`sample count ${n} is not between 0 and the arrays' lengths (${ts.length}, ${vs.length})`);
  }
  if (n > BLOCK_MAX_SAMPLES) throw new RangeError(`chunk has ${n} samples, the limit is ${BLOCK_MAX_SAMPLES}`);
  let prev = -Infinity;
  for (let i = 0; i < n; i++) {
    const t = ts[i]!;
    // Number.isSafeInteger, spelled out: this loop runs once per sample.
    if (t !== Math.floor(t) || t > MAX_SAFE || t < -MAX_SAFE) throw new RangeError(`timestamp ${t} is not an integer between -(2^53-1) and 2^53-1`);
    if (t < prev) throw new RangeError(`timestamp ${t} at sample ${i} is before the previous one ${prev}`);
    prev = t;
  }
  if (n > 0 && ts[n - 1]! - ts[0]! > MAX_SAFE) {
    throw new RangeError(`chunk spans more than 2^53-1 ms (${ts[0]} to ${ts[n - 1]})`);
  }
}

/** Values as decimal mantissas at one scale, in the module's scratch (n ≥ 1). */
function prepareDecimal(vs: Float64Array, n: number): DecimalChunk {
  ensureScratch(n);
  const { scale, exceptions } = toDecimal(vs, n, mant, exc, kOf);
  if (valueCost(mant, n, false) === Infinity && valueCost(mant, n, true) === Infinity) {
    // Mantissas too far apart for exact integer deltas: keep every value raw.
    for (let i = 0; i < n; i++) {
      mant[i] = 0;
      exc[i] = i;
    }
    return { scale: 0, exceptions: n, mant, exc };
  }
  return { scale, exceptions, mant, exc };
}

/** @internal Encoding 2: decimal mantissas and timestamps through the range coder (n ≥ 1). */
export function encodeRangeCoded(ts: Float64Array, vs: Float64Array, n: number, d: DecimalChunk, grid: Grid | null): Uint8Array {
  const out = new ByteSink(64 + n * 2);
  const valueDod = valueCost(d.mant, n, true) < valueCost(d.mant, n, false);
  const useGrid = grid !== null && grid.cost < dodCost(ts, n);
  writeBlockHeader(
    out,
    { encoding: ENCODING_DECIMAL_RC, n, t0: ts[0]!, grid: useGrid ? grid : null, valueDod, scale: d.scale, m0: d.mant[0]!, exceptions: d.exceptions },
    d.exc,
    vs,
  );
  if (n === 1) return out.bytes();
  const m = d.mant;
  const enc = new RangeEncoder(out);
  tsCoder.reset();
  gapCoder.reset();
  valueCoder.reset();
  let delta = 0;
  let a = useGrid ? ts[0]! - grid.off : 0;
  let mDelta = 0;
  for (let i = 1; i < n; i++) {
    const t = ts[i]!;
    if (useGrid) {
      const q = Math.round((t - a) / grid.step) - 1;
      a += grid.step * (1 + q);
      gapCoder.encode(enc, q);
      tsCoder.encode(enc, t - a);
    } else {
      const dt = t - ts[i - 1]!;
      tsCoder.encode(enc, i === 1 ? dt : dt - delta);
      delta = dt;
    }
    const md = m[i]! - m[i - 1]!;
    valueCoder.encode(enc, valueDod && i >= 2 ? md - mDelta : md);
    mDelta = md;
  }
  enc.finish();
  return out.bytes();
}

/**
 * @internal Encoding 3 or 2 for samples [0, n) (checked input): the packed form unless the
 * range-coded one is smaller by more than PACKED_SLACK of it. `only` forces one (tests, benches;
 * 'packed' still falls back to 2 when the packed form cannot hold the chunk).
 */
export function encodeDecimal(ts: Float64Array, vs: Float64Array, n: number, only?: 'rc' | 'packed'): Uint8Array {
  if (n === 0) return Uint8Array.of(ENCODING_DECIMAL_RC, 0);
  const d = prepareDecimal(vs, n);
  const grid = findGrid(ts, n, scratch);
  const packed = n === 1 || only === 'rc' ? null : encodePacked(ts, vs, n, d, grid);
  if (only === 'packed' && packed !== null) return packed;
  const rc = encodeRangeCoded(ts, vs, n, d, grid);
  if (packed !== null && rc.length >= packed.length * (1 - PACKED_SLACK)) return packed;
  return rc;
}

/**
 * Encodes samples `[0, n)` of one series (timestamps: safe integers, non-decreasing; values: any
 * float64 bit pattern) into an immutable block chunk, in the encoding that fits best (see
 * PACKED_SLACK). Throws RangeError for timestamps the formats cannot hold.
 *
 * @example
 * const bytes = encodeBlockChunk(ts, vs, count);
 * const it = new BlockChunkIterator(bytes);
 */
export function encodeBlockChunk(ts: Float64Array, vs: Float64Array, n: number): Uint8Array {
  checkInput(ts, vs, n);
  const dec = encodeDecimal(ts, vs, n);
  if (n === 0 || n > XOR_MAX_SAMPLES || dec.length < n * XOR_WORTH_TRYING) return dec;
  const app = new XorAppender(dec.length + 16);
  for (let i = 0; i < n; i++) app.append(ts[i]!, vs[i]!);
  const xor = app.bytes();
  return xor.length < dec.length ? xor.slice() : dec;
}
