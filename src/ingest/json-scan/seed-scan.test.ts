// Equivalence fuzz of the POST /metrics byte scanner against the JSON.parse path: valid
// documents in every form JSON allows, off-schema JSON and byte-mutated bodies must give the
// same accept/refuse decision, the same messages and the very same batch (value bits included).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodeSeedBody, decodeSeedText, type SeedDecodeResult } from '../seed-json/decode.js';
import type { ValidationLimits } from '../validate.js';
import { anyString, arr, bits, fromValue, mutation, numberToken, obj, raw, rng, str, timestampToken, write, type Node } from './json-fixtures.js';
import { predictedMetricAt, scanSeedBody } from './seed-scan.js';
import { testLimits } from '../validate-fixtures.js';

const NOW = 1_790_000_000_000;
const LIMITS = testLimits({ retentionMs: 86_400_000 });
const TIGHT: ValidationLimits = { maxMetricNameLength: 12, maxLabelNameLength: 6, maxLabelValueLength: 5, maxLabelsPerSeries: 2, retentionMs: 0, maxFutureMs: 600_000 };
const RUNS = Number(process.env.FUZZ_RUNS ?? 400);

function view(r: SeedDecodeResult): unknown {
  if (!r.ok) return r;
  const b = r.batch;
  return {
    labels: b.labels.map((l) => l.map((x) => [x.name, x.value])),
    start: Array.from(b.start),
    ts: bits(b.ts),
    vs: bits(b.vs),
    names: b.names,
    types: b.types,
    help: b.help,
    unit: b.unit,
  };
}

/** Decodes with the scanner twice (cache cold, then warm) and compares with the reference; returns whether the scanner answered. */
function same(body: Buffer, limits: ValidationLimits, max: number): { ok: boolean; fast: boolean } {
  const want = view(decodeSeedText(body, NOW, limits, max));
  let fast = false;
  for (let k = 0; k < 2; k++) {
    const got = decodeSeedBody(body, NOW, limits, max);
    fast = got.ok && got.fast;
    assert.deepStrictEqual(view(got), want, `body: ${JSON.stringify(body.toString('latin1'))}`);
  }
  return { ok: (want as { ok?: boolean }).ok !== false, fast };
}

// Weighted so that most generated metrics are valid, with every odd form still appearing.
const name = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('cpu_usage', 'memory_usage', 'requests_total', 'a:b_c', 'é_metric') },
  { weight: 3, arbitrary: fc.stringMatching(/^[a-z_][a-z0-9_]{0,14}$/) },
  { weight: 1, arbitrary: anyString },
);
const labelName = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('host', 'region', 'env', 'ünï') },
  { weight: 3, arbitrary: fc.stringMatching(/^[a-z][a-z0-9_]{0,7}$/) },
  { weight: 1, arbitrary: fc.oneof(fc.constantFrom('__name__', '__x', ''), anyString) },
);
const labelValue = fc.oneof({ weight: 6, arbitrary: fc.constantFrom('server1', 'us-east-1', '', 'é', '😀', 'a"b\\c/d') }, { weight: 3, arbitrary: anyString });
const value = fc.oneof({ weight: 3, arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }).map((v) => JSON.stringify(v)) }, { weight: 3, arbitrary: numberToken });

/** The wrong JSON type for a field now and then. */
const junk: fc.Arbitrary<Node> = fc.oneof(fc.constantFrom(raw('null'), raw('true'), raw('[]'), raw('{}'), str('x')), fc.jsonValue({ maxDepth: 2 }).map(fromValue));

function field<T>(good: fc.Arbitrary<T>, wrongRate: number): fc.Arbitrary<T | Node> {
  return fc.oneof({ weight: Math.round(100 * (1 - wrongRate)), arbitrary: good }, { weight: Math.round(100 * wrongRate), arbitrary: junk });
}

interface Gen {
  /** Only forms the fast path takes when the document is valid. */
  readonly plain: boolean;
  readonly wrong: number;
}

