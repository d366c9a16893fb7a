// Evaluates a PromQL expression tree at one timestamp at a time. Every selector's samples are
// read from storage once per query (for the whole window the query needs) into typed arrays,
// so each step only searches arrays.
import { labelsKey, type Labels, type Querier } from '../../storage/index.js';
import type { AtModifier, Call, Expr, MatrixSelector, SubqueryExpr, VectorSelector } from '../ast.js';
import { evalAggregate } from './aggregate.js';
import { evalBinary } from './binary.js';
import { callFunction } from './functions.js';
import { computeAllSteps, fastPathApplies } from './range-fast-path.js';
import { dropName } from './labels.js';
import { EvalError, isStaleNaN, uniqueVector, type RangeSeries, type RangeSeriesBuilder, type Sample, type Value } from './value.js';

export interface EngineOptions {
  /** How far back an instant selector looks for a sample (Prometheus: 5m). */
  readonly lookbackDeltaMs: number;
  /** Samples a query may hold in memory at once. */
  readonly maxSamples: number;
  /** Step of subqueries written without one (`[10m:]`). */
  readonly subqueryStepMs: number;
  /** Longest a query may run, in ms (0 = no limit). */
  readonly timeoutMs: number;
}

/** Opens a querier over [mint, maxt]. */
export type QuerierFactory = (mint: number, maxt: number) => Querier;

interface LoadedSeries {
  readonly labels: Labels;
  readonly ts: Float64Array;
  readonly vs: Float64Array;
  /** Whether any value is a staleness marker (most series have none: windows need no scan). */
  readonly hasStale: boolean;
}

