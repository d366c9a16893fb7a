// rate, increase and delta of a plain range selector over every step of a range query in one
// pass per series: the window of each step is found by two moving indices and counter resets
// are summed through a prefix array, instead of re-reading each window at every step.
import type { Labels } from '../../storage/index.js';
import type { Call, MatrixSelector, VectorSelector } from '../ast.js';
import { cachedKey, dropName } from './labels.js';
import { extrapolate } from './range-functions.js';
import type { Sample } from './value.js';

export interface LoadedSeriesView {
  readonly labels: Labels;
  readonly ts: Float64Array;
  readonly vs: Float64Array;
  readonly hasStale: boolean;
}

const FAST = new Set(['rate', 'increase', 'delta']);

/** Whether the call can be computed for all steps at once. */
export function fastPathApplies(e: Call): e is Call & { args: [MatrixSelector] } {
  return FAST.has(e.func) && e.args.length === 1 && e.args[0]!.type === 'MatrixSelector';
}

/**
 * The call's result at every step start + k*interval (k = 0..steps-1), or null when a series
 * holds staleness markers or two results would share a label set (the general path handles
 * those).
 */
export function computeAllSteps(
  e: Call & { args: [MatrixSelector] },
  series: readonly LoadedSeriesView[],
  start: number,
  interval: number,
  steps: number,
  atTime: number | null,
): Sample[][] | null {
  for (const s of series) if (s.hasStale) return null;
  // Results must have distinct label sets once the name is gone; when they would not, the
  // general path raises Prometheus's error. Checked once here rather than at every step.
  const keys = new Set<string>();
  for (const s of series) keys.add(cachedKey(dropName(s.labels)));
  if (keys.size !== series.length) return null;
  const ms = e.args[0];
  const vs = ms.vs as VectorSelector;
  const range = ms.range;
  const isCounter = e.func !== 'delta';
  const isRate = e.func === 'rate';
  const out: Sample[][] = Array.from({ length: steps }, () => []);
  for (const s of series) {
    const ts = s.ts;
    const v = s.vs;
    const n = ts.length;
    // resets[i]: what counter resets up to index i add back (the value before each drop).
    const resets = new Float64Array(n);
    if (isCounter) for (let i = 1; i < n; i++) resets[i] = resets[i - 1]! + (v[i]! < v[i - 1]! ? v[i - 1]! : 0);
    const labels = dropName(s.labels);
    let from = 0;
    let to = 0;
    for (let k = 0; k < steps; k++) {
      const t = start + k * interval;
      const ref = (atTime ?? t) - vs.offset;
      const lo = ref - range;
      // Windows only move forward (with @ they stay put after the first step).
      if (atTime === null || k === 0) {
        while (to < n && ts[to]! <= ref) to++;
        while (from < to && ts[from]! <= lo) from++;
      }
      const count = to - from;
      if (count < 2) continue;
      // The increase over the window, with what counter resets inside it took away added back.
      const increase = v[to - 1]! - v[from]! + (isCounter ? resets[to - 1]! - resets[from]! : 0);
      const r = extrapolate(ts[from]!, ts[to - 1]!, v[from]!, increase, count, { start: lo, end: ref }, isCounter, isRate);
      out[k]!.push({ labels, t, v: r });
    }
  }
  return out;
}

