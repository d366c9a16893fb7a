// Aggregation operators over instant vectors, grouped by/without labels as in Prometheus.
import { sortLabels, type Label, type Labels } from '../../storage/index.js';
import type { AggregateExpr } from '../ast.js';
import type { Evaluator } from './evaluator.js';
import { projectLabels, setLabel, signature } from './labels.js';
import { formatNumber } from '../duration.js';
import { isValidLabelName } from '../quote.js';
import { ratioKeeps, ratioOffset } from './label-hash.js';
import { kahanMean as average, kahanSum, welfordVariance } from './kahan.js';
import { EvalError, type Sample, type Value } from './value.js';

interface Group {
  labels: Labels;
  samples: Sample[];
}

// Group of a label set per aggregation node, remembered across the steps of a range query.
const groupCache = new WeakMap<AggregateExpr, WeakMap<Labels, { labels: Label[]; key: string }>>();

/** The group a series with these labels falls in, for an aggregation node. */
export function groupOf(labels: Labels, e: AggregateExpr): { labels: Label[]; key: string } {
  let byLabels = groupCache.get(e);
  if (byLabels === undefined) groupCache.set(e, (byLabels = new WeakMap()));
  let g = byLabels.get(labels);
  if (g === undefined) {
    const gl = e.without ? projectLabels(labels, e.grouping, false) : projectLabels(labels, e.grouping, true);
    byLabels.set(labels, (g = { labels: gl, key: signature(gl) }));
  }
  return g;
}

/** The φ-quantile of values, interpolated as Prometheus does. */
export function quantile(q: number, values: ArrayLike<number>): number {
  if (values.length === 0) return NaN;
  if (Number.isNaN(q)) return NaN;
  if (q < 0) return -Infinity;
  if (q > 1) return Infinity;
  // NaN counts as the smallest value, as in Prometheus.
  const v = Array.from(values).sort((a, b) => (Number.isNaN(a) ? (Number.isNaN(b) ? 0 : -1) : Number.isNaN(b) ? 1 : a - b));
  const rank = q * (v.length - 1);
  const lower = Math.max(0, Math.floor(rank));
  const upper = Math.min(v.length - 1, lower + 1);
  const weight = rank - Math.floor(rank);
  return v[lower]! * (1 - weight) + v[upper]! * weight;
}

/** Running state of one group for the operators that need no list of values. */
interface Accumulator {
  readonly labels: Label[];
  sum: number;
  c: number;
  n: number;
  m: number;
}

/**
 * sum, count, group, min and max without collecting each group's samples: a range query runs
 * this at every step, and the per-step arrays were most of its cost.
 */
function streamAggregate(e: AggregateExpr, input: Sample[], t: number): Sample[] {
  const accs = new Map<string, Accumulator>();
  const order: Accumulator[] = [];
  const isMin = e.op === 'min';
  // No grouping labels: one group, found without a lookup per sample.
  const single = !e.without && e.grouping.length === 0 ? { labels: [] as Label[], key: '' } : null;
  for (const s of input) {
    const g = single ?? groupOf(s.labels, e);
    let a = accs.get(g.key);
    if (a === undefined) {
      a = { labels: g.labels, sum: 0, c: 0, n: 0, m: NaN };
      accs.set(g.key, a);
      order.push(a);
    }
    a.n++;
    const v = s.v;
    if (e.op === 'sum') {
      // kahanSumInc, inlined: no tuple per sample.
      const next = a.sum + v;
      if (!Number.isFinite(next) && !Number.isNaN(next)) a.c = 0;
      else if (Math.abs(a.sum) >= Math.abs(v)) a.c += a.sum - next + v;
      else a.c += v - next + a.sum;
      a.sum = next;
    } else if (e.op === 'min' || e.op === 'max') {
      if (Number.isNaN(a.m) || (isMin ? v < a.m : v > a.m)) a.m = v;
    }
  }
  const out: Sample[] = new Array(order.length);
  for (let i = 0; i < order.length; i++) {
    const a = order[i]!;
    let v: number;
    if (e.op === 'sum') v = Number.isFinite(a.sum) ? a.sum + a.c : a.sum;
    else if (e.op === 'count') v = a.n;
    else if (e.op === 'group') v = 1;
    else v = a.m;
    out[i] = { labels: a.labels, t, v };
  }
  return out;
}

/** topk's order: larger values first, NaN last. */
export function topkOrder(a: Sample, b: Sample): number {
  const x = b.v - a.v;
  if (Number.isNaN(a.v)) return Number.isNaN(b.v) ? 0 : 1;
  if (Number.isNaN(b.v)) return -1;
  return x;
}

/** bottomk's order: smaller values first, NaN last. */
export function bottomkOrder(a: Sample, b: Sample): number {
  const x = a.v - b.v;
  if (Number.isNaN(a.v)) return Number.isNaN(b.v) ? 0 : 1;
  if (Number.isNaN(b.v)) return -1;
  return x;
}