function metricArb(g: Gen): fc.Arbitrary<Node> {
  const entries = fc.record(
    {
      name: field(name.map(str), g.wrong),
      value: field(value.map(raw), g.wrong),
      type: field(fc.constantFrom('gauge', 'counter', 'histogram', 'summary', 'Gauge').map(str), g.wrong),
      tags: field(fc.array(fc.tuple(labelName, labelValue.map(str)), { maxLength: 5 }).map((e) => obj(e)), g.wrong),
      timestamp: field(fc.oneof(timestampToken(NOW).map(raw), fc.integer({ min: -3_600_000, max: 0 }).map((d) => str(new Date(NOW + d).toISOString()))), g.wrong),
      help: field(anyString.map(str), g.wrong),
      unit: field(anyString.map(str), g.wrong),
      other: fc.jsonValue({ maxDepth: 3 }).map(fromValue),
      dup: fc.constantFrom('name', 'value', 'tags', 'type', 'timestamp'),
    },
    { requiredKeys: ['name', 'value', 'dup'] },
  );
  return fc.tuple(entries, fc.integer()).map(([e, seed]) => {
    const r = rng(seed);
    const list: [string, Node][] = [];
    for (const k of ['name', 'value', 'type', 'tags', 'timestamp', 'help', 'unit', 'other'] as const) {
      const v = e[k];
      if (v !== undefined) list.push([k, v as Node]);
    }
    for (let i = list.length - 1; i > 0; i--) {
      const j = Math.floor(r() * (i + 1));
      [list[i], list[j]] = [list[j]!, list[i]!];
    }
    // A duplicate key, earlier, with another value: the last one wins.
    const d = list.find(([k]) => k === e.dup);
    if (d !== undefined && r() < 0.2) list.unshift([e.dup, r() < 0.5 ? raw('null') : str('shadowed')]);
    return obj(list);
  });
}

function docArb(g: Gen): fc.Arbitrary<Node> {
  return fc
    .tuple(fc.array(metricArb(g), { minLength: g.plain ? 1 : 0, maxLength: g.plain ? 4 : 8 }), fc.option(fc.jsonValue({ maxDepth: 2 }).map(fromValue)), fc.boolean())
    .map(([metrics, extra, before]) => {
      const e: [string, Node][] = [['metrics', arr(metrics)]];
      if (extra !== null) (before ? e.unshift.bind(e) : e.push.bind(e))(['extra', extra]);
      return obj(e);
    });
}

test('valid documents: same batch as JSON.parse + parseSeedBatch, on the fast path', () => {
  let fast = 0;
  let valid = 0;
  fc.assert(
    fc.property(docArb({ plain: true, wrong: 0 }), fc.integer(), fc.boolean(), (doc, seed, tight) => {
      const body = Buffer.from(write(doc, rng(seed)));
      const r = same(body, tight ? TIGHT : LIMITS, 1000);
      if (r.ok) {
        valid++;
        if (r.fast) fast++;
        else assert.fail(`valid body not on the fast path: ${body.toString()}`);
      }
    }),
    { numRuns: RUNS * 2 },
  );
  assert.ok(valid > RUNS / 4, `too few valid documents generated (${valid})`);
  assert.equal(fast, valid);
  if (process.env.FUZZ_VERBOSE) console.log(`${valid} valid documents of ${RUNS * 2}, all on the fast path`);
});

test('documents with wrong field types, off-schema JSON and batch limits: same answers', () => {
  fc.assert(
    fc.property(docArb({ plain: false, wrong: 0.15 }), fc.integer(), fc.integer({ min: 1, max: 10 }), (doc, seed, max) => {
      same(Buffer.from(write(doc, rng(seed))), LIMITS, max);
    }),
    { numRuns: RUNS },
  );
  fc.assert(
    fc.property(fc.jsonValue({ maxDepth: 4 }), fc.integer(), (v, seed) => {
      same(Buffer.from(write(fromValue(v), rng(seed))), LIMITS, 1000);
      same(Buffer.from(write(obj([['metrics', fromValue(v)]]), rng(seed))), LIMITS, 1000);
    }),
    { numRuns: RUNS },
  );
});

