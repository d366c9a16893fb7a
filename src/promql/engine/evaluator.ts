// Evaluates a PromQL expression tree at one timestamp at a time. Every selector's samples are
// read from storage once per query (for the whole window the query needs) into typed arrays,
// so each step only searches arrays.
import { fillSamples, labelsKey, type Labels, type Querier, type SelectHints } from '../../storage/index.js';
import { unwrapParens, type AggregateExpr, type AtModifier, type Call, type Expr, type MatrixSelector, type SubqueryExpr, type VectorSelector } from '../ast.js';
import { evalAggregate } from './aggregate.js';
import type { CellPool, Cells } from './cell-pool.js';
import { evalBinary } from './binary.js';
import { callFunction } from './functions.js';
import { evalSteps, evalStepsPaused, type LoadedSeriesView, type StepGrid, type StepSeries } from './range-eval.js';
import { LOAD_BLOCK, type LoadBufferPool } from './load-pool.js';
import { outerSubqueries, piecewiseCalls } from './plan-walk.js';
import type { Slicer } from './slicer.js';
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
  /**
   * Series per piece when an instant query's range functions over many series are evaluated
   * ahead in pieces, with pauses between them (default 2048).
   */
  readonly callChunkSeries?: number;
}

/** Opens a querier over [mint, maxt]. */
export type QuerierFactory = (mint: number, maxt: number, hints?: SelectHints) => Querier;

/** A loaded series; `hasStale` tells whether any value is a staleness marker (most have none: windows need no scan). */
type LoadedSeries = LoadedSeriesView;

/** Samples loaded between deadline checks and pauses (yield) of a selector's loading: about a millisecond of work. */
const YIELD_SAMPLES = 1 << 14;
/** Default of EngineOptions.callChunkSeries. */
const CALL_CHUNK_SERIES = 2048;
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

export class Evaluator implements StepGrid {
  readonly opts: EngineOptions;
  readonly start: number;
  readonly end: number;
  readonly interval: number;
  /** Steps of the range query (1 for an instant query). */
  readonly steps: number;
  readonly lookbackDeltaMs: number;
  private readonly querier: QuerierFactory;
  private readonly windows = new Map<Expr, { mint: number; maxt: number }>();
  private readonly data = new Map<Expr, LoadedSeries[]>();
  private loadedSamples = 0;
  /** Subqueries evaluated ahead by prepareAsync, with the time they were evaluated at. */
  private readonly subqueryMemo = new Map<SubqueryExpr, { t: number; series: RangeSeries[] }>();
  /** Range function calls an instant query evaluated ahead in pieces (prepareAsync). */
  private readonly callMemo = new Map<Call, { t: number; value: Value }>();
  /** While a call is evaluated in pieces: the selector and the index range of its series to read. */
  private piece: { vs: VectorSelector; from: number; to: number } | null = null;
  /** Per node evaluated over all steps at once: its vector at each step of the range query (null: not covered). */
  private readonly stepTables = new Map<Expr, Sample[][] | null>();
  /** Select hints per selector, set while planning. */
  private readonly hints = new Map<VectorSelector, SelectHints>();
  private readonly deadline: number;
  private readonly pool: LoadBufferPool | null;
  /** Full-size load buffers this query uses, for `releaseBuffers`. */
  private readonly blocks: Float64Array[] = [];
  private readonly cellPool: CellPool | null;
  /** Row buffers of the all-steps evaluation this query uses, for `releaseBuffers`. */
  private readonly taken: Cells[] = [];