/** Index of the last element <= t, or -1. */
function lastAtOrBefore(ts: Float64Array, t: number): number {
  let lo = 0;
  let hi = ts.length - 1;
  let ans = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (ts[mid]! <= t) {
      ans = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return ans;
}

export class Evaluator {
  readonly opts: EngineOptions;
  readonly start: number;
  readonly end: number;
  readonly interval: number;
  private readonly querier: QuerierFactory;
  private readonly windows = new Map<Expr, { mint: number; maxt: number }>();
  private readonly data = new Map<Expr, LoadedSeries[]>();
  private loadedSamples = 0;
  /** Per call on the fast path: its result at every step of the range query (null: not eligible). */
  private readonly allSteps = new Map<Call, Sample[][] | null>();
  private readonly deadline: number;

  constructor(opts: EngineOptions, querier: QuerierFactory, start: number, end: number, interval: number) {
    this.opts = opts;
    this.querier = querier;
    this.start = start;
    this.end = end;
    this.interval = interval;
    this.deadline = opts.timeoutMs > 0 ? performance.now() + opts.timeoutMs : Infinity;
  }

  /** Throws Prometheus's timeout error once the query has used its time. */
  checkDeadline(): void {
    if (performance.now() > this.deadline) throw new EvalError('query timed out in expression evaluation', 'timeout');
  }

  /** The time an `@` modifier pins to, or null without one. */
  resolveAt(at: AtModifier | null): number | null {
    return this.atTime(at);
  }

  private atTime(at: AtModifier | null): number | null {
    if (at === null) return null;
    if (at === 'start') return this.start;
    if (at === 'end') return this.end;
    return at;
  }

  /** Records, for every selector, the time window its data must cover when `e` is evaluated in [lo, hi]. */
  plan(e: Expr, lo: number, hi: number): void {
    switch (e.type) {
      case 'VectorSelector': {
        const at = this.atTime(e.at);
        const a = at ?? lo;
        const b = at ?? hi;
        this.widen(e, a - e.offset - this.opts.lookbackDeltaMs, b - e.offset);
        return;
      }
      case 'MatrixSelector': {
        const vs = e.vs as VectorSelector;
        const at = this.atTime(vs.at);
        this.widen(vs, (at ?? lo) - vs.offset - e.range, (at ?? hi) - vs.offset);
        return;
      }
      case 'SubqueryExpr': {
        const at = this.atTime(e.at);
        this.plan(e.expr, (at ?? lo) - e.offset - e.range, (at ?? hi) - e.offset);
        return;
      }
      case 'ParenExpr':
      case 'UnaryExpr':
        this.plan(e.expr, lo, hi);
        return;
      case 'BinaryExpr':
        this.plan(e.lhs, lo, hi);
        this.plan(e.rhs, lo, hi);
        return;
      case 'AggregateExpr':
        if (e.param) this.plan(e.param, lo, hi);
        this.plan(e.expr, lo, hi);
        return;
      case 'Call':
        for (const a of e.args) this.plan(a, lo, hi);
        return;
      default:
        return;
    }
  }

  private widen(e: Expr, mint: number, maxt: number): void {
    const w = this.windows.get(e);
    if (w === undefined) this.windows.set(e, { mint, maxt });
    else {
      w.mint = Math.min(w.mint, mint);
      w.maxt = Math.max(w.maxt, maxt);
    }
  }

  private load(vs: VectorSelector): LoadedSeries[] {
    let d = this.data.get(vs);
    if (d !== undefined) return d;
    const w = this.windows.get(vs) ?? { mint: -Infinity, maxt: Infinity };
    const q = this.querier(w.mint, w.maxt);
    d = [];
    try {
      for (const s of q.select(vs.matchers)) {
        const ts: number[] = [];
        // NaN payloads (staleness markers) survive in a number[] only while V8 keeps it as a
        // generic array; isStaleNaN accepts the quieted form as well, so both are read right.
        const vals: number[] = [];
        const it = s.iterator();
        while (it.next()) {
          ts.push(it.atT());
          vals.push(it.atV());
        }
        if (ts.length === 0) continue;
        this.checkDeadline();
        this.loadedSamples += ts.length;
        if (this.loadedSamples > this.opts.maxSamples) {
          throw new EvalError('query processing would load too many samples into memory in query execution', 'too_many_samples');
        }
        const values = Float64Array.from(vals);
        let hasStale = false;
        for (let i = 0; i < values.length && !hasStale; i++) hasStale = isStaleNaN(values[i]!);
        d.push({ labels: s.labels, ts: Float64Array.from(ts), vs: values, hasStale });
      }
    } finally {
      q.close();
    }
    this.data.set(vs, d);
    return d;
  }

  /** Evaluates `e` at time t. */
  eval(e: Expr, t: number): Value {
    switch (e.type) {
      case 'NumberLiteral':
        return { kind: 'scalar', t, v: e.val };
      case 'StringLiteral':
        return { kind: 'string', t, v: e.val };
      case 'ParenExpr':
        return this.eval(e.expr, t);
      case 'VectorSelector':
        return { kind: 'vector', samples: this.instantSelect(e, t) };
      case 'MatrixSelector':
        return { kind: 'matrix', series: this.rangeSelect(e, t) };
      case 'SubqueryExpr':
        return { kind: 'matrix', series: this.subquery(e, t) };
      case 'UnaryExpr': {
        const v = this.eval(e.expr, t);
        if (e.op === '+') return v;
        if (v.kind === 'scalar') return { kind: 'scalar', t, v: -v.v };
        if (v.kind === 'vector') return uniqueVector(v.samples.map((s) => ({ labels: dropName(s.labels), t: s.t, v: -s.v })));
        throw new EvalError(`unary minus on a ${v.kind}`);
      }
      case 'BinaryExpr':
        return evalBinary(this, e, t);
      case 'AggregateExpr':
        return evalAggregate(this, e, t);
      case 'Call': {
        const pre = this.interval > 0 ? this.stepResult(e, t) : null;
        return pre !== null ? { kind: 'vector', samples: pre } : callFunction(this, e, t);
      }
    }
  }

  /**
   * The fast path's result for a call at a step of the range query, or null. A call's value at
   * time t does not depend on where it is evaluated from, so subqueries may use it too.
   */
  private stepResult(e: Call, t: number): Sample[] | null {
    const k = (t - this.start) / this.interval;
    if (!Number.isInteger(k) || k < 0 || t > this.end) return null;
    let table = this.allSteps.get(e);
    if (table === undefined) {
      table = null;
      if (fastPathApplies(e)) {
        const vs = e.args[0].vs as VectorSelector;
        const steps = Math.floor((this.end - this.start) / this.interval) + 1;
        table = computeAllSteps(e, this.load(vs), this.start, this.interval, steps, this.atTime(vs.at));
      }
      this.allSteps.set(e, table);
    }
    return table === null ? null : table[k]!;
  }

  /** Evaluates an expression that must give an instant vector. */
  vector(e: Expr, t: number): Sample[] {
    const v = this.eval(e, t);
    if (v.kind !== 'vector') throw new EvalError(`expected instant vector, got ${v.kind}`);
    return v.samples;
  }

  /** Evaluates an expression that must give a scalar. */
  scalar(e: Expr, t: number): number {
    const v = this.eval(e, t);
    if (v.kind !== 'scalar') throw new EvalError(`expected scalar, got ${v.kind}`);
    return v.v;
  }

  /** Evaluates an expression that must give a range vector. */
  matrix(e: Expr, t: number): RangeSeries[] {
    const v = this.eval(e, t);
    if (v.kind !== 'matrix') throw new EvalError(`expected range vector, got ${v.kind}`);
    return v.series;
  }

  private instantSelect(vs: VectorSelector, t: number): Sample[] {
    return this.instantSelectWithTimes(vs, t).map((s) => ({ labels: s.labels, t, v: s.v }));
  }

  /** An instant selector's samples with the time each was found at (for timestamp()). */
  instantSelectWithTimes(vs: VectorSelector, t: number): { labels: Labels; v: number; sampleT: number }[] {
    const ref = (this.atTime(vs.at) ?? t) - vs.offset;
    const out: { labels: Labels; v: number; sampleT: number }[] = [];
    for (const s of this.load(vs)) {
      const i = lastAtOrBefore(s.ts, ref);
      if (i < 0 || s.ts[i]! <= ref - this.opts.lookbackDeltaMs) continue;
      const v = s.vs[i]!;
      if (isStaleNaN(v)) continue;
      out.push({ labels: s.labels, v, sampleT: s.ts[i]! });
    }
    return out;
  }

  private rangeSelect(ms: MatrixSelector, t: number): RangeSeries[] {
    const vs = ms.vs as VectorSelector;
    const ref = (this.atTime(vs.at) ?? t) - vs.offset;
    const out: RangeSeries[] = [];
    for (const s of this.load(vs)) {
      // Left-open range (ref - range, ref], as in Prometheus 3.
      const from = lastAtOrBefore(s.ts, ref - ms.range) + 1;
      const to = lastAtOrBefore(s.ts, ref) + 1;
      if (to <= from) continue;
      let stale = false;
      for (let i = from; s.hasStale && i < to; i++) {
        if (isStaleNaN(s.vs[i]!)) {
          stale = true;
          break;
        }
      }
      if (!stale) {
        // Views, not copies: a range query reads each window once per step.
        out.push({ labels: s.labels, ts: s.ts.subarray(from, to), vs: s.vs.subarray(from, to) });
        continue;
      }
      const ts: number[] = [];
      const vals: number[] = [];
      for (let i = from; i < to; i++) {
        const v = s.vs[i]!;
        if (isStaleNaN(v)) continue;
        ts.push(s.ts[i]!);
        vals.push(v);
      }
      if (ts.length > 0) out.push({ labels: s.labels, ts, vs: vals });
    }
    return out;
  }

  private subquery(sq: SubqueryExpr, t: number): RangeSeries[] {
    const ref = (this.atTime(sq.at) ?? t) - sq.offset;
    const step = sq.step > 0 ? sq.step : this.opts.subqueryStepMs;
    const from = ref - sq.range;
    // The first multiple of the step inside the left-open range (ref - range, ref].
    let s0 = Math.floor(from / step) * step;
    if (s0 <= from) s0 += step;
    const bySeries = new Map<string, RangeSeriesBuilder>();
    const order: RangeSeriesBuilder[] = [];
    for (let s = s0; s <= ref; s += step) {
      this.checkDeadline();
      const v = this.eval(sq.expr, s);
      const samples = v.kind === 'vector' ? v.samples : v.kind === 'scalar' ? [{ labels: [], t: s, v: v.v }] : [];
      for (const smp of samples) {
        const k = labelsKey(smp.labels);
        let r = bySeries.get(k);
        if (r === undefined) {
          r = { labels: smp.labels, ts: [], vs: [] };
          bySeries.set(k, r);
          order.push(r);
        }
        r.ts.push(s);
        r.vs.push(smp.v);
      }
    }
    return order;
  }
}
