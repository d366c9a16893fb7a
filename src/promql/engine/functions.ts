// Function calls: evaluates arguments and applies the function, dropping the metric name where
// Prometheus does.
import { compareLabels, sortLabels, type Label, type Labels } from '../../storage/index.js';
import { unwrapParens as unwrap, type Call, type Expr, type MatrixSelector, type SubqueryExpr, type VectorSelector } from '../ast.js';
import { isValidLabelName } from '../quote.js';
import { compileRe2 } from '../re2.js';
import type { Evaluator } from './evaluator.js';
import { histogramFraction, histogramQuantile, histogramQuantiles } from './histogram.js';
import { dropName, oneName, setLabel } from './labels.js';
import { extrapolatedRate, instantRate, linearRegression, OVER_TIME, type Window } from './range-functions.js';
import { EvalError, uniqueVector, type RangeSeries, type Sample, type Value } from './value.js';

const MATH: Record<string, (v: number) => number> = {
  abs: Math.abs,
  ceil: Math.ceil,
  floor: Math.floor,
  exp: Math.exp,
  ln: Math.log,
  log2: Math.log2,
  log10: Math.log10,
  sqrt: Math.sqrt,
  sgn: (v) => (v > 0 ? 1 : v < 0 ? -1 : v),
  sin: Math.sin,
  cos: Math.cos,
  tan: Math.tan,
  asin: Math.asin,
  acos: Math.acos,
  atan: Math.atan,
  sinh: Math.sinh,
  cosh: Math.cosh,
  tanh: Math.tanh,
  asinh: Math.asinh,
  acosh: Math.acosh,
  atanh: Math.atanh,
  deg: (v) => (v * 180) / Math.PI,
  rad: (v) => (v * Math.PI) / 180,
};

const DATE: Record<string, (d: Date) => number> = {
  day_of_month: (d) => d.getUTCDate(),
  day_of_week: (d) => d.getUTCDay(),
  day_of_year: (d) => Math.floor((d.getTime() - Date.UTC(d.getUTCFullYear(), 0, 1)) / 86_400_000) + 1,
  days_in_month: (d) => new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate(),
  hour: (d) => d.getUTCHours(),
  minute: (d) => d.getUTCMinutes(),
  month: (d) => d.getUTCMonth() + 1,
  year: (d) => d.getUTCFullYear(),
};

/** The window (start, end] a range-vector argument was taken over at time t. */
function windowOf(ev: Evaluator, e: Expr, t: number): Window {
  const x = unwrap(e);
  if (x.type === 'MatrixSelector') {
    const vs = (x as MatrixSelector).vs as VectorSelector;
    const ref = (ev.resolveAt(vs.at) ?? t) - vs.offset;
    return { start: ref - (x as MatrixSelector).range, end: ref };
  }
  if (x.type === 'SubqueryExpr') {
    const sq = x as SubqueryExpr;
    const ref = (ev.resolveAt(sq.at) ?? t) - sq.offset;
    return { start: ref - sq.range, end: ref };
  }
  throw new EvalError('expected a range vector argument');
}

function perSeries(series: RangeSeries[], t: number, keepName: boolean, f: (s: RangeSeries) => number | null): Sample[] {
  const out: Sample[] = [];
  for (const s of series) {
    const v = f(s);
    if (v === null) continue;
    out.push({ labels: keepName ? s.labels : dropName(s.labels), t, v });
  }
  return out;
}

function mapVector(samples: Sample[], f: (v: number, s: Sample) => number, keepName = false): Sample[] {
  return samples.map((s) => ({ labels: keepName ? s.labels : dropName(s.labels), t: s.t, v: f(s.v, s) }));
}

const vec = uniqueVector;

