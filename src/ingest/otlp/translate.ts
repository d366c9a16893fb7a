// A decoded OTLP request → Prometheus series: names with unit and type suffixes (naming.ts),
// `job`/`instance` from the resource's service attributes, other resource attributes on one
// `target_info` series per resource, data point attributes as labels; gauges and sums as one
// sample, histograms as `_bucket{le}` (cumulative), `_sum`, `_count`, summaries as
// `{quantile}`, `_sum`, `_count`; delta sums and histograms added up into running totals.
// A data point that cannot be stored is refused whole (all its series) and counted, as OTLP's
// partial success asks; the rest of the request is kept.
import { sortLabels, type Label, type Labels, type MetricMetadata, type MetricType } from '../../storage/index.js';
import type { SampleBatch } from '../series-batch.js';
import { checkLabelName, checkLabelValue, checkMetricName, checkTimestamp, type ValidationLimits } from '../validate.js';
import type { DeltaTotals, DeltaTxn } from './delta.js';
import { FLAG_NO_RECORDED_VALUE, Kind, Temporality, type Attribute, type OtlpMetric, type OtlpRequest } from './model.js';
import { formatBound, labelName, metricName, promUnit, type NameKind } from './naming.js';
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

const IDENTIFYING = new Set(['service.name', 'service.namespace', 'service.instance.id']);

/** The job and instance labels of a resource, and its target_info labels (null when none). */
function resourceLabels(attrs: readonly Attribute[]): { base: Label[]; info: Label[] | null } {
  let name = '';
  let ns = '';
  let instance = '';
  const rest: Attribute[] = [];
  for (const a of attrs) {
    if (a.key === 'service.name') name = a.value;
    else if (a.key === 'service.namespace') ns = a.value;
    else if (a.key === 'service.instance.id') instance = a.value;
    if (!IDENTIFYING.has(a.key)) rest.push(a);
  }
  const base: Label[] = [];
  if (name !== '') base.push({ name: 'job', value: ns !== '' ? `${ns}/${name}` : name });
  if (instance !== '') base.push({ name: 'instance', value: instance });
  const info = rest.length === 0 ? null : mergeLabels(attributeLabels(rest), base);
  return { base, info };
}

/**
 * Attributes as labels sorted by name: names sanitised, empty values dropped, and values whose
 * names collide joined with ';' in the order of their original keys (spec).
 */
function attributeLabels(attrs: readonly Attribute[]): Label[] {
  const named: { name: string; key: string; value: string }[] = [];
  for (const a of attrs) if (a.value !== '') named.push({ name: labelName(a.key), key: a.key, value: a.value });
  named.sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : x.key < y.key ? -1 : x.key > y.key ? 1 : 0));
  const out: Label[] = [];
  for (const n of named) {
    const last = out[out.length - 1];
    if (last !== undefined && last.name === n.name) out[out.length - 1] = { name: n.name, value: `${last.value};${n.value}` };
    else out.push({ name: n.name, value: n.value });
  }
  return out;
}

/** Sorted `a` with `over`'s labels added, replacing any of the same name. */
function mergeLabels(a: Label[], over: readonly Label[]): Label[] {
  if (over.length === 0) return a;
  const out = a.filter((l) => !over.some((o) => o.name === l.name));
  out.push(...over);
  return sortLabels(out) as Label[];
}

function checkLabels(labels: readonly Label[], limits: ValidationLimits): string | null {
  if (labels.length > limits.maxLabelsPerSeries) return `series has ${labels.length} labels, the limit is ${limits.maxLabelsPerSeries}`;
  for (const l of labels) {
    const p = checkLabelName(l.name, limits) ?? checkLabelValue(l.value, limits);
    if (p !== null) return `label ${JSON.stringify(l.name.slice(0, 60))}: ${p}`;
  }
  return null;
}