  constructor(
    opts: EngineOptions,
    querier: QuerierFactory,
    start: number,
    end: number,
    interval: number,
    pool: LoadBufferPool | null = null,
    cellPool: CellPool | null = null,
  ) {
    this.opts = opts;
    this.pool = pool;
    this.cellPool = cellPool;
    this.querier = querier;
    this.start = start;
    this.end = end;
    this.interval = interval;
    this.steps = interval > 0 ? Math.floor((end - start) / interval) + 1 : 1;
    this.lookbackDeltaMs = opts.lookbackDeltaMs;
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
  plan(e: Expr, lo: number, hi: number, inSubquery = false): void {
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
        this.plan(e.expr, (at ?? lo) - e.offset - e.range, (at ?? hi) - e.offset, true);
        return;
      }
      case 'ParenExpr':
      case 'UnaryExpr':
        this.plan(e.expr, lo, hi, inSubquery);
        return;
      case 'BinaryExpr':
        this.plan(e.lhs, lo, hi, inSubquery);
        this.plan(e.rhs, lo, hi, inSubquery);
        return;
      case 'AggregateExpr':
        if (e.param) this.plan(e.param, lo, hi, inSubquery);
        this.plan(e.expr, lo, hi, inSubquery);
        return;
      case 'Call':
        for (const a of e.args) {
          // A range passed straight to a function: storage may answer it from aggregates (at the
          // query's step; a subquery's own steps get raw data).
          if (a.type === 'MatrixSelector' && !inSubquery) this.hints.set(a.vs as VectorSelector, { step: this.interval, func: e.func, range: a.range });
          this.plan(a, lo, hi, inSubquery);
        }
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

  /** Every series of a selector with the samples the whole query needs, read from storage once. */
  load(vs: VectorSelector): LoadedSeries[] {
    const d = this.data.get(vs);
    if (d !== undefined) return d;
    const g = this.loading(vs);
    let r = g.next();
    while (r.done !== true) r = g.next();
    return r.value;
  }

  /** Loads a selector's series, pausing (yield) after each series so an async caller can hand the event loop back. */
  private *loading(vs: VectorSelector): Generator<void, LoadedSeries[]> {
    let d = this.data.get(vs);
    if (d !== undefined) return d;
    const w = this.windows.get(vs) ?? { mint: -Infinity, maxt: Infinity };
    const q = this.querier(w.mint, w.maxt, this.hints.get(vs));
    d = [];
    try {
      // Series go into shared buffers and get views into them: a typed array with its own buffer
      // per series cost more (allocation and GC) than reading the samples. The buffers grow to
      // LOAD_BLOCK samples and are then replaced, not regrown, so earlier series are never copied;
      // only a series that does not fit moves, into a buffer with room for it. Float64Array
      // keeps staleness markers' NaN payload as stored.
      const pooled = this.pool !== null && this.pool.available;
      let tBuf = pooled ? this.block() : new Float64Array(4096);
      let vBuf = pooled ? this.block() : new Float64Array(4096);
      let used = 0;
      let sinceYield = 0;
      const spans: { labels: Labels; ts: Float64Array; vs: Float64Array; from: number; to: number; hasStale: boolean }[] = [];
      for (const s of q.select(vs.matchers)) {
        let from = used;
        const it = s.iterator();
        for (;;) {
          used = fillSamples(it, tBuf, vBuf, used);
          if (used < tBuf.length) break;
          const have = used - from;
          const size = Math.max(Math.min(tBuf.length * 2, LOAD_BLOCK), have * 2);
          const t2 = size === LOAD_BLOCK ? this.block() : new Float64Array(size);
          t2.set(tBuf.subarray(from, used));
          tBuf = t2;
          const v2 = size === LOAD_BLOCK ? this.block() : new Float64Array(size);
          v2.set(vBuf.subarray(from, used));
          vBuf = v2;
          from = 0;
          used = have;
        }
        if (used === from) continue;
        let hasStale = false;
        for (let i = from; i < used; i++) {
          const v = vBuf[i]!;
          if (v !== v && isStaleNaN(v)) {
            hasStale = true;
            break;
          }
        }
        this.loadedSamples += used - from;
        if (this.loadedSamples > this.opts.maxSamples) {
          throw new EvalError('query processing would load too many samples into memory in query execution', 'too_many_samples');
        }
        spans.push({ labels: s.labels, ts: tBuf, vs: vBuf, from, to: used, hasStale });
        // Clock reads and pauses per batch of samples, not per series: selectors of many short
        // series spent a good part of their time in them.
        sinceYield += used - from;
        if (sinceYield >= YIELD_SAMPLES) {
          sinceYield = 0;
          this.checkDeadline();
          yield;
        }
      }
      this.checkDeadline();
      for (const sp of spans) d.push({ labels: sp.labels, ts: sp.ts.subarray(sp.from, sp.to), vs: sp.vs.subarray(sp.from, sp.to), hasStale: sp.hasStale });
    } finally {
      q.close();
    }
    this.data.set(vs, d);
    return d;
  }

  /** A full-size load buffer, from the pool when there is one. */
  private block(): Float64Array {
    const b = this.pool !== null ? this.pool.take() : new Float64Array(LOAD_BLOCK);
    this.blocks.push(b);
    return b;
  }

  /**
   * Hands the load buffers back to the pool once nothing refers to them: the caller's result
   * holds none (only a matrix result has views into them). The evaluator is not used afterwards.
   */
  releaseBuffers(): void {
    this.data.clear();
    this.pool?.give(this.blocks);
    this.blocks.length = 0;
    this.stepTables.clear();
    this.cellPool?.give(this.taken);
    this.taken.length = 0;
  }

  /** Row buffers for the all-steps evaluation (StepGrid.cells), from the pool when there is one. */
  cells(n: number): Cells {
    if (this.cellPool === null) return { vs: new Float64Array(n), present: new Uint8Array(n) };
    const c = this.cellPool.take(n);
    this.taken.push(c);
    return c;
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
      case 'AggregateExpr': {
        const pre = this.interval > 0 ? this.stepResult(e, t) : null;
        return pre !== null ? { kind: 'vector', samples: pre } : evalAggregate(this, e, t);
      }
      case 'Call': {
        const memo = this.callMemo.get(e);
        if (memo !== undefined && memo.t === t) return memo.value;
        const pre = this.interval > 0 ? this.stepResult(e, t) : null;
        return pre !== null ? { kind: 'vector', samples: pre } : callFunction(this, e, t);
      }
    }
  }

