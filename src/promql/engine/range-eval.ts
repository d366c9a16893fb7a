// Evaluation of a range query's expression over all its steps at once, as Prometheus's
// rangeEval does: each node answers one value array per series across the steps instead of a
// vector per step, so a range query touches each loaded sample a few times and builds no
// object per step and series. Covers the nodes dashboards spend their time in: instant
// selectors, rate/increase/delta and the *_over_time functions of a plain range selector,
// sum/avg/count/min/max/group by/without, and histogram_quantile. Anything else answers null
// and the caller evaluates step by step; results are identical either way (tests compare them).
import { labelsKey, type Labels } from '../../storage/index.js';
import { unwrapParens as unwrap, type AggregateExpr, type Call, type Expr, type MatrixSelector, type VectorSelector } from '../ast.js';
import { groupOf } from './aggregate.js';
import { bucketQuantile } from './histogram.js';
import { cachedKey, dropName, oneName } from './labels.js';
import { extrapolate, OVER_TIME } from './range-functions.js';
import { isStaleNaN } from './value.js';
import type { Cells } from './cell-pool.js';

/** One series of a node's result over every step: vs[k] is its value at step k when present[k] is 1. */
export interface StepSeries {
  readonly labels: Labels;
  readonly vs: Float64Array;
  readonly present: Uint8Array;
}

/** A loaded series: every sample the query needs, in time order. */
export interface LoadedSeriesView {
  readonly labels: Labels;
  readonly ts: Float64Array;
  readonly vs: Float64Array;
  readonly hasStale: boolean;
}

/** What the range evaluator needs from the evaluator that owns the query. */
export interface StepGrid {
  readonly start: number;
  readonly interval: number;
  readonly steps: number;
  readonly lookbackDeltaMs: number;
  load(vs: VectorSelector): readonly LoadedSeriesView[];
  /** Buffers of at least n cells for a node's rows (presence all 0), alive until the query's result is copied out. */
  cells(n: number): Cells;
  resolveAt(at: VectorSelector['at']): number | null;
  checkDeadline(): void;
}

/** Most series x steps one node may hold as arrays (16M cells, ~150 MB); beyond it the step path, which keeps only present points, runs. */
const MAX_CELLS = 1 << 24;

const RATE_LIKE = new Set(['rate', 'increase', 'delta']);
const AGGREGATED = new Set(['sum', 'avg', 'count', 'min', 'max', 'group']);

/**
 * The value and presence arrays of a node's series as rows of two buffers taken once per node
 * (from the query's pool): a typed array of its own per series and node cost more than computing its values. A row
 * is only written where a value is present, so one that ends up with none is handed out again.
 */
class Rows {
  private readonly vs: Float64Array;
  private readonly present: Uint8Array;
  private readonly steps: number;
  private used = 0;

  constructor(g: StepGrid, count: number) {
    this.steps = g.steps;
    const c = g.cells(g.steps * count);
    this.vs = c.vs;
    this.present = c.present;
  }

  /** Views of the next row not kept yet. */
  row(): { vals: Float64Array; present: Uint8Array } {
    const from = this.used * this.steps;
    return { vals: this.vs.subarray(from, from + this.steps), present: this.present.subarray(from, from + this.steps) };
  }

  /** Keeps the row last handed out. */
  keep(): void {
    this.used++;
  }
}

/** Whether the series would keep distinct label sets once `relabel` is applied (else Prometheus errors; the step path says so). */
function distinct(series: readonly { labels: Labels }[], relabel: (l: Labels) => Labels): boolean {
  const keys = new Set<string>();
  for (const s of series) keys.add(cachedKey(relabel(s.labels)));
  return keys.size === series.length;
}

/**
 * Series a node's loops go through between pauses (yield) of the paused evaluation, and between
 * deadline checks: a clock read per series was a visible part of a rate over many short series.
 */
const PAUSE_SERIES = 64;