export function callFunction(ev: Evaluator, e: Call, t: number): Value {
  const name = e.func;
  const a = e.args;
  const math = MATH[name];
  if (math !== undefined) return vec(mapVector(ev.vector(a[0]!, t), math));
  const over = OVER_TIME[name];
  if (over !== undefined) {
    const args = a.slice(0, -1).map((x) => ev.scalar(x, t));
    const keep = name === 'last_over_time' || name === 'first_over_time';
    const arg = unwrap(a[a.length - 1]!);
    if (arg.type === 'MatrixSelector') {
      // A selector's windows, read in place in the loaded arrays.
      const out: Sample[] = [];
      ev.forEachWindow(arg, t, (labels, ts, vs, from, to) => {
        const v = over(ts, vs, from, to, args);
        if (v !== null) out.push({ labels: keep ? labels : dropName(labels), t, v });
      });
      // A selector's series are distinct; without their name still so when they all had the same one.
      return keep || oneName(ev.load(arg.vs as VectorSelector)) ? { kind: 'vector', samples: out } : vec(out);
    }
    const series = ev.matrix(arg, t);
    return vec(perSeries(series, t, keep, (s) => over(s.ts, s.vs, 0, s.ts.length, args)));
  }
  const date = DATE[name];
  if (date !== undefined) {
    if (a.length === 0) return { kind: 'vector', samples: [{ labels: [], t, v: date(new Date(t)) }] };
    return vec(mapVector(ev.vector(a[0]!, t), (v) => (Number.isNaN(v) ? NaN : date(new Date(v * 1000)))));
  }
  switch (name) {
    case 'rate':
    case 'increase':
    case 'delta': {
      const w = windowOf(ev, a[0]!, t);
      return vec(perSeries(ev.matrix(a[0]!, t), t, false, (s) => extrapolatedRate(s.ts, s.vs, w, name !== 'delta', name === 'rate')));
    }
    case 'irate':
    case 'idelta':
      return vec(perSeries(ev.matrix(a[0]!, t), t, false, (s) => instantRate(s.ts, s.vs, name === 'irate')));
    case 'deriv':
      return vec(perSeries(ev.matrix(a[0]!, t), t, false, (s) => (s.ts.length < 2 ? null : linearRegression(s.ts, s.vs, s.ts[0]!).slope)));
    case 'predict_linear': {
      const d = ev.scalar(a[1]!, t);
      return vec(
        perSeries(ev.matrix(a[0]!, t), t, false, (s) => {
          if (s.ts.length < 2) return null;
          const { slope, intercept } = linearRegression(s.ts, s.vs, t);
          return slope * d + intercept;
        }),
      );
    }
    case 'double_exponential_smoothing': {
      const sf = ev.scalar(a[1]!, t);
      const tf = ev.scalar(a[2]!, t);
      if (!(sf > 0 && sf < 1)) throw new EvalError(`invalid smoothing factor. Expected: 0 < sf < 1, got: ${sf}`);
      if (!(tf > 0 && tf < 1)) throw new EvalError(`invalid trend factor. Expected: 0 < tf < 1, got: ${tf}`);
      return vec(
        perSeries(ev.matrix(a[0]!, t), t, false, (s) => {
          const v = s.vs;
          if (v.length < 2) return null;
          let level = v[0]!;
          let trend = v[1]! - v[0]!;
          for (let i = 1; i < v.length; i++) {
            const prevLevel = level;
            level = sf * v[i]! + (1 - sf) * (level + trend);
            trend = tf * (level - prevLevel) + (1 - tf) * trend;
          }
          return level;
        }),
      );
    }
    case 'clamp': {
      const min = ev.scalar(a[1]!, t);
      const max = ev.scalar(a[2]!, t);
      if (max < min) return { kind: 'vector', samples: [] };
      return vec(mapVector(ev.vector(a[0]!, t), (v) => Math.max(min, Math.min(max, v))));
    }
    case 'clamp_min': {
      const min = ev.scalar(a[1]!, t);
      return vec(mapVector(ev.vector(a[0]!, t), (v) => Math.max(min, v)));
    }
    case 'clamp_max': {
      const max = ev.scalar(a[1]!, t);
      return vec(mapVector(ev.vector(a[0]!, t), (v) => Math.min(max, v)));
    }
    case 'round': {
      const to = a.length > 1 ? ev.scalar(a[1]!, t) : 1;
      const inv = 1 / to;
      return vec(mapVector(ev.vector(a[0]!, t), (v) => Math.floor(v * inv + 0.5) / inv));
    }
    case 'pi':
      return { kind: 'scalar', t, v: Math.PI };
    case 'time':
      return { kind: 'scalar', t, v: t / 1000 };
    case 'timestamp':
      return vec(timestamps(ev, a[0]!, t));
    case 'vector':
      return { kind: 'vector', samples: [{ labels: [], t, v: ev.scalar(a[0]!, t) }] };
    case 'scalar': {
      const v = ev.vector(a[0]!, t);
      return { kind: 'scalar', t, v: v.length === 1 ? v[0]!.v : NaN };
    }
    case 'sort':
    case 'sort_desc': {
      const v = ev.vector(a[0]!, t).slice();
      const sign = name === 'sort' ? 1 : -1;
      v.sort((x, y) => (Number.isNaN(x.v) ? 1 : Number.isNaN(y.v) ? -1 : sign * (x.v - y.v)));
      return { kind: 'vector', samples: v };
    }
    case 'sort_by_label':
    case 'sort_by_label_desc': {
      const v = ev.vector(a[0]!, t).slice();
      const names = a.slice(1).map((x) => stringArg(ev, x, t));
      const sign = name === 'sort_by_label' ? 1 : -1;
      v.sort((x, y) => {
        for (const n of names) {
          const c = collate(labelOf(x.labels, n), labelOf(y.labels, n));
          if (c !== 0) return sign * c;
        }
        // Ties keep a fixed order: by the whole label set, in the same direction.
        return sign * compareLabels(x.labels, y.labels);
      });
      return { kind: 'vector', samples: v };
    }
    case 'absent':
      return absent(ev.vector(a[0]!, t).length > 0, a[0]!, t);
    case 'absent_over_time':
      return absent(ev.matrix(a[0]!, t).length > 0, a[0]!, t);
    case 'label_replace':
      return vec(labelReplace(ev, a, t));
    case 'label_join':
      return vec(labelJoin(ev, a, t));
    case 'histogram_quantile':
      return vec(histogramQuantile(ev.scalar(a[0]!, t), ev.vector(a[1]!, t), t));
    case 'histogram_fraction':
      return vec(histogramFraction(ev.scalar(a[0]!, t), ev.scalar(a[1]!, t), ev.vector(a[2]!, t), t));
    case 'histogram_quantiles': {
      const label = stringArg(ev, a[1]!, t);
      return vec(histogramQuantiles(a.slice(2).map((x) => ev.scalar(x, t)), label, ev.vector(a[0]!, t), t));
    }
    case 'min_of':
    case 'max_of': {
      const x = ev.scalar(a[0]!, t);
      const y = ev.scalar(a[1]!, t);
      // Go's math.Min/Max: NaN wins.
      const v = Number.isNaN(x) || Number.isNaN(y) ? NaN : name === 'min_of' ? Math.min(x, y) : Math.max(x, y);
      return { kind: 'scalar', t, v };
    }
    case 'start':
      return { kind: 'scalar', t, v: ev.start / 1000 };
    case 'end':
      return { kind: 'scalar', t, v: ev.end / 1000 };
    case 'range':
      return { kind: 'scalar', t, v: (ev.end - ev.start) / 1000 };
    case 'step':
      return { kind: 'scalar', t, v: ev.interval / 1000 };
    default:
      throw new EvalError(`function "${name}" is not supported yet`);
  }
}

