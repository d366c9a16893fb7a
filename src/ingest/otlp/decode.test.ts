// Both hand-written decoders against protobufjs as the reference: random
// ExportMetricsServiceRequests encoded by protobufjs (binary) and by protobufjs's JSON mapping
// decode to exactly what the message holds; malformed and mutated input throws DecodeError only,
// and whatever decodes translates without throwing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodeJsonRequest } from './decode-json.js';
import { decodeProtoRequest } from './decode-proto.js';
import { DeltaTotals } from './delta.js';
import { DecodeError, Kind, type OtlpRequest } from './model.js';
import { ExportMetricsServiceRequest } from './otlp-proto-fixtures.js';
import { translate } from './translate.js';
import { testLimits } from '../validate-fixtures.js';

type AnyValue = { stringValue: string } | { boolValue: boolean } | { intValue: string } | { doubleValue: number } | { arrayValue: { values: AnyValue[] } } | { bytesValue: Uint8Array };

const anyValue: fc.Arbitrary<AnyValue> = fc.letrec<{ v: AnyValue }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small' },
    fc.string({ maxLength: 20 }).map((stringValue) => ({ stringValue })),
    fc.boolean().map((boolValue) => ({ boolValue })),
    fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map((b) => ({ intValue: b.toString() })),
    fc.double({ noNaN: true }).map((doubleValue) => ({ doubleValue })),
    fc.uint8Array({ maxLength: 6 }).map((bytesValue) => ({ bytesValue })),
    fc.array(tie('v'), { maxLength: 3 }).map((values) => ({ arrayValue: { values } })),
  ),
})).v;

/** What a label value of this AnyValue must be (json: inside an array). */
function expectString(v: AnyValue, json = false): string {
  if ('stringValue' in v) return json ? JSON.stringify(v.stringValue) : v.stringValue;
  if ('boolValue' in v) return String(v.boolValue);
  if ('intValue' in v) return BigInt(v.intValue).toString();
  if ('doubleValue' in v) return String(v.doubleValue);
  if ('bytesValue' in v) {
    const s = Buffer.from(v.bytesValue).toString('base64');
    return json ? JSON.stringify(s) : s;
  }
  return `[${v.arrayValue.values.map((e) => expectString(e, true)).join(',')}]`;
}

const keyValue = fc.record({ key: fc.string({ maxLength: 12 }), value: anyValue });
const attrs = fc.array(keyValue, { maxLength: 4 });
const nanos = fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map((b) => b.toString());
const count = fc.integer({ min: 0, max: 2 ** 40 });

const numberPoint = fc.record(
  {
    attributes: attrs,
    startTimeUnixNano: nanos,
    timeUnixNano: nanos,
    value: fc.oneof(fc.double().map((asDouble) => ({ asDouble })), fc.integer({ min: -(2 ** 52), max: 2 ** 52 }).map((asInt) => ({ asInt }))),
    flags: fc.nat(3),
  },
  { requiredKeys: ['attributes', 'timeUnixNano', 'value'] },
).map(({ value, ...p }) => ({ ...p, ...value }));
const histogramPoint = fc.record(
  {
    attributes: attrs,
    startTimeUnixNano: nanos,
    timeUnixNano: nanos,
    count,
    sum: fc.double(),
    bucketCounts: fc.array(count, { maxLength: 5 }),
    explicitBounds: fc.array(fc.double(), { maxLength: 4 }),
    flags: fc.nat(3),
  },
  { requiredKeys: ['attributes', 'timeUnixNano', 'count'] },
);
const summaryPoint = fc.record(
  {
    attributes: attrs,
    timeUnixNano: nanos,
    count,
    sum: fc.double(),
    quantileValues: fc.array(fc.record({ quantile: fc.double({ min: 0, max: 1 }), value: fc.double() }), { maxLength: 3 }),
  },
  { requiredKeys: ['attributes', 'timeUnixNano', 'count', 'sum'] },
);
const temporality = fc.constantFrom(0, 1, 2);

const metric = fc
  .record({
    name: fc.string({ maxLength: 20 }),
    description: fc.string({ maxLength: 10 }),
    unit: fc.constantFrom('', '1', 'ms', 'By', '{req}', 'By/s'),
    data: fc.oneof(
      fc.record({ gauge: fc.record({ dataPoints: fc.array(numberPoint, { maxLength: 3 }) }) }),
      fc.record({ sum: fc.record({ dataPoints: fc.array(numberPoint, { maxLength: 3 }), aggregationTemporality: temporality, isMonotonic: fc.boolean() }) }),
      fc.record({ histogram: fc.record({ dataPoints: fc.array(histogramPoint, { maxLength: 3 }), aggregationTemporality: temporality }) }),
      fc.record({ exponentialHistogram: fc.record({ dataPoints: fc.array(fc.uint8Array({ maxLength: 4 }), { maxLength: 3 }), aggregationTemporality: temporality }) }),
      fc.record({ summary: fc.record({ dataPoints: fc.array(summaryPoint, { maxLength: 3 }) }) }),
    ),
  })
  .map(({ data, ...m }) => ({ ...m, ...data }));

