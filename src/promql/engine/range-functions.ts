// Functions over range vectors (rate, increase, *_over_time, ...), each computing one value
// from one series' points in a window, as Prometheus's functions.go defines them.
import { quantile } from './aggregate.js';
import { kahanMean as mean, kahanSum as kahan, kahanWelfordVariance as variance } from './kahan.js';

/** The window a range vector was taken over: (start, end]. */
export interface Window {
  readonly start: number;
  readonly end: number;
}

/** rate/increase/delta with Prometheus's extrapolation to the window's edges. */
export function extrapolatedRate(ts: ArrayLike<number>, vs: ArrayLike<number>, w: Window, isCounter: boolean, isRate: boolean): number | null {
  const n = ts.length;
  if (n < 2) return null;
  let result = vs[n - 1]! - vs[0]!;
  if (isCounter) {
    for (let i = 1; i < n; i++) if (vs[i]! < vs[i - 1]!) result += vs[i - 1]!;
  }
  return extrapolate(ts[0]!, ts[n - 1]!, vs[0]!, result, n, w.start, w.end, isCounter, isRate);
}

/**
 * The extrapolation itself: only the window's first and last sample, their count and the
 * (reset-corrected) increase matter, so the range fast path can call it without the points.
 */
export function extrapolate(
  firstT: number,
  lastT: number,
  firstV: number,
  result: number,
  n: number,
  windowStart: number,
  windowEnd: number,
  isCounter: boolean,
  isRate: boolean,
): number {
  let durationToStart = (firstT - windowStart) / 1000;
  let durationToEnd = (windowEnd - lastT) / 1000;
  const sampled = (lastT - firstT) / 1000;
  const avgStep = sampled / (n - 1);
  const threshold = avgStep * 1.1;
  if (durationToStart >= threshold) durationToStart = avgStep / 2;
  if (isCounter && result > 0 && firstV >= 0) {
    // A counter cannot have been below zero: do not extrapolate past where it would reach it.
    const toZero = sampled * (firstV / result);
    if (toZero < durationToStart) durationToStart = toZero;
  }
  if (durationToEnd >= threshold) durationToEnd = avgStep / 2;
  let factor = (sampled + durationToStart + durationToEnd) / sampled;
  if (isRate) factor /= (windowEnd - windowStart) / 1000;
  return result * factor;
}

/** irate/idelta: from the last two points. */
export function instantRate(ts: ArrayLike<number>, vs: ArrayLike<number>, isRate: boolean): number | null {
  const n = ts.length;
  if (n < 2) return null;
  const last = vs[n - 1]!;
  const prev = vs[n - 2]!;
  let d = isRate && last < prev ? last : last - prev;
  if (isRate) {
    const dt = (ts[n - 1]! - ts[n - 2]!) / 1000;
    if (dt === 0) return null;
    d /= dt;
  }
  return d;
}

/** Least-squares slope and intercept of (t - at, v), t in seconds. */
export function linearRegression(ts: ArrayLike<number>, vs: ArrayLike<number>, at: number): { slope: number; intercept: number } {
  let n = 0;
  let sumX = 0;
  let sumY = 0;
  let sumXY = 0;
  let sumX2 = 0;
  let constY = true;
  for (let i = 0; i < ts.length; i++) {
    const x = (ts[i]! - at) / 1000;
    const y = vs[i]!;
    if (y !== vs[0]) constY = false;
    n++;
    sumX += x;
    sumY += y;
    sumXY += x * y;
    sumX2 += x * x;
  }
  if (constY && Number.isFinite(vs[0]!)) return { slope: 0, intercept: vs[0]! };
  const covXY = sumXY - (sumX * sumY) / n;
  const varX = sumX2 - (sumX * sumX) / n;
  const slope = covXY / varX;
  const intercept = sumY / n - (slope * sumX) / n;
  return { slope, intercept };
}

/**
 * The *_over_time family and friends: name → value from one series' points ts/vs[from..to)
 * (a window of a loaded series, read in place: a view per window and step cost more than the function).
 */
export const OVER_TIME: Record<string, (ts: ArrayLike<number>, vs: ArrayLike<number>, from: number, to: number, args: number[]) => number | null> = {
  avg_over_time: (_ts, vs, from, to) => mean(vs, from, to),
  sum_over_time: (_ts, vs, from, to) => kahan(vs, from, to),
  count_over_time: (_ts, _vs, from, to) => to - from,
  min_over_time: (_ts, vs, from, to) => {
    let m = NaN;
    for (let i = from; i < to; i++) if (Number.isNaN(m) || vs[i]! < m) m = vs[i]!;
    return m;
  },
  max_over_time: (_ts, vs, from, to) => {
    let m = NaN;
    for (let i = from; i < to; i++) if (Number.isNaN(m) || vs[i]! > m) m = vs[i]!;
    return m;
  },
  last_over_time: (_ts, vs, _from, to) => vs[to - 1]!,
  first_over_time: (_ts, vs, from) => vs[from]!,
  present_over_time: () => 1,
  stddev_over_time: (_ts, vs, from, to) => Math.sqrt(variance(vs, from, to)),
  stdvar_over_time: (_ts, vs, from, to) => variance(vs, from, to),
  quantile_over_time: (_ts, vs, from, to, [q]) => quantile(q!, window(vs, from, to)),
  mad_over_time: (_ts, vs, from, to) => {
    const all = Array.from(window(vs, from, to));
    if (all.some((v) => Number.isNaN(v))) return NaN;
    const med = quantile(0.5, all);
    return quantile(0.5, all.map((v) => Math.abs(v - med)));
  },
  changes: (_ts, vs, from, to) => {
    let n = 0;
    for (let i = from + 1; i < to; i++) if (vs[i] !== vs[i - 1] && !(Number.isNaN(vs[i]!) && Number.isNaN(vs[i - 1]!))) n++;
    return n;
  },
  resets: (_ts, vs, from, to) => {
    let n = 0;
    for (let i = from + 1; i < to; i++) if (vs[i]! < vs[i - 1]!) n++;
    return n;
  },
  ts_of_first_over_time: (ts, _vs, from) => ts[from]! / 1000,
  ts_of_last_over_time: (ts, _vs, _from, to) => ts[to - 1]! / 1000,
  ts_of_min_over_time: (ts, vs, from, to) => {
    let best = from;
    for (let i = from + 1; i < to; i++) if (vs[i]! < vs[best]! || Number.isNaN(vs[best]!)) best = i;
    return ts[best]! / 1000;
  },
  ts_of_max_over_time: (ts, vs, from, to) => {
    let best = from;
    for (let i = from + 1; i < to; i++) if (vs[i]! > vs[best]! || Number.isNaN(vs[best]!)) best = i;
    return ts[best]! / 1000;
  },
};

/** vs[from..to) as an array-like, without a copy where vs is a typed array. */
function window(vs: ArrayLike<number>, from: number, to: number): ArrayLike<number> {
  if (from === 0 && to === vs.length) return vs;
  if (vs instanceof Float64Array) return vs.subarray(from, to);
  return Array.prototype.slice.call(vs, from, to) as number[];
}
