// Translation rules on hand-written OTLP/JSON requests: delta running totals and their start-time
// checks, histogram and summary series, resource labels and target_info, attribute collisions,
// staleness, and the points refused (whole) with their reasons.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { labelsToRecord } from '../../storage/index.js';
import { decodeJsonRequest } from './decode-json.js';
import { DeltaTotals } from './delta.js';
import { translate, type Translated } from './translate.js';

const NOW = 1_700_000_100_000;
const limits = { maxMetricNameLength: 255, maxLabelNameLength: 128, maxLabelValueLength: 2048, maxLabelsPerSeries: 8, retentionMs: 86_400_000, maxFutureMs: 600_000 };
const ns = (ms: number) => `${ms}000000`;

function req(metrics: object[], resource: Record<string, string> = { 'service.name': 'api' }): Buffer {
  const attributes = Object.entries(resource).map(([key, v]) => ({ key, value: { stringValue: v } }));
  return Buffer.from(JSON.stringify({ resourceMetrics: [{ resource: { attributes }, scopeMetrics: [{ scope: { name: 'lib', version: '1' }, metrics }] }] }));
}

function run(body: Buffer, deltas = new DeltaTotals(100), promoteScope = false): Translated {
  const t = translate(decodeJsonRequest(body), { now: NOW, limits, tenant: 'default', deltas, promoteScope });
  t.txn.apply();
  return t;
}

/** Entries as `name{labels} value @t`. */
function rows(t: Translated): string[] {
  return t.labels.map((l, k) => {
    const r = labelsToRecord(l);
    const name = r['__name__'];
    delete r['__name__'];
    return `${name}${JSON.stringify(r)} ${t.vs[k]} @${t.ts[k]}`;
  });
}

const sum = (temporality: number, monotonic: boolean, points: object[]) => ({ name: 'jobs', unit: '{job}', sum: { aggregationTemporality: temporality, isMonotonic: monotonic, dataPoints: points } });
const T = NOW - 60_000;

test('delta sums become running totals; overlaps and repeats are refused, gaps accumulate', () => {
  const deltas = new DeltaTotals(100);
  let t = run(req([sum(1, true, [{ startTimeUnixNano: ns(T - 10_000), timeUnixNano: ns(T), asInt: 5 }])]), deltas);
  assert.deepEqual(rows(t), [`jobs_total{"job":"api"} 5 @${T}`]);
  t = run(req([sum(1, true, [{ startTimeUnixNano: ns(T), timeUnixNano: ns(T + 10_000), asInt: 3 }, { startTimeUnixNano: ns(T + 20_000), timeUnixNano: ns(T + 30_000), asDouble: 2 }])]), deltas);
  assert.deepEqual(rows(t), [`jobs_total{"job":"api"} 8 @${T + 10_000}`, `jobs_total{"job":"api"} 10 @${T + 30_000}`]);
  // Starts before the last end (overlap) and ends at the last end (repeat): both refused.
  t = run(req([sum(1, true, [{ startTimeUnixNano: ns(T + 25_000), timeUnixNano: ns(T + 40_000), asInt: 1 }, { startTimeUnixNano: ns(T + 20_000), timeUnixNano: ns(T + 30_000), asInt: 2 }])]), deltas);
  assert.deepEqual(rows(t), []);
  assert.equal(t.refused, 2);
  assert.match(t.messages[0]!, /overlaps the last point accumulated/);
  assert.match(t.messages[1]!, /is not after the last point accumulated/);
  // A staged but never applied transaction leaves the totals alone.
  const txn = translate(decodeJsonRequest(req([sum(1, true, [{ startTimeUnixNano: ns(T + 30_000), timeUnixNano: ns(T + 40_000), asInt: 100 }])])), { now: NOW, limits, tenant: 'default', deltas, promoteScope: false });
  assert.deepEqual(rows(txn), [`jobs_total{"job":"api"} 110 @${T + 40_000}`]);
  t = run(req([sum(1, true, [{ startTimeUnixNano: ns(T + 30_000), timeUnixNano: ns(T + 40_000), asInt: 1 }])]), deltas);
  assert.deepEqual(rows(t), [`jobs_total{"job":"api"} 11 @${T + 40_000}`]);
  // Another tenant or label set has its own total.
  t = run(req([sum(1, true, [{ timeUnixNano: ns(T + 40_000), asInt: 4, attributes: [{ key: 'q', value: { stringValue: 'x' } }] }])]), deltas);
  assert.deepEqual(rows(t), [`jobs_total{"job":"api","q":"x"} 4 @${T + 40_000}`]);
});