test('byte-mutated valid documents: same accept/refuse and the same messages', () => {
  fc.assert(
    fc.property(docArb({ plain: true, wrong: 0 }), fc.integer(), fc.array(mutation, { minLength: 1, maxLength: 3 }), (doc, seed, muts) => {
      let body: Buffer = Buffer.from(write(doc, rng(seed)));
      for (const mu of muts) body = mu(body);
      same(body, LIMITS, 1000);
    }),
    { numRuns: RUNS * 2 },
  );
});

test('edge cases by hand', () => {
  const cases = [
    '{"metrics":[{"name":"a","value":-0}]}',
    '{"metrics":[{"name":"a","value":1e999}]}',
    '{"metrics":[{"name":"a","value":01}]}',
    '{"metrics":[{"name":"a","value":1.}]}',
    '{"metrics":[{"name":"a","value":.5}]}',
    '{"metrics":[{"name":"a","value":+1}]}',
    '{"metrics":[{"name":"a","value":1}],}',
    '{"metrics":[{"name":"a","value":1},]}',
    '{"metrics":[{"name":"a","value":1}]}x',
    '\ufeff{"metrics":[{"name":"a","value":1}]}',
    ' \t\r\n{"metrics":[{"name":"a","value":1}]} \n',
    '{"metrics":[{"name":"a","value":1}],"metrics":[{"name":"b","value":2}]}',
    '{"metrics":[{"name":"a","value":1,"value":"x"}]}',
    '{"metrics":[{"name":"a","value":"x","value":2}]}',
    '{"metrics":[{"name":"a","value":1,"tags":{"h":"1","h":"2"}}]}',
    '{"metrics":[{"name":"a","value":1,"tags":{"h":"\\ud800"}}]}',
    '{"metrics":[{"name":"\\ud83d\\ude00","value":1,"tags":{"h":"\\u00e9"}}]}',
    '{"metrics":[{"n\\u0061me":"a","value":1}]}',
    '{"metrics":[{"name":"a","value":1,"tags":null}]}',
    '{"metrics":[{"name":"a","value":1,"tags":{"__proto__":"x"}}]}',
    '{"metrics":[{"name":"a","value":1,"__proto__":{"name":"b"}}]}',
    '{"metrics":[{"name":"a","value":1,"timestamp":"2026-09-21T10:00:00Z"}]}',
    '{"metrics":[{"name":"a","value":1,"timestamp":1.79e12}]}',
    '{"metrics":[{"name":"a","value":1,"type":"g\\u0061uge"}]}',
    '{"metrics":[{"name":"a","value":123456789012345678901234567890}]}',
    '{"metrics":[{"name":"a","value":1,"tags":{"x":"\xff\xfe"}}]}',
    '{"metrics":[]}',
    '{"metrics":{}}',
    '[]',
    '',
    'null',
  ];
  for (const c of cases) same(Buffer.from(c, 'latin1'), LIMITS, 1000);
  for (const c of cases) same(Buffer.from(c), LIMITS, 1000);
});

test('a repeated series gets the same frozen Labels object', () => {
  const body = Buffer.from('{"metrics":[{"name":"a","value":1,"tags":{"h":"x"}},{"name":"a","value":2,"tags":{"h":"x"}}]}');
  const b1 = scanSeedBody(body, NOW, LIMITS, 1000)!;
  const b2 = scanSeedBody(Buffer.from(body), NOW, LIMITS, 1000)!;
  assert.equal(b1.labels[0], b1.labels[1]);
  assert.equal(b1.labels[0], b2.labels[0]);
  assert.ok(Object.isFrozen(b1.labels[0]) && Object.isFrozen(b1.labels[0]![0]));
});

/** Series as the seed's clients write them: "name":N ... "tags":{...}. */
const seriesArb = fc.uniqueArray(fc.tuple(fc.constantFrom('cpu', 'mem', 'req_total', 'é_x'), fc.stringMatching(/^[a-z0-9-]{1,6}$/)), {
  minLength: 1,
  maxLength: 6,
  selector: ([n, h]) => `${n}/${h}`,
});

