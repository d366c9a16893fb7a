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

/** The *_over_time family and friends: name → value from one series' points. */
export const OVER_TIME: Record<string, (ts: ArrayLike<number>, vs: ArrayLike<number>, args: number[]) => number | null> = {
  avg_over_time: (_ts, vs) => mean(vs),
  sum_over_time: (_ts, vs) => kahan(vs),
  count_over_time: (_ts, vs) => vs.length,
  min_over_time: (_ts, vs) => {
    let m = NaN;
    for (let i = 0; i < vs.length; i++) if (Number.isNaN(m) || vs[i]! < m) m = vs[i]!;
    return m;
  },
  max_over_time: (_ts, vs) => {
    let m = NaN;
    for (let i = 0; i < vs.length; i++) if (Number.isNaN(m) || vs[i]! > m) m = vs[i]!;
    return m;
  },
  last_over_time: (_ts, vs) => vs[vs.length - 1]!,
  first_over_time: (_ts, vs) => vs[0]!,
  present_over_time: () => 1,
  stddev_over_time: (_ts, vs) => Math.sqrt(variance(vs)),
  stdvar_over_time: (_ts, vs) => variance(vs),
  quantile_over_time: (_ts, vs, [q]) => quantile(q!, vs),
  mad_over_time: (_ts, vs) => {
    const all = Array.from(vs);
    if (all.some((v) => Number.isNaN(v))) return NaN;
    const med = quantile(0.5, all);
    return quantile(0.5, all.map((v) => Math.abs(v - med)));
  },
  changes: (_ts, vs) => {
    let n = 0;
    for (let i = 1; i < vs.length; i++) if (vs[i] !== vs[i - 1] && !(Number.isNaN(vs[i]!) && Number.isNaN(vs[i - 1]!))) n++;
    return n;
  },
  resets: (_ts, vs) => {
    let n = 0;
    for (let i = 1; i < vs.length; i++) if (vs[i]! < vs[i - 1]!) n++;
    return n;
  },
  ts_of_first_over_time: (ts) => ts[0]! / 1000,
  ts_of_last_over_time: (ts) => ts[ts.length - 1]! / 1000,
  ts_of_min_over_time: (ts, vs) => {
    let best = 0;
    for (let i = 1; i < vs.length; i++) if (vs[i]! < vs[best]! || Number.isNaN(vs[best]!)) best = i;
    return ts[best]! / 1000;
  },
  ts_of_max_over_time: (ts, vs) => {
    let best = 0;
    for (let i = 1; i < vs.length; i++) if (vs[i]! > vs[best]! || Number.isNaN(vs[best]!)) best = i;
    return ts[best]! / 1000;
  },
};