const request = fc.record({
  resourceMetrics: fc.array(
    fc.record({
      resource: fc.record({ attributes: attrs }),
      scopeMetrics: fc.array(fc.record({ scope: fc.record({ name: fc.string({ maxLength: 8 }), version: fc.string({ maxLength: 5 }) }), metrics: fc.array(metric, { maxLength: 3 }) }), { maxLength: 2 }),
    }),
    { maxLength: 2 },
  ),
});
type Req = typeof request extends fc.Arbitrary<infer T> ? T : never;

const ms = (n: string | undefined) => (n === undefined ? 0 : Number(BigInt(n) / 1_000_000n));
const sameNumber = (a: number, b: number) => Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b));

/** The decoded request as plain data (numbers compared with Object.is through deepEqual). */
function view(r: OtlpRequest) {
  const p = r.points;
  return {
    resources: r.resources.map((x) => x.attributes),
    scopes: r.scopes,
    metrics: r.metrics.map((m) => ({
      scope: m.scope,
      name: m.name,
      description: m.description,
      unit: m.unit,
      kind: m.kind,
      temporality: m.temporality,
      monotonic: m.monotonic,
      skipped: m.skipped,
      points: Array.from({ length: m.to - m.from }, (_, k) => {
        const i = m.from + k;
        return {
          attributes: p.attributes[i],
          start: p.start[i],
          time: p.time[i],
          value: p.value[i],
          count: p.count[i],
          flags: p.flags[i],
          hasSum: m.kind === Kind.Histogram ? p.hasSum[i] : undefined,
          counts: Array.from(p.counts.subarray(p.bFrom[i], p.bTo[i])),
          bounds: Array.from(p.bounds.subarray(p.eFrom[i], p.eTo[i])),
        };
      }),
    })),
  };
}

/** What the decoders must produce for a generated message. */
function expected(req: Req) {
  const resources: { key: string; value: string }[][] = [];
  const scopes: { resource: number; name: string; version: string }[] = [];
  const metrics: ReturnType<typeof view>['metrics'] = [];
  const kv = (a: { key: string; value: AnyValue }[]) => a.map((x) => ({ key: x.key, value: expectString(x.value) }));
  for (const rm of req.resourceMetrics) {
    resources.push(kv(rm.resource.attributes));
    for (const sm of rm.scopeMetrics) {
      scopes.push({ resource: resources.length - 1, ...sm.scope });
      for (const m of sm.metrics) {
        const base = { scope: scopes.length - 1, name: m.name, description: m.description, unit: m.unit };
        if ('gauge' in m || 'sum' in m) {
          const d = 'gauge' in m ? m.gauge : m.sum;
          metrics.push({
            ...base,
            kind: 'gauge' in m ? Kind.Gauge : Kind.Sum,
            temporality: 'sum' in m ? m.sum.aggregationTemporality : 0,
            monotonic: 'sum' in m ? m.sum.isMonotonic : false,
            skipped: 0,
            points: d.dataPoints.map((p) => ({
              attributes: kv(p.attributes),
              start: ms(p.startTimeUnixNano),
              time: ms(p.timeUnixNano),
              value: 'asDouble' in p ? (p.asDouble as number) : (p as { asInt: number }).asInt,
              count: 0,
              flags: p.flags ?? 0,
              hasSum: undefined,
              counts: [],
              bounds: [],
            })),
          });
        } else if ('histogram' in m) {
          metrics.push({
            ...base,
            kind: Kind.Histogram,
            temporality: m.histogram.aggregationTemporality,
            monotonic: false,
            skipped: 0,
            points: m.histogram.dataPoints.map((p) => ({
              attributes: kv(p.attributes),
              start: ms(p.startTimeUnixNano),
              time: ms(p.timeUnixNano),
              value: p.sum ?? 0,
              count: p.count,
              flags: p.flags ?? 0,
              hasSum: p.sum === undefined ? 0 : 1,
              counts: p.bucketCounts ?? [],
              bounds: p.explicitBounds ?? [],
            })),
          });
        } else if ('exponentialHistogram' in m) {
          metrics.push({ ...base, kind: Kind.ExponentialHistogram, temporality: m.exponentialHistogram.aggregationTemporality, monotonic: false, skipped: m.exponentialHistogram.dataPoints.length, points: [] });
        } else {
          metrics.push({
            ...base,
            kind: Kind.Summary,
            temporality: 0,
            monotonic: false,
            skipped: 0,
            points: m.summary.dataPoints.map((p) => ({
              attributes: kv(p.attributes),
              start: 0,
              time: ms(p.timeUnixNano),
              value: p.sum,
              count: p.count,
              flags: 0,
              hasSum: undefined,
              counts: (p.quantileValues ?? []).map((q) => q.value),
              bounds: (p.quantileValues ?? []).map((q) => q.quantile),
            })),
          });
        }
      }
    }
  }
  return { resources, scopes, metrics };
}

