// The PromQL engine's entry points: instant and range queries over a storage Querier, with
// Prometheus's result shapes.
import { compareLabels } from '../../storage/index.js';
import { cachedKey } from './labels.js';
import type { Expr } from '../ast.js';
import { parseExpr } from '../parser.js';
import { CellPool } from './cell-pool.js';
import { Evaluator, type EngineOptions, type QuerierFactory } from './evaluator.js';
import { LoadBufferPool } from './load-pool.js';
import { Slicer } from './slicer.js';
import type { StepSeries } from './range-eval.js';
import { EvalError, type RangeSeries, type RangeSeriesBuilder, type Value } from './value.js';

export const DEFAULT_ENGINE_OPTIONS: EngineOptions = {
  lookbackDeltaMs: 5 * 60_000,
  maxSamples: 50_000_000,
  subqueryStepMs: 60_000,
  timeoutMs: 120_000,
};

/** Load buffers the engine keeps between queries: 32 of 512 KB (two per 64K samples loaded at once). */
const POOLED_BUFFERS = 32;

export class Engine {
  readonly opts: EngineOptions;
  private readonly pool = new LoadBufferPool(POOLED_BUFFERS);
  /** Row buffers of range queries' all-steps evaluation, reused by the next queries. */
  private readonly cellPool = new CellPool();

  constructor(opts: Partial<EngineOptions> = {}) {
    this.opts = { ...DEFAULT_ENGINE_OPTIONS, ...opts };
  }

  /** Evaluates `query` at time t (ms). */
  instant(querier: QuerierFactory, query: string | Expr, t: number, timeoutMs = this.opts.timeoutMs): Value {
    const expr = typeof query === 'string' ? parseExpr(query) : query;
    const ev = new Evaluator({ ...this.opts, timeoutMs }, querier, t, t, 0, this.pool);
    let v: Value | null = null;
    try {
      ev.plan(expr, t, t);
      v = ev.eval(expr, t);
    } finally {
      v = detachAndRelease(ev, v);
    }
    return v!;
  }

  /**
   * As `instant`, but reads storage and evaluates subqueries handing the event loop back every
   * `sliceMs` of work, so a long instant query does not hold up ingest and other requests.
   */
  async instantAsync(querier: QuerierFactory, query: string | Expr, t: number, timeoutMs = this.opts.timeoutMs, sliceMs = 10): Promise<Value> {
    const expr = typeof query === 'string' ? parseExpr(query) : query;
    const ev = new Evaluator({ ...this.opts, timeoutMs }, querier, t, t, 0, this.pool);
    let v: Value | null = null;
    try {
      ev.plan(expr, t, t);
      await ev.prepareAsync(expr, t, new Slicer(sliceMs));
      v = ev.eval(expr, t);
    } finally {
      v = detachAndRelease(ev, v);
    }
    return v!;
  }

  /** The evaluator of a range query, planned for its whole window. */
  private prepareRange(querier: QuerierFactory, query: string | Expr, start: number, end: number, step: number, timeoutMs: number) {
    const expr = typeof query === 'string' ? parseExpr(query) : query;
    if (step <= 0) throw new EvalError('zero or negative query resolution step widths are not accepted. Try a positive integer');
    const ev = new Evaluator({ ...this.opts, timeoutMs }, querier, start, end, step, this.pool, this.cellPool);
    ev.plan(expr, start, end);
    return { expr, ev };
  }

  /**
   * As `range`, but hands the event loop back between steps every `sliceMs` of work, so a long
   * query does not hold up ingest and other requests.
   */
  async rangeAsync(
    querier: QuerierFactory,
    query: string | Expr,
    start: number,
    end: number,
    step: number,
    timeoutMs = this.opts.timeoutMs,
    sliceMs = 10,
  ): Promise<RangeSeries[]> {
    const { expr, ev } = this.prepareRange(querier, query, start, end, step, timeoutMs);
    // A range query's series are copies (number arrays): the load buffers are free afterwards.
    try {
      // Storage is read ahead with pauses; subqueries are not (a range query evaluates them at every step, between which it pauses).
      const slicer = new Slicer(sliceMs);
      await ev.prepareAsync(expr, null, slicer);
      const all = await slicer.run(ev.allStepsPaused(expr));
      if (all !== null) return toRangeSeries(all, start, step);
      const acc = new RangeAccumulator();
      for (let t = start; t <= end; t += step) {
        await slicer.pause();
        ev.checkDeadline();
        acc.add(ev.eval(expr, t), t);
      }
      return acc.result();
    } finally {
      ev.releaseBuffers();
    }
  }

  /** Evaluates `query` at start, start+step, ... <= end; series sorted by labels. */
  range(querier: QuerierFactory, query: string | Expr, start: number, end: number, step: number, timeoutMs = this.opts.timeoutMs): RangeSeries[] {
    const { expr, ev } = this.prepareRange(querier, query, start, end, step, timeoutMs);
    try {
      const all = ev.allSteps(expr);
      if (all !== null) return toRangeSeries(all, start, step);
      const acc = new RangeAccumulator();
      for (let t = start; t <= end; t += step) {
        ev.checkDeadline();
        acc.add(ev.eval(expr, t), t);
      }
      return acc.result();
    } finally {
      ev.releaseBuffers();
    }
  }
}

/**
 * An instant query's load buffers go back to the pool. A matrix result (a range selector) has
 * views into them: its points are copied out first (a few hundred per series, where a fresh
 * pair of load buffers is 1 MB to allocate and zero for every such query).
 */
function detachAndRelease(ev: Evaluator, v: Value | null): Value | null {
  if (v !== null && v.kind === 'matrix') {
    v = { kind: 'matrix', series: v.series.map((s) => ({ labels: s.labels, ts: copyOf(s.ts), vs: copyOf(s.vs) })) };
  }
  ev.releaseBuffers();
  return v;
}

function copyOf(a: ArrayLike<number>): ArrayLike<number> {
  return a instanceof Float64Array ? a.slice() : Array.from(a);
}

/** An all-steps result as the API's series: the present steps only, sorted by labels. */
function toRangeSeries(all: StepSeries[], start: number, step: number): RangeSeries[] {
  const out: RangeSeries[] = [];
  for (const s of all) {
    const ts: number[] = [];
    const vs: number[] = [];
    for (let k = 0; k < s.present.length; k++) {
      if (s.present[k] === 0) continue;
      ts.push(start + k * step);
      vs.push(s.vs[k]!);
    }
    out.push({ labels: s.labels, ts, vs });
  }
  return out.sort((a, b) => compareLabels(a.labels, b.labels));
}

/** Collects each step's result into series. */
class RangeAccumulator {
  private readonly bySeries = new Map<string, RangeSeriesBuilder>();

  add(v: Value, t: number): void {
    if (v.kind === 'matrix' || v.kind === 'string') {
      throw new EvalError(`invalid expression type "${v.kind === 'matrix' ? 'range vector' : 'string'}" for range query, must be Scalar or instant Vector`);
    }
    const samples = v.kind === 'scalar' ? [{ labels: [], t, v: v.v }] : v.samples;
    for (const s of samples) {
      const k = cachedKey(s.labels);
      let r = this.bySeries.get(k);
      if (r === undefined) this.bySeries.set(k, (r = { labels: s.labels, ts: [], vs: [] }));
      r.ts.push(t);
      r.vs.push(s.v);
    }
  }

  result(): RangeSeries[] {
    return [...this.bySeries.values()].sort((a, b) => compareLabels(a.labels, b.labels));
  }
}
