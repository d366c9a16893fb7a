// A decoded OTLP request → Prometheus series: names with unit and type suffixes (naming.ts),
// `job`/`instance` from the resource's service attributes, other resource attributes on one
// `target_info` series per resource, data point attributes as labels; gauges and sums as one
// sample, histograms as `_bucket{le}` (cumulative), `_sum`, `_count`, summaries as
// `{quantile}`, `_sum`, `_count`; delta sums and histograms added up into running totals.
// A data point that cannot be stored is refused whole (all its series) and counted, as OTLP's
// partial success asks; the rest of the request is kept.
import { labelsKey, type Label, type Labels, type MetricMetadata, type MetricType } from '../../storage/index.js';
import type { SampleBatch } from '../series-batch.js';
import { checkMetricName, checkTimestamp, type ValidationLimits } from '../validate.js';
import type { DeltaTotals, DeltaTxn } from './delta.js';
import { checkLabels, deltaKey, labelCache, mergeLabels, pointLabels, resourceLabels, series, type PointLabels } from './labels.js';
import { attributeKey, FLAG_NO_RECORDED_VALUE, Kind, Temporality, type OtlpMetric, type OtlpRequest, type Points } from './model.js';
import { formatBound, metricName, promUnit, type NameKind } from './naming.js';
import { SampleColumns } from './sample-columns.js';

/** Prometheus's staleness marker, written for points flagged "no recorded value". */
const STALE_NAN = new Float64Array(new BigUint64Array([0x7ff0000000000002n]).buffer)[0]!;

const MAX_MESSAGES = 5;

export interface TranslateOptions {
  readonly now: number;
  readonly limits: ValidationLimits;
  readonly tenant: string;
  readonly deltas: DeltaTotals;
  /** Add otel_scope_name / otel_scope_version labels. */
  readonly promoteScope: boolean;
  /** Point rows to leave out (refused by storage on an earlier attempt). */
  readonly skip?: ReadonlySet<number>;
}

export interface Translated extends SampleBatch {
  readonly ts: Float64Array;
  /** Float64Array: keeps the staleness marker's NaN payload. */
  readonly vs: Float64Array;
  /** The data point row each entry came from; -1 for target_info. */
  readonly pointOf: ArrayLike<number>;
  readonly metadata: Map<string, MetricMetadata>;
  /** Data points in the request (exponential histograms included). */
  readonly points: number;
  readonly refused: number;
  readonly samples: number;
  /** The first few reasons points were refused (and warnings). */
  readonly messages: string[];
  readonly txn: DeltaTxn;
}

interface Family {
  readonly name: string;
  readonly type: MetricType;
  readonly delta: boolean;
  readonly problem: string | null;
}

function familyOf(m: OtlpMetric, limits: ValidationLimits): Family {
  let kind: NameKind;
  let type: MetricType;
  let delta = false;
  let problem: string | null = null;
  switch (m.kind) {
    case Kind.Gauge:
      kind = type = 'gauge';
      break;
    case Kind.Sum:
      kind = type = m.monotonic ? 'counter' : 'gauge';
      delta = m.temporality === Temporality.Delta;
      if (m.temporality !== Temporality.Delta && m.temporality !== Temporality.Cumulative) problem = 'sum has no aggregation temporality (delta or cumulative)';
      break;
    case Kind.Histogram:
      kind = type = 'histogram';
      delta = m.temporality === Temporality.Delta;
      if (m.temporality !== Temporality.Delta && m.temporality !== Temporality.Cumulative) problem = 'histogram has no aggregation temporality (delta or cumulative)';
      break;
    default:
      kind = type = 'summary';
  }
  const name = metricName(m.name, m.unit, kind);
  if (m.name === '') problem = 'metric has no name';
  else if (name === '') problem = `metric name ${JSON.stringify(m.name.slice(0, 100))} has no letters or digits`;
  problem ??= checkMetricName(name, limits);
  return { name, type, delta, problem };
}