function stringArg(ev: Evaluator, e: Expr, t: number): string {
  const v = ev.eval(e, t);
  if (v.kind !== 'string') throw new EvalError('expected a string argument');
  return v.v;
}

function labelOf(labels: Labels, name: string): string {
  for (const l of labels) if (l.name === name) return l.value;
  return '';
}

/** Natural order: runs of digits compare as numbers ("4m5" < "4m600" < "4m1000"), as Prometheus's sort_by_label. */
function collate(a: string, b: string): number {
  const re = /(\d+)|(\D+)/g;
  const pa = a.match(re) ?? [];
  const pb = b.match(re) ?? [];
  for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
    const x = pa[i]!;
    const y = pb[i]!;
    if (x === y) continue;
    const dx = /^\d/.test(x);
    const dy = /^\d/.test(y);
    if (dx && dy) {
      const nx = BigInt(x);
      const ny = BigInt(y);
      if (nx !== ny) return nx < ny ? -1 : 1;
      continue;
    }
    return x < y ? -1 : 1;
  }
  return pa.length - pb.length;
}

function timestamps(ev: Evaluator, e: Expr, t: number): Sample[] {
  // timestamp() reports the time of the sample the selector found, not the evaluation time.
  const x = unwrap(e);
  if (x.type === 'VectorSelector') {
    return ev.instantSelectWithTimes(x, t).map((s) => ({ labels: dropName(s.labels), t, v: s.sampleT / 1000 }));
  }
  return ev.vector(e, t).map((s) => ({ labels: dropName(s.labels), t, v: s.t / 1000 }));
}

