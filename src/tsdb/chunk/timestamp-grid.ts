// Timestamp models the block encoders choose between: a time grid (regular scrapes with jitter and
// missed points: t[i] = a[i] + r[i], a[i] = a[i−1] + step·(1 + q[i])) or deltas of deltas, with
// size estimates for the range coder. Layout: docs/format/chunks.md ("Timestamps").

import { StreamCost } from './stream-cost.js';

const costA = new StreamCost();
const costB = new StreamCost();

/** A timestamp grid: t[i] = a[i] + r[i], a[0] = t[0] − off, a[i] = a[i−1] + step·(1 + q[i]). */
export interface Grid {
  step: number;
  off: number;
  /** Estimated range-coded bits of the q and r streams. */
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
export function findGrid(ts: Float64Array, n: number, scratch: Float64Array): Grid | null {
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

/** Writes the grid's gap integers q into qs[0, n−1) and residuals r into rs[0, n−1). */
export function gridStreams(ts: Float64Array, n: number, grid: Grid, qs: Float64Array, rs: Float64Array): void {
  let a = ts[0]! - grid.off;
  for (let i = 1; i < n; i++) {
    const t = ts[i]!;
    const q = Math.round((t - a) / grid.step) - 1;
    a += grid.step * (1 + q);
    qs[i - 1] = q;
    rs[i - 1] = t - a;
  }
}

/** Estimated range-coded bits of delta-of-delta timestamps. */
export function dodCost(ts: Float64Array, n: number): number {
  costA.reset();
  if (n > 1) costA.add(ts[1]! - ts[0]!);
  for (let i = 2; i < n; i++) costA.add(ts[i]! - ts[i - 1]! - (ts[i - 1]! - ts[i - 2]!));
  return costA.bits();
}
