// The payload of encoding-3 block chunks, decoded whole: each packed stream is unpacked into place
// (the timestamp stream into ts[1, n), the value stream into vs[1, n)), then one loop per stream
// turns the integers into timestamps and values, checking every bound. A regular grid (both
// timestamp streams constant, the common case) needs no per-sample check at all.
// Layout: docs/format/chunks.md ("Block chunk, packed").

import { corrupt, type BlockHeaderReader } from './block-header.js';
import { POW10 } from './decimal.js';
import { STREAM_CONST, readPackedStream } from './packed-stream.js';

const MAX_SAFE = Number.MAX_SAFE_INTEGER;

/** @internal Scratch of decodePackedPayload, kept by its caller between chunks. */
export interface PackedScratch {
  gaps: Float64Array;
  one: Float64Array;
}

/**
 * @internal Decodes the streams after header `h` (n ≥ 2) into ts[1, n) and vs[1, n); ts[0] and
 * vs[0] are already set. Throws CorruptChunkError.
 */
export function decodePackedPayload(bytes: Uint8Array, h: BlockHeaderReader, ts: Float64Array, vs: Float64Array, s: PackedScratch): void {
  const n = h.n;
  const m = n - 1;
  const end = bytes.length;
  let pos = h.pos;
  if (h.grid) {
    if (bytes[pos] === STREAM_CONST) {
      // Read the constant once (a stream's bytes do not depend on its length).
      pos = readPackedStream(bytes, pos, end, s.one, 0, 1);
      const q = s.one[0]!;
      if (bytes[pos] === STREAM_CONST) {
        pos = readPackedStream(bytes, pos, end, s.one, 0, 1);
        regularGrid(h, q, s.one[0]!, ts);
      } else {
        pos = readPackedStream(bytes, pos, end, ts, 1, m);
        s.gaps.fill(q, 0, m);
        grid(h, s.gaps, ts);
      }
    } else {
      pos = readPackedStream(bytes, pos, end, s.gaps, 0, m);
      pos = readPackedStream(bytes, pos, end, ts, 1, m);
      grid(h, s.gaps, ts);
    }
  } else {
    pos = readPackedStream(bytes, pos, end, ts, 1, m);
    deltaOfDelta(h, ts);
  }
  pos = readPackedStream(bytes, pos, end, vs, 1, m);
  if (pos !== end) corrupt(`${end - pos} bytes follow the last sample`);
  if (h.valueDod) mantissaDod(h, vs);
  else mantissaDelta(h, vs);
}

/**
 * Every gap q and residual r the same: t[i] = a0 + i·move + r with move = step·(1 + q), an
 * arithmetic progression, so checking its ends checks every sample.
 */
function regularGrid(h: BlockHeaderReader, q: number, r: number, ts: Float64Array): void {
  const n = h.n;
  const move = h.step * (1 + q);
  const first = h.a0 + move + r;
  const last = h.a0 + (n - 1) * move + r;
  // Non-decreasing, safe throughout (a0 and t0 are; the ends bound the rest).
  if (!(move >= 0 && move <= MAX_SAFE && first >= h.t0 && last <= MAX_SAFE && h.a0 + (n - 1) * move <= MAX_SAFE)) {
    corrupt('grid timestamps decrease or leave ±(2^53-1)');
  }
  let t = first;
  ts[1] = t;
  for (let i = 2; i < n; i++) ts[i] = t += move;
}

/** Grid timestamps: gaps in gaps[0, n−1), residuals in ts[1, n). */
function grid(h: BlockHeaderReader, gaps: Float64Array, ts: Float64Array): void {
  const n = h.n;
  const step = h.step;
  let a = h.a0;
  let t = h.t0;
  for (let i = 1; i < n; i++) {
    const move = step * (1 + gaps[i - 1]!);
    a += move;
    const next = a + ts[i]!;
    if (!(move <= MAX_SAFE && move >= -MAX_SAFE && a <= MAX_SAFE && a >= -MAX_SAFE && next >= t && next <= MAX_SAFE)) {
      corrupt(`timestamp at sample ${i} decreases or is beyond ±(2^53-1)`);
    }
    ts[i] = t = next;
  }
}

/** Delta-of-delta timestamps, the integers in ts[1, n). */
function deltaOfDelta(h: BlockHeaderReader, ts: Float64Array): void {
  const n = h.n;
  let t = h.t0;
  let delta = 0;
  for (let i = 1; i < n; i++) {
    delta += ts[i]!;
    const next = t + delta;
    if (!(delta >= 0 && delta <= MAX_SAFE && next <= MAX_SAFE)) corrupt(`timestamp at sample ${i} decreases or is beyond 2^53-1`);
    ts[i] = t = next;
  }
}

/**
 * Mantissa deltas in vs[1, n). Each delta is safe (readPackedStream bounds every block), so only
 * the running mantissa is checked. Scale 0 (integers: counters) skips the division by 1.
 */
function mantissaDelta(h: BlockHeaderReader, vs: Float64Array): void {
  const n = h.n;
  let mant = h.m0;
  if (h.scale === 0) {
    for (let i = 1; i < n; i++) {
      mant += vs[i]!;
      if (!(mant <= MAX_SAFE && mant >= -MAX_SAFE)) corrupt(`mantissa at sample ${i} is beyond ±(2^53-1)`);
      vs[i] = mant;
    }
    return;
  }
  const p = POW10[h.scale]!;
  for (let i = 1; i < n; i++) {
    mant += vs[i]!;
    if (!(mant <= MAX_SAFE && mant >= -MAX_SAFE)) corrupt(`mantissa at sample ${i} is beyond ±(2^53-1)`);
    vs[i] = mant / p;
  }
}

/** Mantissa deltas of deltas in vs[1, n). */
function mantissaDod(h: BlockHeaderReader, vs: Float64Array): void {
  const n = h.n;
  const p = POW10[h.scale]!;
  let mant = h.m0;
  let d = 0;
  for (let i = 1; i < n; i++) {
    d += vs[i]!;
    mant += d;
    if (!(d <= MAX_SAFE && d >= -MAX_SAFE && mant <= MAX_SAFE && mant >= -MAX_SAFE)) corrupt(`mantissa at sample ${i} is beyond ±(2^53-1)`);
    vs[i] = mant / p;
  }
}