function absent(present: boolean, arg: Expr, t: number): Value {
  if (present) return { kind: 'vector', samples: [] };
  let x = unwrap(arg);
  if (x.type === 'MatrixSelector') x = x.vs;
  const labels: Label[] = [];
  if (x.type === 'VectorSelector') {
    const seen = new Map<string, number>();
    for (const m of x.matchers) seen.set(m.name, (seen.get(m.name) ?? 0) + 1);
    for (const m of x.matchers) {
      if (m.type === '=' && m.name !== '__name__' && seen.get(m.name) === 1) labels.push({ name: m.name, value: m.value });
    }
  }
  return { kind: 'vector', samples: [{ labels: sortLabels(labels), t, v: 1 }] };
}

function labelReplace(ev: Evaluator, a: Expr[], t: number): Sample[] {
  const dst = stringArg(ev, a[1]!, t);
  const repl = stringArg(ev, a[2]!, t);
  const src = stringArg(ev, a[3]!, t);
  const reText = stringArg(ev, a[4]!, t);
  let re: RegExp;
  try {
    re = compileRe2(reText);
  } catch (err) {
    throw new EvalError(`invalid regular expression in label_replace(): ${reText}`);
  }
  if (!isValidLabelName(dst)) throw new EvalError(`invalid destination label name in label_replace(): ${printable(dst)}`);
  return ev.vector(a[0]!, t).map((s) => {
    const m = re.exec(labelOf(s.labels, src));
    if (m === null) return s;
    const value = repl.replace(/\$(\$|\{(\w+)\}|(\w+))/g, (whole, dollar: string, braced?: string, bare?: string) => {
      if (dollar === '$') return '$';
      const key = braced ?? bare ?? '';
      const g = /^\d+$/.test(key) ? m[Number(key)] : m.groups?.[key];
      return g ?? '';
    });
    return { labels: setLabel(s.labels, dst, value), t: s.t, v: s.v };
  });
}

/** A string for an error message: bytes of invalid UTF-8 become U+FFFD, as Go's JSON encoder writes them. */
function printable(s: string): string {
  return s.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\ufffd');
}

function labelJoin(ev: Evaluator, a: Expr[], t: number): Sample[] {
  const dst = stringArg(ev, a[1]!, t);
  const sep = stringArg(ev, a[2]!, t);
  const srcs = a.slice(3).map((x) => stringArg(ev, x, t));
  for (const src of srcs) {
    if (!isValidLabelName(src)) throw new EvalError(`invalid source label name in label_join(): ${printable(src)}`);
  }
  if (!isValidLabelName(dst)) throw new EvalError(`invalid destination label name in label_join(): ${printable(dst)}`);
  return ev.vector(a[0]!, t).map((s) => ({
    labels: setLabel(s.labels, dst, srcs.map((n) => labelOf(s.labels, n)).join(sep)),
    t: s.t,
    v: s.v,
  }));
}