/** The result of `e` at every step, or null when this evaluator does not cover it. */
export function evalSteps(g: StepGrid, e: Expr): StepSeries[] | null {
  const it = evalStepsPaused(g, e);
  let r = it.next();
  while (r.done !== true) r = it.next();
  return r.value;
}

/**
 * As evalSteps, pausing (yield) every PAUSE_SERIES series of a node's loops, so an async caller
 * can hand the event loop back in the middle of one large evaluation.
 */
export function* evalStepsPaused(g: StepGrid, e: Expr): Generator<void, StepSeries[] | null> {
  e = unwrap(e);
  switch (e.type) {
    case 'VectorSelector':
      return yield* selectorSteps(g, e);
    case 'Call':
      return yield* callSteps(g, e);
    case 'AggregateExpr':
      return yield* aggregateSteps(g, e);
    default:
      return null;
  }
}

/** An instant selector at every step: the last sample within the lookback delta, unless it is a staleness marker. */
function* selectorSteps(g: StepGrid, vs: VectorSelector): Generator<void, StepSeries[] | null> {
  const at = g.resolveAt(vs.at);
  const series = g.load(vs);
  if (series.length * g.steps > MAX_CELLS) return null;
  const out: StepSeries[] = [];
  const rows = new Rows(g, series.length);
  let done = 0;
  for (const s of series) {
    const ts = s.ts;
    const n = ts.length;
    const { vals, present } = rows.row();
    let to = 0;
    let any = false;
    for (let k = 0; k < g.steps; k++) {
      const ref = (at ?? g.start + k * g.interval) - vs.offset;
      if (at === null || k === 0) while (to < n && ts[to]! <= ref) to++;
      const i = to - 1;
      if (i < 0 || ts[i]! <= ref - g.lookbackDeltaMs) continue;
      const v = s.vs[i]!;
      if (s.hasStale && isStaleNaN(v)) continue;
      vals[k] = v;
      present[k] = 1;
      any = true;
    }
    if (any) {
      out.push({ labels: s.labels, vs: vals, present });
      rows.keep();
    }
    if (++done % PAUSE_SERIES === 0) {
      g.checkDeadline();
      yield;
    }
  }
  return out;
}

function* callSteps(g: StepGrid, e: Call): Generator<void, StepSeries[] | null> {
  const arg = e.args.length === 1 ? unwrap(e.args[0]!) : null;
  if (arg !== null && arg.type === 'MatrixSelector') {
    if (RATE_LIKE.has(e.func)) return yield* rateSteps(g, e.func, arg);
    const over = OVER_TIME[e.func];
    if (over !== undefined) return yield* overTimeSteps(g, e.func, over, arg);
    return null;
  }
  if (e.func === 'histogram_quantile' && e.args.length === 2) {
    const q = unwrap(e.args[0]!);
    if (q.type !== 'NumberLiteral') return null;
    const input = yield* evalStepsPaused(g, e.args[1]!);
    return input === null ? null : histogramQuantileSteps(g, q.val, input);
  }
  return null;
}

/** The loaded series of a plain range selector, or null when staleness markers need the step path's handling. */
function windowSeries(g: StepGrid, ms: MatrixSelector): readonly LoadedSeriesView[] | null {
  const series = g.load(ms.vs as VectorSelector);
  if (series.length * g.steps > MAX_CELLS) return null;
  for (const s of series) if (s.hasStale) return null;
  return series;
}

/**
 * Calls `f(k, from, to)` for each step with the window (ref - range, ref] of `ts` as indices
 * [from, to): two indices that only move forward, since windows do (with `@` they stay put).
 */
function forEachWindow(g: StepGrid, ms: MatrixSelector, ts: Float64Array, f: (k: number, from: number, to: number, ref: number) => void): void {
  const vs = ms.vs as VectorSelector;
  const at = g.resolveAt(vs.at);
  const n = ts.length;
  let from = 0;
  let to = 0;
  for (let k = 0; k < g.steps; k++) {
    const ref = (at ?? g.start + k * g.interval) - vs.offset;
    if (at === null || k === 0) {
      while (to < n && ts[to]! <= ref) to++;
      while (from < to && ts[from]! <= ref - ms.range) from++;
    }
    f(k, from, to, ref);
  }
}