/**
 * Translates a decoded request; never throws on any input the decoders produce.
 * @example translate(decodeProtoRequest(body), { now: Date.now(), limits, tenant: 'default', deltas, promoteScope: false })
 */
export function translate(req: OtlpRequest, o: TranslateOptions): Translated {
  const { limits, now } = o;
  const p = req.points;
  const txn = o.deltas.begin(now);
  const out = new SampleColumns(Math.max(16, p.n * 2));
  const metadata = new Map<string, MetricMetadata>();
  const messages: string[] = [];
  let points = 0;
  let refused = 0;
  const refuse = (m: OtlpMetric, why: string, n = 1): void => {
    refused += n;
    if (messages.length < MAX_MESSAGES) messages.push(`${m.name.slice(0, 100) || '(unnamed)'}: ${why}`);
  };

  const resources = req.resources.map((r) => resourceLabels(r.attributes));
  const newest = new Float64Array(resources.length).fill(-1);
  const scopeBase = req.scopes.map((s) => {
    const base = resources[s.resource]!.base;
    if (!o.promoteScope) return base;
    const extra: Label[] = [];
    if (s.name !== '') extra.push({ name: 'otel_scope_name', value: s.name });
    if (s.version !== '') extra.push({ name: 'otel_scope_version', value: s.version });
    return mergeLabels(base.slice(), extra);
  });
  // The scope's labels as part of a point's cache key.
  const scopeKeys = scopeBase.map((b) => labelsKey(b));

  const values = new Float64Array(1);
  for (const m of req.metrics) {
    points += m.to - m.from + m.skipped;
    if (m.skipped > 0) refuse(m, 'exponential histograms are not supported (they would need native histograms); send explicit-bucket histograms', m.skipped);
    if (m.to === m.from) continue;
    const fam = familyOf(m, limits);
    if (fam.problem !== null) {
      refuse(m, fam.problem, m.to - m.from);
      continue;
    }
    const base = scopeBase[m.scope]!;
    const cache = labelCache(limits, `${m.kind === Kind.Histogram ? 'h' : 'n'}\u0000${fam.name}\u0000${scopeKeys[m.scope]!}`);
    const resourceIndex = req.scopes[m.scope]!.resource;
    let stored = false;
    for (let i = m.from; i < m.to; i++) {
      if (o.skip !== undefined && o.skip.has(i)) {
        refused++;
        continue;
      }
      const t = p.time[i]!;
      const attrs = p.attributes[i]!;
      const pl = pointLabels(cache, p.attributeKeys[i] || attributeKey(attrs), attrs, base, limits);
      const problem = checkTimestamp(t, now, limits) ?? pl.problem;
      if (problem !== null) {
        refuse(m, problem);
        continue;
      }
      const stale = (p.flags[i]! & FLAG_NO_RECORDED_VALUE) !== 0;
      if (m.kind === Kind.Gauge || m.kind === Kind.Sum) {
        let v = p.value[i]!;
        if (fam.delta && !stale) {
          values[0] = v;
          const r = txn.add(o.tenant + '\u0000' + deltaKey(fam.name, pl), p.start[i]!, t, values, '');
          if (typeof r === 'string') {
            refuse(m, r);
            continue;
          }
          v = r[0]!;
        }
        out.push((pl.number ??= series(pl.common, fam.name)), t, stale ? STALE_NAN : v, i);
      } else if (m.kind === Kind.Histogram) {
        const why = histogram(fam, i, pl, t, stale, p, txn, o.tenant, out);
        if (why !== null) {
          refuse(m, why);
          continue;
        }
      } else {
        summary(fam.name, i, pl.common, t, stale, p, out);
      }
      stored = true;
      if (t > newest[resourceIndex]!) newest[resourceIndex] = t;
    }
    if (stored) metadata.set(fam.name, { type: fam.type, help: m.description, unit: promUnit(m.unit, fam.type as NameKind) });
  }

  // One target_info sample per resource that had points stored, at its newest point's time.
  for (let r = 0; r < resources.length; r++) {
    const info = resources[r]!.info;
    if (info === null || newest[r]! < 0) continue;
    const problem = checkLabels(info, limits);
    if (problem !== null) {
      if (messages.length < MAX_MESSAGES) messages.push(`target_info not stored: ${problem}`);
      continue;
    }
    out.push(series(info, 'target_info'), newest[r]!, 1, -1);
    metadata.set('target_info', { type: 'gauge', help: 'Target metadata', unit: '' });
  }
  return { labels: out.labels, start: out.start(), ts: out.ts, vs: out.vs, pointOf: out.pointOf, metadata, points, refused, samples: out.n, messages, txn };
}