  /** The whole range query's result computed over all steps at once, or null when the expression is not covered. */
  allSteps(e: Expr): StepSeries[] | null {
    return this.interval > 0 ? evalSteps(this, e) : null;
  }

  /** As allSteps, pausing (yield) every few dozen series of each node's loops. */
  *allStepsPaused(e: Expr): Generator<void, StepSeries[] | null> {
    return this.interval > 0 ? yield* evalStepsPaused(this, e) : null;
  }

  /**
   * A node's vector at a step of the range query, from its all-steps evaluation, or null. A
   * node's value at time t does not depend on where it is evaluated from, so subqueries whose
   * steps fall on the grid may use it too.
   */
  private stepResult(e: Call | AggregateExpr, t: number): Sample[] | null {
    const k = (t - this.start) / this.interval;
    if (!Number.isInteger(k) || k < 0 || t > this.end) return null;
    let table = this.stepTables.get(e);
    if (table === undefined) {
      table = null;
      const all = evalSteps(this, e);
      if (all !== null) {
        table = Array.from({ length: this.steps }, () => []);
        for (const s of all) {
          for (let i = 0; i < this.steps; i++) if (s.present[i] === 1) table[i]!.push({ labels: s.labels, t: this.start + i * this.interval, v: s.vs[i]! });
        }
      }
      this.stepTables.set(e, table);
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

  /**
   * Calls `f` for each series of a range selector with samples in its window (ref - range, ref]
   * at time t: the loaded arrays and the window's index range [from, to), read in place. A window
   * holding staleness markers comes as a copy without them.
   */
  forEachWindow(ms: MatrixSelector, t: number, f: (labels: Labels, ts: ArrayLike<number>, vs: ArrayLike<number>, from: number, to: number) => void): void {
    const vs = ms.vs as VectorSelector;
    const ref = (this.atTime(vs.at) ?? t) - vs.offset;
    const all = this.load(vs);
    const [a, b] = this.pieceOf(vs, all.length);
    for (let k = a; k < b; k++) {
      const s = all[k]!;
      const from = lastAtOrBefore(s.ts, ref - ms.range) + 1;
      const to = lastAtOrBefore(s.ts, ref) + 1;
      if (to <= from) continue;
      if (!s.hasStale) {
        f(s.labels, s.ts, s.vs, from, to);
        continue;
      }
      const w = withoutStale(s.ts, s.vs, from, to);
      if (w.ts.length > 0) f(s.labels, w.ts, w.vs, 0, w.ts.length);
    }
  }

  /** The index range of a selector's loaded series to read: one piece of them while evaluateInPieces runs, else all. */
  private pieceOf(vs: VectorSelector, n: number): [number, number] {
    const p = this.piece;
    return p !== null && p.vs === vs ? [p.from, p.to] : [0, n];
  }

  private rangeSelect(ms: MatrixSelector, t: number): RangeSeries[] {
    const vs = ms.vs as VectorSelector;
    const ref = (this.atTime(vs.at) ?? t) - vs.offset;
    const out: RangeSeries[] = [];
    const all = this.load(vs);
    const [a, b] = this.pieceOf(vs, all.length);
    for (let k = a; k < b; k++) {
      const s = all[k]!;
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
      const w = withoutStale(s.ts, s.vs, from, to);
      if (w.ts.length > 0) out.push({ labels: s.labels, ts: w.ts, vs: w.vs });
    }
    return out;
  }

  private subquery(sq: SubqueryExpr, t: number): RangeSeries[] {
    const memo = this.subqueryMemo.get(sq);
    if (memo !== undefined && memo.t === t) return memo.series;
    const g = this.subquerySteps(sq, t);
    let r = g.next();
    while (r.done !== true) r = g.next();
    return r.value;
  }

  /** A subquery's series at time t, pausing (yield) after each of its steps. */
  private *subquerySteps(sq: SubqueryExpr, t: number): Generator<void, RangeSeries[]> {
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
      yield;
    }
    return order;
  }

  /**
   * Does the long parts of evaluating `e` at time t ahead, handing the event loop back through
   * `slicer` (every few ms of work): reads every selector from storage and, when `subqueriesAt`
   * is given (an instant query's time), evaluates the subqueries not nested in another one and
   * range functions over many series in pieces. `eval` then finds them done. Without it an
   * instant query ran in one synchronous go, holding up ingest.
   */
  async prepareAsync(e: Expr, subqueriesAt: number | null, slicer: Slicer): Promise<void> {
    for (const node of this.windows.keys()) if (node.type === 'VectorSelector') await slicer.run(this.loading(node));
    if (subqueriesAt === null) return;
    for (const sq of outerSubqueries(e)) {
      const series = await slicer.run(this.subquerySteps(sq, subqueriesAt));
      this.subqueryMemo.set(sq, { t: subqueriesAt, series });
    }
    for (const call of piecewiseCalls(e)) {
      const value = await slicer.run(this.evaluateInPieces(call, subqueriesAt));
      if (value !== null) this.callMemo.set(call, { t: subqueriesAt, value });
    }
  }

  /**
   * A range function of a selector with many series (PER_SERIES_RANGE_FUNCTIONS) at time t,
   * evaluated over `callChunkSeries` of its series at a time with a pause (yield) after each
   * piece: the same vector as one call (the duplicate check runs over the whole), without
   * holding the event loop for the whole of a large instant query's main work. Null when the
   * selector has too few series to be worth it.
   */
  private *evaluateInPieces(call: Call, t: number): Generator<void, Value | null> {
    const ms = call.args.map(unwrapParens).find((a): a is MatrixSelector => a.type === 'MatrixSelector')!;
    const vs = ms.vs as VectorSelector;
    const n = this.load(vs).length;
    const size = Math.max(1, this.opts.callChunkSeries ?? CALL_CHUNK_SERIES);
    if (n <= size) return null;
    const out: Sample[] = [];
    for (let from = 0; from < n; from += size) {
      this.piece = { vs, from, to: Math.min(n, from + size) };
      try {
        const v = callFunction(this, call, t);
        if (v.kind !== 'vector') return null;
        for (const s of v.samples) out.push(s);
      } finally {
        this.piece = null;
      }
      this.checkDeadline();
      yield;
    }
    return uniqueVector(out);
  }
}

/** Samples [from, to) of a loaded series without its staleness markers, as arrays of their own. */
function withoutStale(ts: ArrayLike<number>, vs: ArrayLike<number>, from: number, to: number): { ts: number[]; vs: number[] } {
  const outT: number[] = [];
  const outV: number[] = [];
  for (let i = from; i < to; i++) {
    const v = vs[i]!;
    if (isStaleNaN(v)) continue;
    outT.push(ts[i]!);
    outV.push(v);
  }
  return { ts: outT, vs: outV };
}