/** rate, increase and delta: counter resets summed through a prefix array where that is exact, so each window costs O(1). */
function* rateSteps(g: StepGrid, func: string, ms: MatrixSelector): Generator<void, StepSeries[] | null> {
  const series = windowSeries(g, ms);
  if (series === null || !(oneName(series) || distinct(series, dropName))) return null;
  const isCounter = func !== 'delta';
  const isRate = func === 'rate';
  const sel = ms.vs as VectorSelector;
  const at = g.resolveAt(sel.at);
  const offset = sel.offset;
  const range = ms.range;
  const out: StepSeries[] = [];
  const rows = new Rows(g, series.length);
  let longest = 0;
  for (const s of series) longest = Math.max(longest, s.ts.length);
  const resets = new Float64Array(longest);
  let done = 0;
  for (const s of series) {
    const ts = s.ts;
    const v = s.vs;
    const n = ts.length;
    // resets[i]: what counter resets up to index i took away (the value before each drop). A
    // difference of two prefix sums equals the window's own sum only while every sum is an exact
    // integer; otherwise (fractional or huge values) each window is scanned as Prometheus does.
    let exact = true;
    if (isCounter) {
      resets[0] = 0;
      for (let i = 1; i < n; i++) {
        const drop = v[i]! < v[i - 1]! ? v[i - 1]! : 0;
        if (drop !== 0 && !Number.isInteger(drop)) exact = false;
        resets[i] = resets[i - 1]! + drop;
      }
      if (n > 0 && !(resets[n - 1]! <= Number.MAX_SAFE_INTEGER)) exact = false;
    }
    const { vals, present } = rows.row();
    let any = false;
    // forEachWindow, inlined: this loop is the whole cost of a rate over many series.
    let from = 0;
    let to = 0;
    for (let k = 0; k < g.steps; k++) {
      const ref = (at ?? g.start + k * g.interval) - offset;
      if (at === null || k === 0) {
        while (to < n && ts[to]! <= ref) to++;
        while (from < to && ts[from]! <= ref - range) from++;
      }
      const count = to - from;
      if (count < 2) continue;
      let increase = v[to - 1]! - v[from]!;
      if (isCounter && exact) increase += resets[to - 1]! - resets[from]!;
      else if (isCounter) for (let i = from + 1; i < to; i++) if (v[i]! < v[i - 1]!) increase += v[i - 1]!;
      vals[k] = extrapolate(ts[from]!, ts[to - 1]!, v[from]!, increase, count, ref - range, ref, isCounter, isRate);
      present[k] = 1;
      any = true;
    }
    if (any) {
      out.push({ labels: dropName(s.labels), vs: vals, present });
      rows.keep();
    }
    if (++done % PAUSE_SERIES === 0) {
      g.checkDeadline();
      yield;
    }
  }
  return out;
}

/** The *_over_time functions of one argument, each window computed by the same function as the step path. */
function* overTimeSteps(
  g: StepGrid,
  func: string,
  over: (ts: ArrayLike<number>, vs: ArrayLike<number>, from: number, to: number, args: number[]) => number | null,
  ms: MatrixSelector,
): Generator<void, StepSeries[] | null> {
  const series = windowSeries(g, ms);
  const keep = func === 'last_over_time' || func === 'first_over_time';
  const relabel = keep ? (l: Labels) => l : dropName;
  if (series === null || !(keep || oneName(series) || distinct(series, relabel))) return null;
  const none: number[] = [];
  const out: StepSeries[] = [];
  const rows = new Rows(g, series.length);
  let done = 0;
  for (const s of series) {
    const { vals, present } = rows.row();
    let any = false;
    forEachWindow(g, ms, s.ts, (k, from, to) => {
      if (to <= from) return;
      const v = over(s.ts, s.vs, from, to, none);
      if (v === null) return;
      vals[k] = v;
      present[k] = 1;
      any = true;
    });
    if (any) {
      out.push({ labels: relabel(s.labels), vs: vals, present });
      rows.keep();
    }
    if (++done % PAUSE_SERIES === 0) {
      g.checkDeadline();
      yield;
    }
  }
  return out;
}

