import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { ValidationLimits } from '../validate.js';
import { escapeName } from './name.js';
import { newStatsdLine, parseStatsdLine, type StatsdLine } from './parse.js';

const limits: ValidationLimits = {
  maxMetricNameLength: 255,
  maxLabelNameLength: 128,
  maxLabelValueLength: 2048,
  maxLabelsPerSeries: 8,
  retentionMs: 0,
  maxFutureMs: 600_000,
};

function parse(text: string): StatsdLine | string {
  const out = newStatsdLine();
  const problem = parseStatsdLine(text, out, limits);
  return problem ?? { ...out, values: [...out.values], tags: [...out.tags] };
}

const ok = (text: string): StatsdLine => {
  const r = parse(text);
  assert.ok(typeof r !== 'string', `${text}: ${r as string}`);
  return r;
};

test('names are escaped as statsd_exporter does', () => {
  assert.equal(escapeName('api.request-time'), 'api_request_time');
  assert.equal(escapeName('already_ok:x'), 'already_ok_x');
  assert.equal(escapeName('1st.metric'), '_1st_metric');
  assert.equal(escapeName('caf\u00e9'), 'caf__'); // é is 2 UTF-8 bytes
  assert.equal(escapeName('\u20ac'), '___'); // € is 3
  assert.equal(escapeName('\u{1F600}x'), '____x'); // an emoji is 4
  assert.equal(escapeName('plain_Name9'), 'plain_Name9');
});

test('each metric type, sample rates, gauge deltas, multi-values', () => {
  assert.deepEqual(ok('page.views:1|c'), { ...newStatsdLine(), name: 'page_views', type: 'c', values: [1] });
  const sampled = ok('hits:3|c|@0.25');
  assert.equal(sampled.sampleRate, 0.25);
  assert.deepEqual(sampled.values, [3]);
  assert.equal(ok('temp:-5|g').relative, true);
  assert.equal(ok('temp:+5|g').relative, true);
  assert.equal(ok('temp:5|g').relative, false);
  assert.deepEqual(ok('temp:-5|g').values, [-5]);
  assert.deepEqual(ok('lat:1.5e2|ms').values, [150]);
  assert.deepEqual(ok('size:1:2:3.5|h').values, [1, 2, 3.5]);
  assert.equal(ok('d1:7|d').type, 'd');
  const set = ok('users:alice|s');
  assert.equal(set.member, 'alice');
  assert.deepEqual(set.values, []);
});

test('DogStatsD tags: escaped keys, last duplicate wins, valueless and reserved tags dropped', () => {
  const l = ok('req:1|c|#env:prod,host.name:a:b,flag,empty:,env:dev,__name__:x');
  assert.deepEqual(l.tags, ['env', 'dev', 'host_name', 'a:b']);
  assert.equal(l.tagErrors, 3);
  const withExtras = ok('req:1|c|@0.5|#a:b|c:container123|T1656581400');
  assert.deepEqual(withExtras.tags, ['a', 'b']);
  assert.equal(withExtras.sampleRate, 0.5);
});

test('events and service checks are skipped, not malformed', () => {
  assert.equal(ok('_e{5,4}:title|text').ignored, true);
  assert.equal(ok('_sc|my.check|0').ignored, true);
});

test('malformed lines say what is wrong', () => {
  const bad: [string, RegExp][] = [
    ['noseparator', /no "name:value"/],
    [':1|c', /no "name:value"/],
    ['x:1', /no type/],
    ['x:1|q', /unknown metric type "q"/],
    ['x:abc|c', /not a finite decimal number/],
    ['x:|g', /not a finite decimal number/],
    ['x:1e400|g', /not a finite decimal number/],
    ['x:0x10|c', /not a finite decimal number/],
    ['x:-1|c', /negative increment/],
    ['x:1:2|c', /only timers, histograms/],
    ['x:1|c|@0', /sample rate/],
    ['x:1|c|@1.5', /sample rate/],
    ['x:1|c|@abc', /sample rate/],
    ['x:|s', /empty member/],
    ['x:1|c|zzz', /unknown section/],
    [`${'n'.repeat(300)}:1|c`, /metric name is 300 bytes, the limit is 255/],
    ['x:1|c|#a:1,b:2,c:3,d:4,e:5,f:6,g:7,h:8,i:9', /9 tags, the limit is 8/],
    [`x:1|c|#k:${'v'.repeat(3000)}`, /label value is 3000 bytes/],
  ];
  for (const [line, re] of bad) {
    const r = parse(line);
    assert.equal(typeof r, 'string', line);
    assert.match(r as string, re, line);
  }
});