test('the delta series limit refuses new series with a message naming the flag', () => {
  const deltas = new DeltaTotals(2);
  const t = run(req([sum(1, true, [1, 2, 3].map((i) => ({ timeUnixNano: ns(T), asInt: i, attributes: [{ key: 'i', value: { intValue: i } }] })))]), deltas);
  assert.equal(t.samples, 2);
  assert.equal(t.refused, 1);
  assert.match(t.messages[0]!, /--otlp-delta-max-series/);
});

test('cumulative sums: monotonic → counter with _total, non-monotonic → gauge', () => {
  const t = run(req([sum(2, true, [{ timeUnixNano: ns(T), asInt: 7 }]), { ...sum(2, false, [{ timeUnixNano: ns(T), asDouble: -1.5 }]), name: 'queue' }]));
  assert.deepEqual(rows(t), [`jobs_total{"job":"api"} 7 @${T}`, `queue{"job":"api"} -1.5 @${T}`]);
  assert.deepEqual(t.metadata.get('jobs_total'), { type: 'counter', help: '', unit: '' });
  assert.deepEqual(t.metadata.get('queue'), { type: 'gauge', help: '', unit: '' });
});

test('histograms: cumulative _bucket{le}, _sum, _count; delta histograms accumulate; bound changes reset', () => {
  const h = (temporality: number, points: object[]) => ({ name: 'lat', unit: 's', description: 'Latency', histogram: { aggregationTemporality: temporality, dataPoints: points } });
  const deltas = new DeltaTotals(100);
  const p1 = { startTimeUnixNano: ns(T - 1000), timeUnixNano: ns(T), count: 3, sum: 1.5, bucketCounts: [1, 2, 0], explicitBounds: [0.1, 1] };
  let t = run(req([h(1, [p1])]), deltas);
  const want = (c: number[], s: number, n: number, at: number) => [
    `lat_seconds_bucket{"job":"api","le":"0.1"} ${c[0]} @${at}`,
    `lat_seconds_bucket{"job":"api","le":"1"} ${c[1]} @${at}`,
    `lat_seconds_bucket{"job":"api","le":"+Inf"} ${n} @${at}`,
    `lat_seconds_sum{"job":"api"} ${s} @${at}`,
    `lat_seconds_count{"job":"api"} ${n} @${at}`,
  ];
  assert.deepEqual(rows(t), want([1, 3], 1.5, 3, T));
  t = run(req([h(1, [{ ...p1, startTimeUnixNano: ns(T), timeUnixNano: ns(T + 1000), count: 2, sum: 5, bucketCounts: [0, 1, 1] }])]), deltas);
  assert.deepEqual(rows(t), want([1, 4], 6.5, 5, T + 1000));
  t = run(req([h(1, [{ ...p1, startTimeUnixNano: ns(T + 1000), timeUnixNano: ns(T + 2000), count: 1, sum: 0.5, bucketCounts: [1, 0], explicitBounds: [0.1] }])]), deltas);
  assert.deepEqual(rows(t).length, 4, 'new bounds: a fresh series state');
  assert.equal(t.vs[0], 1);
  assert.deepEqual(t.metadata.get('lat_seconds'), { type: 'histogram', help: 'Latency', unit: 'seconds' });
  t = run(req([h(2, [{ ...p1, bucketCounts: [1, 2] }])]));
  assert.equal(t.refused, 1);
  assert.match(t.messages[0]!, /2 bucket counts for 2 explicit bounds; it needs 3/);
});