function assertSame(got: ReturnType<typeof view>, want: ReturnType<typeof view>): void {
  // deepEqual treats NaN as equal to NaN and -0 as distinct from 0, as the wire does.
  assert.deepEqual(got, want);
  void sameNumber;
}

const encode = (req: Req) => Buffer.from(ExportMetricsServiceRequest.encode(ExportMetricsServiceRequest.fromObject(req)).finish());
/** protobufjs's JSON mapping: int64 as strings, NaN/Infinity as strings, bytes as base64. */
const toJson = (req: Req) =>
  Buffer.from(JSON.stringify(ExportMetricsServiceRequest.toObject(ExportMetricsServiceRequest.decode(encode(req)), { longs: String, bytes: String, json: true })));

test('property: random requests encoded by protobufjs decode to what they hold (protobuf and JSON)', () => {
  fc.assert(
    fc.property(request, (req) => {
      const want = expected(req);
      assertSame(view(decodeProtoRequest(encode(req))), want);
      assertSame(view(decodeJsonRequest(toJson(req))), want);
    }),
    { numRuns: 300 },
  );
});

const limits = testLimits({ retentionMs: 0 });

function translateAll(r: OtlpRequest): void {
  const t = translate(r, { now: Date.now(), limits, tenant: 't', deltas: new DeltaTotals(1000), promoteScope: true });
  assert.ok(t.refused <= t.points);
  assert.equal(t.labels.length, t.samples);
}

test('fuzz: truncated, mutated and random protobuf throws DecodeError only; what decodes translates', () => {
  fc.assert(
    fc.property(
      request.chain((req) => {
        const good = encode(req);
        return fc.oneof(
          fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b)),
          fc.nat(good.length).map((n) => good.subarray(0, n)),
          fc.array(fc.tuple(fc.nat(Math.max(0, good.length - 1)), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }).map((m) => {
            const b = Buffer.from(good);
            for (const [i, v] of m) if (i < b.length) b[i] = v;
            return b;
          }),
        );
      }),
      (b) => {
        let r: OtlpRequest;
        try {
          r = decodeProtoRequest(b);
        } catch (e) {
          assert.ok(e instanceof DecodeError, String(e));
          return;
        }
        translateAll(r);
      },
    ),
    { numRuns: 2000 },
  );
});

test('fuzz: random and mutated JSON throws DecodeError only; what decodes translates', () => {
  const jsonValue = fc.jsonValue({ maxDepth: 4 });
  fc.assert(
    fc.property(
      fc.oneof(
        fc.string({ maxLength: 50 }).map((s) => Buffer.from(s)),
        jsonValue.map((v) => Buffer.from(JSON.stringify(v))),
        request.chain((req) => {
          const text = toJson(req).toString();
          return fc.tuple(fc.nat(text.length), fc.nat(text.length), fc.string({ maxLength: 8 })).map(([a, b, s]) => Buffer.from(text.slice(0, Math.min(a, b)) + s + text.slice(Math.max(a, b))));
        }),
        // Structurally valid, with a random value where a field should be.
        fc.tuple(jsonValue, fc.constantFrom('resourceMetrics', 'scopeMetrics', 'metrics', 'gauge', 'dataPoints', 'attributes', 'timeUnixNano', 'asInt', 'bucketCounts', 'value')).map(([v, k]) =>
          Buffer.from(
            JSON.stringify({ resourceMetrics: [{ scopeMetrics: [{ metrics: [{ name: 'x', gauge: { dataPoints: [{ timeUnixNano: '1', attributes: [{ key: 'a', value: { [k]: v } }], [k]: v }] } }] }] }] }),
          ),
        ),
      ),
      (b) => {
        let r: OtlpRequest;
        try {
          r = decodeJsonRequest(b);
        } catch (e) {
          assert.ok(e instanceof DecodeError, String(e));
          assert.ok(e.message.length > 0);
          return;
        }
        translateAll(r);
      },
    ),
    { numRuns: 2000 },
  );
});