/** Checks that a successful parse produced a metric the aggregator can use as is. */
function assertValid(line: string, l: StatsdLine): void {
  if (l.ignored) return;
  assert.match(l.name, /^[a-zA-Z_][a-zA-Z0-9_]*$/, line);
  assert.ok(l.name.length <= limits.maxMetricNameLength);
  assert.ok(l.sampleRate > 0 && l.sampleRate <= 1, line);
  if (l.type === 's') assert.ok(l.member.length > 0, line);
  else {
    assert.ok(l.values.length >= 1, line);
    for (const v of l.values) assert.ok(Number.isFinite(v), line);
    if (l.type === 'c') assert.ok(l.values[0]! >= 0, line);
  }
  assert.equal(l.tags.length % 2, 0);
  const keys = new Set<string>();
  for (let i = 0; i < l.tags.length; i += 2) {
    assert.match(l.tags[i]!, /^[a-zA-Z_][a-zA-Z0-9_]*$/, line);
    assert.ok(!l.tags[i]!.startsWith('__'), line);
    assert.ok(l.tags[i + 1]!.length > 0, line);
    assert.ok(!keys.has(l.tags[i]!), `duplicate tag key in ${line}`);
    keys.add(l.tags[i]!);
  }
}

const check = (line: string) => {
  const out = newStatsdLine();
  let problem: string | null;
  assert.doesNotThrow(() => void (problem = parseStatsdLine(line, out, limits)), line);
  if (problem! === null) assertValid(line, out);
  else assert.ok(typeof problem! === 'string' && problem!.length > 0);
};

test('fuzz: random strings never throw; each parses to a valid metric or is refused with a message', () => {
  fc.assert(fc.property(fc.string({ unit: 'grapheme', maxLength: 80 }), check), { numRuns: 3000 });
  fc.assert(fc.property(fc.string({ unit: fc.constantFrom(...'ab.:|#@,-+1.5e0gcmhsd_T\u00e9'.split('')), maxLength: 40 }), check), { numRuns: 5000 });
});

test('fuzz: mutations of good lines never throw; each parses or is refused with a message', () => {
  const good = fc.tuple(
    fc.stringMatching(/^[a-z][a-z0-9._-]{0,15}$/),
    fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }).map(String), fc.integer().map(String), fc.constant('+1'), fc.constant('-2.5')),
    fc.constantFrom('c', 'g', 'ms', 'h', 'd', 's'),
    fc.option(fc.double({ min: 0, max: 1.5, noNaN: true }).map((r) => `|@${r}`), { nil: '' }),
    fc.option(fc.array(fc.tuple(fc.stringMatching(/^[a-z_.]{0,6}$/), fc.string({ maxLength: 6 })).map(([k, v]) => `${k}:${v}`), { maxLength: 4 }).map((t) => `|#${t.join(',')}`), { nil: '' }),
  ).map(([n, v, t, r, tags]) => `${n}:${v}|${t}${r}${tags}`);
  const mutated = fc.tuple(good, fc.array(fc.tuple(fc.nat(), fc.constantFrom('del', 'dup', 'ins'), fc.constantFrom(':', '|', '#', '@', ',', '\u0000', '\u00ff', 'x', '-', '.')), { maxLength: 4 })).map(([line, muts]) => {
    let s = line;
    for (const [at, op, ch] of muts) {
      const i = s.length === 0 ? 0 : at % s.length;
      if (op === 'del') s = s.slice(0, i) + s.slice(i + 1);
      else if (op === 'dup') s = s.slice(0, i) + s.slice(i, i + 1) + s.slice(i);
      else s = s.slice(0, i) + ch + s.slice(i);
    }
    return s;
  });
  fc.assert(fc.property(good, check), { numRuns: 3000 });
  fc.assert(fc.property(mutated, check), { numRuns: 5000 });
});