/** One series: the point's labels plus a name (and `le` / `quantile`). */
function series(common: readonly Label[], name: string, extra?: Label): Labels {
  const out: Label[] = [{ name: '__name__', value: name }];
  for (const l of common) if (extra === undefined || l.name !== extra.name) out.push(l);
  if (extra !== undefined) out.push(extra);
  return sortLabels(out);
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
    const resourceIndex = req.scopes[m.scope]!.resource;
    let stored = false;
    for (let i = m.from; i < m.to; i++) {
      if (o.skip !== undefined && o.skip.has(i)) {
        refused++;
        continue;
      }
      const t = p.time[i]!;
      const common = mergeLabels(attributeLabels(p.attributes[i]!), base);
      const problem = checkTimestamp(t, now, limits) ?? checkLabels(common, limits);
      if (problem !== null) {
        refuse(m, problem);
        continue;
      }
      const stale = (p.flags[i]! & FLAG_NO_RECORDED_VALUE) !== 0;
      const mark = out.n;
      if (m.kind === Kind.Gauge || m.kind === Kind.Sum) {
        let v = p.value[i]!;
        if (fam.delta && !stale) {
          values[0] = v;
          const r = txn.add(`${o.tenant}\u0000${fam.name}\u0000${JSON.stringify(common)}`, p.start[i]!, t, values, '');
          if (typeof r === 'string') {
            refuse(m, r);
            continue;
          }
          v = r[0]!;
        }
        out.push(series(common, fam.name), t, stale ? STALE_NAN : v, i);
      } else if (m.kind === Kind.Histogram) {
        if (!histogram(m, fam, i, common, t, stale, p, txn, o.tenant, out, refuse)) continue;
      } else {
        summary(fam.name, i, common, t, stale, p, out);
      }
      if (out.n > mark) stored = true;
      if (t > newest[resourceIndex]!) newest[resourceIndex] = t;
    }
    if (stored) {
      metadata.set(fam.name, { type: fam.type, help: m.description, unit: promUnit(m.unit, fam.type as NameKind) });
    }
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

function histogram(
  m: OtlpMetric,
  fam: Family,
  i: number,
  common: Label[],
  t: number,
  stale: boolean,
  p: OtlpRequest['points'],
  txn: DeltaTxn,
  tenant: string,
  out: SampleColumns,
  refuse: (m: OtlpMetric, why: string) => void,
): boolean {
  const nb = p.bTo[i]! - p.bFrom[i]!;
  const ne = p.eTo[i]! - p.eFrom[i]!;
  if (nb !== 0 && nb !== ne + 1) {
    refuse(m, `histogram point has ${nb} bucket counts for ${ne} explicit bounds; it needs ${ne + 1}`);
    return false;
  }
  // values: [sum, count, bucket counts...]
  const vals = new Float64Array(2 + nb);
  vals[0] = p.value[i]!;
  vals[1] = p.count[i]!;
  for (let j = 0; j < nb; j++) vals[2 + j] = p.counts[p.bFrom[i]! + j]!;
  let shape = '';
  for (let j = 0; j < ne; j++) shape += `${p.bounds[p.eFrom[i]! + j]},`;
  let cum: Float64Array = vals;
  if (fam.delta && !stale) {
    const r = txn.add(`${tenant}\u0000${fam.name}\u0000${JSON.stringify(common)}`, p.start[i]!, t, vals, shape);
    if (typeof r === 'string') {
      refuse(m, r);
      return false;
    }
    cum = r;
  }
  const v = (x: number) => (stale ? STALE_NAN : x);
  let acc = 0;
  // Without bucket counts only the +Inf bucket (the count) is known.
  for (let j = 0; nb > 0 && j < ne; j++) {
    acc += cum[2 + j]!;
    out.push(series(common, `${fam.name}_bucket`, { name: 'le', value: formatBound(p.bounds[p.eFrom[i]! + j]!) }), t, v(acc), i);
  }
  out.push(series(common, `${fam.name}_bucket`, { name: 'le', value: '+Inf' }), t, v(cum[1]!), i);
  if (p.hasSum[i] === 1) out.push(series(common, `${fam.name}_sum`), t, v(cum[0]!), i);
  out.push(series(common, `${fam.name}_count`), t, v(cum[1]!), i);
  return true;
}

function summary(name: string, i: number, common: Label[], t: number, stale: boolean, p: OtlpRequest['points'], out: SampleColumns): void {
  const v = (x: number) => (stale ? STALE_NAN : x);
  for (let j = p.bFrom[i]!; j < p.bTo[i]!; j++) {
    out.push(series(common, name, { name: 'quantile', value: formatBound(p.bounds[j]!) }), t, v(p.counts[j]!), i);
  }
  // SummaryDataPoint.sum is not optional: always there.
  out.push(series(common, `${name}_sum`), t, v(p.value[i]!), i);
  out.push(series(common, `${name}_count`), t, v(p.count[i]!), i);
}