/**
 * sum, avg, count, min, max and group: each input series is put in its group once, then each
 * group's state is advanced step by step in input order, which is the order the step path
 * adds values in, so compensated sums and means come out to the same bits.
 */
function* aggregateSteps(g: StepGrid, e: AggregateExpr): Generator<void, StepSeries[] | null> {
  if (!AGGREGATED.has(e.op) || e.param !== null) return null;
  const input = yield* evalStepsPaused(g, e.expr);
  if (input === null) return null;
  const steps = g.steps;
  interface GroupState {
    labels: Labels;
    n: Float64Array;
    sum: Float64Array;
    c: Float64Array;
    mean: Float64Array;
    incremental: Uint8Array;
  }
  const groups = new Map<string, GroupState>();
  let done = 0;
  const order: GroupState[] = [];
  const op = e.op;
  const isMin = op === 'min';
  for (const s of input) {
    const key = groupOf(s.labels, e);
    let st = groups.get(key.key);
    if (st === undefined) {
      st = {
        labels: key.labels,
        n: new Float64Array(steps),
        sum: new Float64Array(steps),
        c: new Float64Array(steps),
        mean: op === 'avg' ? new Float64Array(steps) : new Float64Array(0),
        incremental: op === 'avg' ? new Uint8Array(steps) : new Uint8Array(0),
      };
      groups.set(key.key, st);
      order.push(st);
    }
    if (op === 'sum') addSum(st.n, st.sum, st.c, s.vs, s.present);
    else if (op === 'avg') addMean(st.n, st.sum, st.c, st.mean, st.incremental, s.vs, s.present);
    else if (op === 'min' || op === 'max') addExtreme(st.n, st.sum, s.vs, s.present, isMin);
    else addCount(st.n, s.present);
    if (++done % PAUSE_SERIES === 0) {
      g.checkDeadline();
      yield;
    }
  }
  const out: StepSeries[] = [];
  for (const st of order) {
    const vals = new Float64Array(steps);
    const present = new Uint8Array(steps);
    for (let k = 0; k < steps; k++) {
      const count = st.n[k]!;
      if (count === 0) continue;
      present[k] = 1;
      const sum = st.sum[k]!;
      switch (op) {
        case 'sum':
          vals[k] = Number.isFinite(sum) ? sum + st.c[k]! : sum;
          break;
        case 'avg':
          vals[k] = st.incremental[k] === 1 ? st.mean[k]! + st.c[k]! : (sum + st.c[k]!) / count;
          break;
        case 'count':
          vals[k] = count;
          break;
        case 'group':
          vals[k] = 1;
          break;
        default:
          vals[k] = sum;
      }
    }
    out.push({ labels: st.labels, vs: vals, present });
  }
  return out;
}

// One input series added into its group's per-step state; one loop per operator, so the loops
// over steps hold no branches on the operator.

/** kahanSumInc per step, inlined as in the step path. */
function addSum(n: Float64Array, sum: Float64Array, c: Float64Array, vs: Float64Array, present: Uint8Array): void {
  for (let k = 0; k < present.length; k++) {
    if (present[k] === 0) continue;
    n[k]!++;
    const v = vs[k]!;
    const s0 = sum[k]!;
    const next = s0 + v;
    if (!Number.isFinite(next) && !Number.isNaN(next)) c[k] = 0;
    else if (Math.abs(s0) >= Math.abs(v)) c[k]! += s0 - next + v;
    else c[k]! += v - next + s0;
    sum[k] = next;
  }
}