test('JSON: enums by name, int64 as numbers or strings, snake_case names, hex ids in exemplars ignored', () => {
  const body = {
    resource_metrics: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'api' } }] },
        scopeMetrics: [
          {
            metrics: [
              {
                name: 'jobs',
                sum: {
                  aggregationTemporality: 'AGGREGATION_TEMPORALITY_CUMULATIVE',
                  isMonotonic: true,
                  dataPoints: [
                    { timeUnixNano: 1700000000123456789, asInt: '42', attributes: [{ key: 'n', value: { intValue: 7 } }], exemplars: [{ traceId: '5b8efff798038103d269b633813fc60c', spanId: 'eee19b7ec3c1b174', asDouble: 1 }] },
                    { time_unix_nano: '1700000001999999999', as_double: 'Infinity' },
                  ],
                },
              },
            ],
          },
        ],
      },
    ],
  };
  const r = decodeJsonRequest(Buffer.from(JSON.stringify(body)));
  assert.equal(r.metrics[0]!.temporality, 2);
  assert.equal(r.metrics[0]!.monotonic, true);
  assert.equal(r.points.value[0], 42);
  assert.equal(r.points.value[1], Infinity);
  assert.equal(r.points.time[1], 1700000001999);
  assert.deepEqual(r.points.attributes[0], [{ key: 'n', value: '7' }]);
  assert.deepEqual(r.resources[0]!.attributes, [{ key: 'service.name', value: 'api' }]);
  assert.throws(() => decodeJsonRequest(Buffer.from('{"resourceMetrics":{}}')), /resourceMetrics must be an array, got an object/);
  assert.throws(() => decodeJsonRequest(Buffer.from('{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"sum":{"aggregationTemporality":"SOMETIMES"}}]}]}]}')), /aggregationTemporality must be an AggregationTemporality/);
  assert.throws(() => decodeJsonRequest(Buffer.from('{"resourceMetrics":[')), /not valid JSON/);
});

test('JSON: null in any field is its default (protobuf JSON mapping), repeated fields included', () => {
  const body = {
    resourceMetrics: [
      {
        resource: { attributes: null, droppedAttributesCount: null },
        schemaUrl: null,
        scopeMetrics: [
          {
            scope: { name: null, version: null, attributes: null },
            metrics: [
              {
                name: 'g',
                unit: null,
                gauge: { dataPoints: [{ timeUnixNano: '1700000000000000000', asDouble: 2, attributes: null, exemplars: null, flags: null }] },
              },
              {
                name: 'h',
                histogram: { aggregationTemporality: 2, dataPoints: [{ timeUnixNano: '1700000000000000000', count: '1', sum: null, bucketCounts: null, explicitBounds: null, attributes: [{ key: 'a', value: { arrayValue: { values: null } } }] }] },
              },
            ],
          },
        ],
      },
    ],
  };
  const r = decodeJsonRequest(Buffer.from(JSON.stringify(body)));
  assert.deepEqual(r.resources[0]!.attributes, []);
  assert.equal(r.metrics.length, 2);
  assert.deepEqual(r.points.attributes[0], []);
  assert.equal(r.points.value[0], 2);
  assert.deepEqual(r.points.attributes[1], [{ key: 'a', value: '[]' }]);
  assert.equal(r.points.count[1], 1);
  assert.equal(r.points.hasSum[1], 0);
});

test('property: protobuf and JSON encodings of a request translate to the same series (label cache shared)', () => {
  const now = Date.now();
  const recent = fc.integer({ min: now - 3_600_000, max: now }).map((ms) => `${ms}000000`);
  const point = fc.record({ attributes: fc.array(fc.record({ key: fc.constantFrom('a', 'b', 'a.b', 'a_b', '1x'), value: fc.record({ stringValue: fc.constantFrom('', 'x', 'y') }) }), { maxLength: 3 }), timeUnixNano: recent, asDouble: fc.double({ noNaN: true, noDefaultInfinity: true }).map((v) => (Object.is(v, -0) ? 0 : v)) });
  // (-0 is left out: JSON.stringify writes it as 0, so the two encodings would really differ.)
  const req = fc.array(fc.record({ name: fc.constantFrom('g.one', 'g.two'), gauge: fc.record({ dataPoints: fc.array(point, { maxLength: 4 }) }) }), { maxLength: 3 }).map((metrics) => ({
    resourceMetrics: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 's' } }] }, scopeMetrics: [{ scope: { name: 'x', version: '' }, metrics }] }],
  }));
  fc.assert(
    fc.property(req, (r) => {
      const o = { now, limits, tenant: 't', deltas: new DeltaTotals(10), promoteScope: false };
      const a = translate(decodeProtoRequest(encode(r as unknown as Req)), o);
      const b = translate(decodeJsonRequest(Buffer.from(JSON.stringify(r))), o);
      assert.deepEqual(a.labels, b.labels);
      assert.deepEqual(Array.from(a.vs.subarray(0, a.samples)), Array.from(b.vs.subarray(0, b.samples)));
    }),
    { numRuns: 300 },
  );
});
