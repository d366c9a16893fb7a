// encodeBlockChunk: encodes the samples of one series for an on-disk block, choosing per chunk the
// smallest of the decimal range-coded encoding (2) and plain XOR (1). Byte layout:
// docs/format/chunks.md ("Block chunk").

import { BLOCK_MAX_SAMPLES, ENCODING_DECIMAL_RC, TS_GRID, VALUE_DOD } from './block-format.js';
import { toDecimal } from './decimal.js';
import { IntCoder } from './int-coder.js';
import { ByteSink, RangeEncoder } from './range-coder.js';
import { StreamCost } from './stream-cost.js';
import { XOR_MAX_SAMPLES, XorAppender } from './xor-chunk.js';

const MAX_SAFE = Number.MAX_SAFE_INTEGER;
const LITTLE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
/** Below this many bytes per sample the XOR encoding is not even tried: it cannot win there. */
const XOR_WORTH_TRYING = 2;

// Scratch reused by every call (encoding runs on one thread, one chunk at a time).
let mant = new Float64Array(0);
let exc = new Int32Array(0);
let kOf = new Int8Array(0);
let scratch = new Float64Array(0);
const tsCoder = new IntCoder();
const gapCoder = new IntCoder();
const valueCoder = new IntCoder();

function ensureScratch(n: number): void {
  if (mant.length >= n) return;
  const size = Math.max(n, 1024);
  mant = new Float64Array(size);
  exc = new Int32Array(size);
  kOf = new Int8Array(size);
  scratch = new Float64Array(size);
}

const costA = new StreamCost();
const costB = new StreamCost();

/** A timestamp grid: t[i] = a[i] + r[i], a[0] = t[0] − off, a[i] = a[i−1] + step·(1 + q[i]). */
interface Grid {
  step: number;
  off: number;
  cost: number;
}

/** Evaluates the grid model with `step` and `off`; null when an intermediate leaves the safe range. */
function tryGrid(ts: Float64Array, n: number, step: number, off: number): (Grid & { minR: number }) | null {
  let a = ts[0]! - off;
  if (!Number.isSafeInteger(a)) return null;
  costA.reset();
  costB.reset();
  let minR = 0;
  for (let i = 1; i < n; i++) {
    const t = ts[i]!;
    const q = Math.round((t - a) / step) - 1;
    const move = step * (1 + q);
    if (!Number.isSafeInteger(move)) return null;
    a += move;
    const r = t - a;
    if (!Number.isSafeInteger(a) || !Number.isSafeInteger(r)) return null;
    if (r < minR) minR = r;
    costA.add(q);
    costB.add(r);
  }
  // Each extra stream costs a little even when all zeros: ~0.05 bits per sample, measured.
  return { step, off, cost: costA.bits() + costB.bits() + n * 0.05, minR };
}

/** The best grid for jittered regular timestamps (gaps allowed), or null when none applies. */
function findGrid(ts: Float64Array, n: number): Grid | null {
  if (n < 3) return null;
  const d = scratch;
  for (let i = 1; i < n; i++) d[i - 1] = ts[i]! - ts[i - 1]!;
  const sorted = d.subarray(0, n - 1).sort();
  const med = sorted[(n - 1) >>> 1]!;
  if (!(med >= 1)) return null;
  // Steps between first and last sample, gaps counted; their mean is the grid's step.
  let steps = 0;
  for (let i = 1; i < n; i++) steps += Math.round((ts[i]! - ts[i - 1]!) / med);
  if (steps < 1) return null;
  const step = Math.round((ts[n - 1]! - ts[0]!) / steps);
  if (!(step >= 1)) return null;
  const first = tryGrid(ts, n, step, 0);
  if (first === null) return null;
  // Shift the grid back so residuals are ≥ 0 (then their sign costs nothing), if that is a small
  // shift. The estimate cannot see the sign's cost (it counts entropy, not learning), so always shift.
  const off = -first.minR;
  if (off === 0 || off > step / 4) return first;
  return tryGrid(ts, n, step, off) ?? first;
}

/** Bits of delta-of-delta timestamps. */
function dodCost(ts: Float64Array, n: number): number {
  costA.reset();
  if (n > 1) costA.add(ts[1]! - ts[0]!);
  for (let i = 2; i < n; i++) costA.add(ts[i]! - ts[i - 1]! - (ts[i - 1]! - ts[i - 2]!));
  return costA.bits();
}

/** Bits of mantissas as deltas (dod = false) or deltas of deltas; Infinity when one is not safe. */
function valueCost(m: Float64Array, n: number, dod: boolean): number {
  costA.reset();
  let prevDelta = 0;
  for (let i = 1; i < n; i++) {
    const delta = m[i]! - m[i - 1]!;
    const x = dod && i >= 2 ? delta - prevDelta : delta;
    if (!Number.isSafeInteger(x) || !Number.isSafeInteger(delta)) return Infinity;
    costA.add(x);
    prevDelta = delta;
  }
  return costA.bits();
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

/** Encoding 2: decimal mantissas and timestamps through the range coder. */
function encodeDecimal(ts: Float64Array, vs: Float64Array, n: number): Uint8Array {
  const out = new ByteSink(64 + n * 2);
  out.push(ENCODING_DECIMAL_RC);
  out.uvarint(n);
  if (n === 0) return out.bytes();
  ensureScratch(n);
  let { scale, exceptions } = toDecimal(vs, n, mant, exc, kOf);
  let valueDod = false;
  const deltaBits = valueCost(mant, n, false);
  const dodBits = valueCost(mant, n, true);
  if (dodBits < deltaBits) valueDod = true;
  if (deltaBits === Infinity && dodBits === Infinity) {
    // Mantissas too far apart for exact integer deltas: keep every value raw.
    scale = 0;
    exceptions = n;
    for (let i = 0; i < n; i++) {
      mant[i] = 0;
      exc[i] = i;
    }
  }
  const grid = findGrid(ts, n);
  const useGrid = grid !== null && grid.cost < dodCost(ts, n);

  out.varint(ts[0]!);
  out.push((useGrid ? TS_GRID : 0) | (valueDod ? VALUE_DOD : 0));
  if (useGrid) {
    out.uvarint(grid.step);
    out.uvarint(grid.off);
  }
  out.push(scale);
  out.varint(mant[0]!);
  out.uvarint(exceptions);
  if (exceptions > 0) {
    const view = new DataView(vs.buffer, vs.byteOffset, n * 8);
    let prev = -1;
    for (let j = 0; j < exceptions; j++) {
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

  if (n === 1) return out.bytes();
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
      const d = t - ts[i - 1]!;
      tsCoder.encode(enc, i === 1 ? d : d - delta);
      delta = d;
    }
    const md = mant[i]! - mant[i - 1]!;
    valueCoder.encode(enc, valueDod && i >= 2 ? md - mDelta : md);
    mDelta = md;
  }
  enc.finish();
  return out.bytes();
}

/**
 * Encodes samples `[0, n)` of one series (timestamps: safe integers, non-decreasing; values: any
 * float64 bit pattern) into an immutable block chunk, in whichever encoding is smallest. Throws
 * RangeError for timestamps the formats cannot hold.
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