/** kahanMean per step, one value at a time. */
function addMean(n: Float64Array, sum: Float64Array, c: Float64Array, mean: Float64Array, incremental: Uint8Array, vs: Float64Array, present: Uint8Array): void {
  for (let k = 0; k < present.length; k++) {
    if (present[k] === 0) continue;
    const v = vs[k]!;
    const count = ++n[k]!;
    if (count === 1) {
      sum[k] = v;
      continue;
    }
    if (incremental[k] === 0) {
      const s0 = sum[k]!;
      const next = s0 + v;
      let nc = c[k]!;
      if (!Number.isFinite(next) && !Number.isNaN(next)) nc = 0;
      else if (Math.abs(s0) >= Math.abs(v)) nc += s0 - next + v;
      else nc += v - next + s0;
      if (Number.isFinite(next) || Number.isNaN(next)) {
        sum[k] = next;
        c[k] = nc;
        continue;
      }
      incremental[k] = 1;
      mean[k] = s0 / (count - 1);
      c[k] = c[k]! / (count - 1);
    }
    const q = (count - 1) / count;
    const m0 = q * mean[k]!;
    const inc = v / count;
    const next = m0 + inc;
    let nc = q * c[k]!;
    if (!Number.isFinite(next) && !Number.isNaN(next)) nc = 0;
    else if (Math.abs(m0) >= Math.abs(inc)) nc += m0 - next + inc;
    else nc += inc - next + m0;
    mean[k] = next;
    c[k] = nc;
  }
}

/** min or max per step: NaN until a value beats it, as in the step path. */
function addExtreme(n: Float64Array, m: Float64Array, vs: Float64Array, present: Uint8Array, isMin: boolean): void {
  for (let k = 0; k < present.length; k++) {
    if (present[k] === 0) continue;
    const v = vs[k]!;
    if (++n[k]! === 1) m[k] = NaN;
    const cur = m[k]!;
    if (Number.isNaN(cur) || (isMin ? v < cur : v > cur)) m[k] = v;
  }
}

function addCount(n: Float64Array, present: Uint8Array): void {
  for (let k = 0; k < present.length; k++) if (present[k] === 1) n[k]!++;
}

/** histogram_quantile with a constant φ: bucket bounds and groups found once, the quantile per step. */
function histogramQuantileSteps(g: StepGrid, q: number, input: StepSeries[]): StepSeries[] | null {
  interface HGroup {
    labels: Labels;
    members: { upper: number; s: StepSeries }[];
  }
  const groups = new Map<string, HGroup>();
  for (const s of input) {
    let le = '';
    const rest = [];
    for (const l of s.labels) {
      if (l.name === 'le') le = l.value;
      else rest.push(l);
    }
    if (le === '') continue;
    const upper = le === '+Inf' || le === 'Inf' ? Infinity : Number(le);
    if (Number.isNaN(upper)) continue;
    const k = labelsKey(rest);
    let grp = groups.get(k);
    if (grp === undefined) groups.set(k, (grp = { labels: dropName(rest), members: [] }));
    grp.members.push({ upper, s });
  }
  const all = [...groups.values()];
  if (!distinct(all, (l) => l)) return null;
  const out: StepSeries[] = [];
  for (const grp of all) {
    const vals = new Float64Array(g.steps);
    const present = new Uint8Array(g.steps);
    let any = false;
    for (let k = 0; k < g.steps; k++) {
      const buckets: { upper: number; count: number }[] = [];
      for (const m of grp.members) if (m.s.present[k] === 1) buckets.push({ upper: m.upper, count: m.s.vs[k]! });
      if (buckets.length === 0) continue;
      vals[k] = bucketQuantile(q, buckets);
      present[k] = 1;
      any = true;
    }
    if (any) out.push({ labels: grp.labels, vs: vals, present });
  }
  return out;
}