/**
 * The first k samples of a stable sort by `order` (equal ones keep input order; a NaN from the
 * order counts as equal, as Array.prototype.sort takes it). For a small k the k best are kept in
 * order while scanning once, instead of sorting the whole group; both give the same samples.
 */
export function firstK(samples: readonly Sample[], k: number, order: (a: Sample, b: Sample) => number): Sample[] {
  if (k * 8 >= samples.length) return samples.slice().sort(order).slice(0, k);
  const best: Sample[] = [];
  for (const s of samples) {
    if (best.length === k && !(order(s, best[k - 1]!) < 0)) continue;
    // After every kept sample that s does not precede: ties stay in input order.
    let lo = 0;
    let hi = best.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (order(s, best[mid]!) < 0) hi = mid;
      else lo = mid + 1;
    }
    best.splice(lo, 0, s);
    if (best.length > k) best.pop();
  }
  return best;
}

const STREAMED = new Set(['sum', 'count', 'group', 'min', 'max']);

export function evalAggregate(ev: Evaluator, e: AggregateExpr, t: number): Value {
  const input = ev.vector(e.expr, t);
  if (STREAMED.has(e.op)) return { kind: 'vector', samples: streamAggregate(e, input, t) };
  let param = NaN;
  let label = '';
  if (e.op === 'count_values') {
    const p = ev.eval(e.param!, t);
    if (p.kind !== 'string') throw new EvalError('count_values needs a string parameter');
    label = p.v;
    if (!isValidLabelName(label)) throw new EvalError(`invalid label name "${label}"`);
  } else if (e.param !== null) {
    param = ev.scalar(e.param, t);
    if (Number.isNaN(param) && (e.op === 'topk' || e.op === 'bottomk' || e.op === 'limitk')) throw new EvalError('Parameter value is NaN');
    if (Number.isNaN(param) && e.op === 'limit_ratio') throw new EvalError('Ratio value is NaN');
  }
  const order: Group[] = [];
  if (!e.without && e.grouping.length === 0) {
    // No grouping labels: one group of everything (no key per sample).
    if (input.length > 0) order.push({ labels: [], samples: input });
  } else {
    const groups = new Map<string, Group>();
    for (const s of input) {
      const { labels: gl, key: k } = groupOf(s.labels, e);
      let g = groups.get(k);
      if (g === undefined) {
        g = { labels: gl, samples: [] };
        groups.set(k, g);
        order.push(g);
      }
      g.samples.push(s);
    }
  }
  const out: Sample[] = [];
  for (const g of order) {
    const vals = g.samples.map((s) => s.v);
    switch (e.op) {
      case 'sum':
        out.push({ labels: g.labels, t, v: kahanSum(vals) });
        break;
      case 'avg':
        out.push({ labels: g.labels, t, v: average(vals) });
        break;
      case 'count':
        out.push({ labels: g.labels, t, v: vals.length });
        break;
      case 'group':
        out.push({ labels: g.labels, t, v: 1 });
        break;
      case 'min':
      case 'max': {
        let best = NaN;
        for (const v of vals) {
          if (Number.isNaN(best) || (e.op === 'min' ? v < best : v > best)) best = v;
        }
        out.push({ labels: g.labels, t, v: best });
        break;
      }
      case 'stddev':
      case 'stdvar': {
        const variance = welfordVariance(vals);
        out.push({ labels: g.labels, t, v: e.op === 'stddev' ? Math.sqrt(variance) : variance });
        break;
      }
      case 'quantile':
        out.push({ labels: g.labels, t, v: quantile(param, vals) });
        break;
      case 'topk':
      case 'bottomk': {
        const k = Math.floor(param);
        if (!(k >= 1)) break;
        for (const s of firstK(g.samples, k, e.op === 'topk' ? topkOrder : bottomkOrder)) out.push({ labels: s.labels, t, v: s.v });
        break;
      }
      case 'limitk': {
        const k = Math.floor(param);
        for (const s of g.samples.slice(0, Math.max(0, k))) out.push({ labels: s.labels, t, v: s.v });
        break;
      }
      case 'limit_ratio': {
        const r = Math.max(-1, Math.min(1, param));
        for (const s of g.samples) {
          if (ratioKeeps(r, ratioOffset(s.labels))) out.push({ labels: s.labels, t, v: s.v });
        }
        break;
      }
      case 'count_values': {
        const counts = new Map<string, number>();
        for (const v of vals) {
          const key = formatNumber(v);
          counts.set(key, (counts.get(key) ?? 0) + 1);
        }
        for (const [value, n] of counts) out.push({ labels: sortLabels([...setLabel(g.labels, label, value)]), t, v: n });
        break;
      }
    }
  }
  return { kind: 'vector', samples: out };
}