test('summaries: {quantile}, _sum, _count', () => {
  const t = run(req([{ name: 'rpc', unit: 'ms', summary: { dataPoints: [{ timeUnixNano: ns(T), count: 10, sum: 99, quantileValues: [{ quantile: 0.5, value: 7 }, { quantile: 0.99, value: 20 }] }] } }]));
  assert.deepEqual(rows(t), [
    `rpc_milliseconds{"job":"api","quantile":"0.5"} 7 @${T}`,
    `rpc_milliseconds{"job":"api","quantile":"0.99"} 20 @${T}`,
    `rpc_milliseconds_sum{"job":"api"} 99 @${T}`,
    `rpc_milliseconds_count{"job":"api"} 10 @${T}`,
  ]);
});

test('resource: job from namespace/name, instance, target_info at the newest point; collisions joined by ;', () => {
  const g = { name: 'g', gauge: { dataPoints: [
    { timeUnixNano: ns(T), asInt: 1, attributes: [{ key: 'a_b', value: { stringValue: 'y' } }, { key: 'a.b', value: { stringValue: 'x' } }, { key: 'job', value: { stringValue: 'mine' } }, { key: 'empty', value: { stringValue: '' } }] },
    { timeUnixNano: ns(T + 5000), asInt: 2 },
  ] } };
  const t = run(req([g], { 'service.name': 'cart', 'service.namespace': 'shop', 'service.instance.id': 'i-1', 'host.name': 'h', 'k8s.pod.uid': 'u' }), new DeltaTotals(10), true);
  assert.deepEqual(rows(t), [
    `g{"a_b":"x;y","instance":"i-1","job":"shop/cart","otel_scope_name":"lib","otel_scope_version":"1"} 1 @${T}`,
    `g{"instance":"i-1","job":"shop/cart","otel_scope_name":"lib","otel_scope_version":"1"} 2 @${T + 5000}`,
    `target_info{"host_name":"h","instance":"i-1","job":"shop/cart","k8s_pod_uid":"u"} 1 @${T + 5000}`,
  ]);
  // Only identifying attributes: no target_info.
  assert.deepEqual(rows(run(req([g], { 'service.name': 'cart' }))).filter((r) => r.startsWith('target_info')), []);
});

test('refused points: out of range, too many labels, exponential histograms, nameless; staleness flag', () => {
  const many = Array.from({ length: 9 }, (_, i) => ({ key: `k${i}`, value: { stringValue: 'v' } }));
  const t = run(
    req([
      { name: 'g', gauge: { dataPoints: [{ timeUnixNano: ns(NOW - 2 * 86_400_000), asInt: 1 }, { timeUnixNano: ns(T), asInt: 2, attributes: many }, { timeUnixNano: ns(T), asInt: 3 }, { timeUnixNano: ns(T + 1), flags: 1 }] } },
      { name: 'e', exponentialHistogram: { aggregationTemporality: 2, dataPoints: [{}, {}] } },
      { name: '', gauge: { dataPoints: [{ timeUnixNano: ns(T), asInt: 1 }] } },
      { name: '...', gauge: { dataPoints: [{ timeUnixNano: ns(T), asInt: 1 }] } },
    ]),
  );
  assert.equal(t.points, 8);
  assert.equal(t.refused, 6);
  assert.deepEqual(rows(t).slice(0, 1), [`g{"job":"api"} 3 @${T}`]);
  assert.equal(new BigUint64Array(t.vs.buffer, t.vs.byteOffset + 8, 1)[0], 0x7ff0000000000002n, 'staleness marker');
  assert.match(t.messages.join('\n'), /older than the retention/);
  assert.match(t.messages.join('\n'), /series has 10 labels, the limit is 8/);
  assert.match(t.messages.join('\n'), /exponential histograms are not supported/);
  assert.match(t.messages.join('\n'), /metric has no name/);
  // As in Prometheus: a name with no letters or digits (and no unit) normalises to nothing and is refused, not stored as `_`.
  assert.match(t.messages.join('\n'), /\.\.\.: metric name "\.\.\." has no letters or digits/);
  assert.ok(!t.labels.some((l) => l[0]!.value === '_'), 'no series named _');
});