function sameBounds(a: Float64Array, b: Float64Array, from: number, n: number): boolean {
  if (a.length !== n) return false;
  for (let j = 0; j < n; j++) if (!Object.is(a[j], b[from + j])) return false;
  return true;
}

/** Appends a histogram point's series; returns why it is refused, or null. */
function histogram(fam: Family, i: number, pl: PointLabels, t: number, stale: boolean, p: Points, txn: DeltaTxn, tenant: string, out: SampleColumns): string | null {
  const nb = p.bTo[i]! - p.bFrom[i]!;
  const e0 = p.eFrom[i]!;
  const ne = p.eTo[i]! - e0;
  if (nb !== 0 && nb !== ne + 1) return `histogram point has ${nb} bucket counts for ${ne} explicit bounds; it needs ${ne + 1}`;
  // values: [sum, count, bucket counts...]
  const vals = new Float64Array(2 + nb);
  vals[0] = p.value[i]!;
  vals[1] = p.count[i]!;
  for (let j = 0; j < nb; j++) vals[2 + j] = p.counts[p.bFrom[i]! + j]!;
  let cum: Float64Array = vals;
  if (fam.delta && !stale) {
    let shape = '';
    for (let j = 0; j < ne; j++) shape += `${p.bounds[e0 + j]},`;
    const r = txn.add(tenant + '\u0000' + deltaKey(fam.name, pl), p.start[i]!, t, vals, shape);
    if (typeof r === 'string') return r;
    cum = r;
  }
  let h = pl.histogram;
  if (h === undefined || !sameBounds(h.bounds, p.bounds, e0, ne)) {
    const bucket = `${fam.name}_bucket`;
    const buckets: Labels[] = [];
    for (let j = 0; j < ne; j++) buckets.push(series(pl.common, bucket, { name: 'le', value: formatBound(p.bounds[e0 + j]!) }));
    buckets.push(series(pl.common, bucket, { name: 'le', value: '+Inf' }));
    h = pl.histogram = { bounds: p.bounds.slice(e0, e0 + ne), buckets, sum: series(pl.common, `${fam.name}_sum`), count: series(pl.common, `${fam.name}_count`) };
  }
  const v = (x: number) => (stale ? STALE_NAN : x);
  // Without bucket counts only the +Inf bucket (the count) is known.
  let acc = 0;
  for (let j = 0; nb > 0 && j < ne; j++) {
    acc += cum[2 + j]!;
    out.push(h.buckets[j]!, t, v(acc), i);
  }
  out.push(h.buckets[ne]!, t, v(cum[1]!), i);
  if (p.hasSum[i] === 1) out.push(h.sum, t, v(cum[0]!), i);
  out.push(h.count, t, v(cum[1]!), i);
  return null;
}

function summary(name: string, i: number, common: Label[], t: number, stale: boolean, p: Points, out: SampleColumns): void {
  const v = (x: number) => (stale ? STALE_NAN : x);
  for (let j = p.bFrom[i]!; j < p.bTo[i]!; j++) {
    out.push(series(common, name, { name: 'quantile', value: formatBound(p.bounds[j]!) }), t, v(p.counts[j]!), i);
  }
  // SummaryDataPoint.sum is not optional: always there.
  out.push(series(common, `${name}_sum`), t, v(p.value[i]!), i);
  out.push(series(common, `${name}_count`), t, v(p.count[i]!), i);
}