/** A metric of series s in the clients' key order: usually compact with a plain decimal, sometimes another form. */
const clientMetricArb = (series: [string, string][]) =>
  fc
    .tuple(
      fc.nat(series.length - 1),
      fc.oneof({ weight: 12, arbitrary: fc.integer({ min: -100000, max: 100000 }).map((x) => String(x / 100)) }, { weight: 1, arbitrary: numberToken }),
      fc.option(fc.oneof({ weight: 20, arbitrary: fc.constantFrom('gauge', 'counter', 'histogram', 'summary') }, { weight: 1, arbitrary: fc.constantFrom('Gauge', 'gauge2') })),
      fc.option(fc.oneof({ weight: 8, arbitrary: fc.integer({ min: -7_200_000, max: 60_000 }).map((d) => String(NOW + d)) }, { weight: 1, arbitrary: timestampToken(NOW) })),
      fc.oneof({ weight: 40, arbitrary: fc.constant('plain') }, { weight: 1, arbitrary: fc.constantFrom('spaced', 'no-tags', 'help', 'late') }),
    )
    .map(([k, v, type, t, form]) => {
      const [nm, host] = series[k]!;
      const tags = form === 'no-tags' ? '' : `,"tags":{"host":${JSON.stringify(host)},"region":"eu"}`;
      const ty = type === null ? '' : `,"type":"${type}"`;
      const ts = form === 'late' ? `,"timestamp":${NOW - 2 * 86_400_000}` : t === null ? '' : `,"timestamp":${t}`;
      const help = form === 'help' ? ',"help":"h"' : '';
      const s = `{"name":${JSON.stringify(nm)},"value":${v}${ty}${tags}${ts}${help}}`;
      return form === 'spaced' ? s.replace(/,"/g, ', "') : s;
    });

test('bodies in the clients\' key order (most metrics read by scanPredictedMetric): same answers, also byte-mutated', () => {
  let valid = 0;
  fc.assert(
    fc.property(
      seriesArb.chain((series) => fc.tuple(fc.constant(series), fc.array(clientMetricArb(series), { minLength: 1, maxLength: 30 }), fc.oneof({ weight: 3, arbitrary: fc.constant([]) }, { weight: 1, arbitrary: fc.array(mutation, { minLength: 1, maxLength: 1 }) }))),
      ([series, metrics, muts]) => {
        const all = [...series.map(([nm, host]) => `{"name":${JSON.stringify(nm)},"value":1,"type":"gauge","tags":{"host":${JSON.stringify(host)},"region":"eu"}}`), ...metrics];
        let body: Buffer = Buffer.from(`{"metrics":[${all.join(',')}]}`);
        for (const mu of muts) body = mu(body);
        if (same(body, LIMITS, 1000).ok && muts.length === 0) valid++;
      },
    ),
    { numRuns: RUNS },
  );
  assert.ok(valid > RUNS / 4, `too few valid bodies (${valid})`);
});

test('the series the label cache predicts is read in one go; other forms are left to the key-by-key scan', () => {
  const limits = { ...LIMITS };
  const m = (host: string, rest = '') => `{"name":"cpu","value":-12.5,"type":"counter","tags":{"host":"${host}"}${rest}}`;
  // Teaches the cache the order h1 -> h2 -> h1.
  for (let k = 0; k < 2; k++) assert.ok(scanSeedBody(Buffer.from(`{"metrics":[${m('h1')},${m('h2')}]}`), NOW, limits, 1000));
  const one = (s: string) => predictedMetricAt(Buffer.from(s), 0, NOW, limits);
  const got = one(m('h1', `,"timestamp":${NOW - 5}`));
  assert.ok(got !== null);
  assert.deepStrictEqual([got.labels.map((l) => [l.name, l.value]), got.type, got.t, got.v], [[['__name__', 'cpu'], ['host', 'h1']], 'counter', NOW - 5, -12.5]);
  assert.equal(one(m('h1'))!.t, NOW);
  for (const s of [
    m('h2'), // not the series predicted next
    m('h1', ',"help":"x"'),
    m('h1', `,"timestamp":${NOW + 3_600_000}`),
    m('h1', `,"timestamp":"2026-09-21T10:00:00Z"`),
    m('h1').replace('-12.5', '1e3'),
    m('h1').replace('-12.5', '012'),
    m('h1').replace('"counter"', '"Counter"'),
    m('h1').replace(',"tags"', ', "tags"'),
  ]) {
    assert.equal(one(s), null, s);
  }
});
