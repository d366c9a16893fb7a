import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Appender, Labels, MetricMetadata } from '../../storage/index.js';
import { OutOfBoundsError } from '../../storage/index.js';
import { nearestRank, StatsdAggregator } from './aggregator.js';
import { newStatsdLine, parseStatsdLine } from './parse.js';
import fc from 'fast-check';
import { testLimits } from '../validate-fixtures.js';

const limits = testLimits({ retentionMs: 0 });

/** An appender that keeps what it was given, as `name{k="v",...}` → value. */
class RecordingAppender implements Appender {
  readonly samples = new Map<string, number>();
  readonly meta = new Map<string, MetricMetadata>();
  ts = new Set<number>();
  refuse: ((key: string) => boolean) | null = null;
  append(labels: Labels, t: number, v: number): void {
    const key = `${labels.find((l) => l.name === '__name__')!.value}{${labels.filter((l) => l.name !== '__name__').map((l) => `${l.name}="${l.value}"`).join(',')}}`;
    if (this.refuse?.(key)) throw new OutOfBoundsError(`refused ${key}`);
    assert.ok(!this.samples.has(key), `${key} appended twice in one flush`);
    this.samples.set(key, v);
    this.ts.add(t);
  }
  appendRef(_ref: number, labels: Labels, t: number, v: number): number {
    this.append(labels, t, v);
    return 0;
  }
  setMetadata(name: string, meta: MetricMetadata): void {
    this.meta.set(name, meta);
  }
  get pending(): number {
    return this.samples.size;
  }
  commit(): Promise<void> {
    return Promise.resolve();
  }
  rollback(): void {}
}

function feed(agg: StatsdAggregator, ...lines: string[]): (string | null)[] {
  const l = newStatsdLine();
  return lines.map((text) => {
    const p = parseStatsdLine(text, l, limits);
    assert.equal(p, null, text);
    return agg.add(l);
  });
}

function flush(agg: StatsdAggregator, t = 1000): RecordingAppender {
  const app = new RecordingAppender();
  agg.flush(t, app);
  assert.deepEqual([...app.ts], app.samples.size > 0 ? [t] : []);
  return app;
}

const pick = (app: RecordingAppender, prefix: string) => Object.fromEntries([...app.samples].filter(([k]) => k.startsWith(prefix)));

test('counters are cumulative across flushes and scaled by the sample rate', () => {
  const agg = new StatsdAggregator({ buckets: [1], percentiles: [] });
  feed(agg, 'hits:1|c', 'hits:2|c|@0.5', 'hits:1|c|#route:/a', 'hits:1|c|#route:/a|@0.1');
  assert.deepEqual(pick(flush(agg), 'hits'), { 'hits{}': 5, 'hits{route="/a"}': 11 });
  feed(agg, 'hits:4|c');
  assert.deepEqual(pick(flush(agg, 2000), 'hits'), { 'hits{}': 9, 'hits{route="/a"}': 11 });
});

test('gauges: last value, +/- deltas from it, a plain value resets, sample rates ignored', () => {
  const agg = new StatsdAggregator({ buckets: [1], percentiles: [] });
  feed(agg, 'temp:10|g', 'temp:+5|g', 'temp:-3|g|@0.5', 'fresh:-4|g');
  assert.deepEqual(pick(flush(agg), ''), { 'temp{}': 12, 'fresh{}': -4 });
  assert.deepEqual(pick(flush(agg), ''), { 'temp{}': 12, 'fresh{}': -4 }, 'kept when nothing new arrives');
  feed(agg, 'temp:7|g', 'temp:+1.5|g');
  assert.deepEqual(pick(flush(agg), 'temp'), { 'temp{}': 8.5 });
});

test('timers become seconds; histograms and distributions stay as sent; buckets cumulative', () => {
  const agg = new StatsdAggregator({ buckets: [0.1, 1, 10], percentiles: [0.5, 0.9, 1] });
  feed(agg, 'lat:50|ms', 'lat:100|ms', 'lat:250|ms', 'lat:2000|ms', 'size:3|h', 'size:30|h', 'dist:0.5:20|d');
  const a = flush(agg);
  assert.deepEqual(pick(a, 'lat'), {
    'lat_bucket{le="0.1"}': 2,
    'lat_bucket{le="1"}': 3,
    'lat_bucket{le="10"}': 4,
    'lat_bucket{le="+Inf"}': 4,
    'lat_sum{}': 0.05 + 0.1 + 0.25 + 2,
    'lat_count{}': 4,
    'lat{quantile="0.5"}': 0.1,
    'lat{quantile="0.9"}': 2,
    'lat{quantile="1"}': 2,
  });
  assert.deepEqual(pick(a, 'size_bucket'), { 'size_bucket{le="0.1"}': 0, 'size_bucket{le="1"}': 0, 'size_bucket{le="10"}': 1, 'size_bucket{le="+Inf"}': 2 });
  assert.equal(a.samples.get('size_sum{}'), 33);
  assert.equal(a.samples.get('dist_count{}'), 2);
  assert.equal(a.samples.get('dist{quantile="0.5"}'), 0.5);
  assert.deepEqual(a.meta.get('lat')?.type, 'histogram');

  // Next interval: buckets, sum and count go on; quantiles only over the new observations.
  feed(agg, 'lat:5|ms');
  const b = flush(agg, 2000);
  assert.equal(b.samples.get('lat_bucket{le="0.1"}'), 3);
  assert.equal(b.samples.get('lat_count{}'), 5);
  assert.equal(b.samples.get('lat{quantile="0.9"}'), 0.005);
  // An interval without observations writes no quantiles.
  const c = flush(agg, 3000);
  assert.equal(c.samples.get('lat_count{}'), 5);
  assert.equal(c.samples.has('lat{quantile="0.9"}'), false);
});

test('a sampled timer counts 1/rate observations', () => {
  const agg = new StatsdAggregator({ buckets: [1], percentiles: [0.5] });
  feed(agg, 'lat:200|ms|@0.25');
  const a = flush(agg);
  assert.equal(a.samples.get('lat_count{}'), 4);
  assert.equal(a.samples.get('lat_bucket{le="1"}'), 4);
  assert.equal(a.samples.get('lat_sum{}'), 0.8);
  assert.equal(a.samples.get('lat{quantile="0.5"}'), 0.2);
});

test('sets count distinct members per interval', () => {
  const agg = new StatsdAggregator({ buckets: [1], percentiles: [] });
  feed(agg, 'users:alice|s', 'users:bob|s', 'users:alice|s', 'users:1|s|#app:x');
  assert.deepEqual(pick(flush(agg), 'users'), { 'users{}': 2, 'users{app="x"}': 1 });
  feed(agg, 'users:carol|s');
  assert.deepEqual(pick(flush(agg), 'users'), { 'users{}': 1, 'users{app="x"}': 0 });
});

test('tags in any order are one series; a name keeps its first type', () => {
  const agg = new StatsdAggregator({ buckets: [1], percentiles: [] });
  const problems = feed(agg, 'x:1|c|#a:1,b:2,c:3', 'x:1|c|#c:3,a:1,b:2', 'x:5|g', 'x:1|ms');
  assert.deepEqual(problems.slice(0, 2), [null, null]);
  assert.match(problems[2]!, /"x" was first sent as a counter, this line makes it a gauge/);
  assert.match(problems[3]!, /makes it a histogram/);
  assert.deepEqual(pick(flush(agg), 'x'), { 'x{a="1",b="2",c="3"}': 2 });
  assert.equal(agg.size, 1);
});

test('histogram tags named le or quantile give way to the histogram\'s own labels', () => {
  const agg = new StatsdAggregator({ buckets: [1], percentiles: [0.5] });
  feed(agg, 'h:1|h|#le:x,quantile:y,k:v');
  assert.deepEqual(Object.keys(pick(flush(agg), 'h')).sort(), ['h_bucket{k="v",le="+Inf"}', 'h_bucket{k="v",le="1"}', 'h_count{k="v"}', 'h_sum{k="v"}', 'h{k="v",quantile="0.5"}']);
});

test('storage refusals are counted and the rest of the flush is written', () => {
  const agg = new StatsdAggregator({ buckets: [1], percentiles: [] });
  feed(agg, 'a:1|c', 'b:1|c');
  const app = new RecordingAppender();
  app.refuse = (k) => k.startsWith('a{');
  const r = agg.flush(5, app);
  assert.deepEqual(r, { samples: 1, refused: 1, firstRefusal: 'refused a{}' });
  assert.deepEqual([...app.samples], [['b{}', 1]]);
});

test('metadata: counter, gauge, histogram; sets are gauges; announced once', () => {
  const agg = new StatsdAggregator({ buckets: [1], percentiles: [] });
  feed(agg, 'c1:1|c', 'g1:1|g', 't1:1|ms', 's1:a|s');
  const a = flush(agg);
  assert.deepEqual(Object.fromEntries([...a.meta].map(([k, m]) => [k, m.type])), { c1: 'counter', g1: 'gauge', t1: 'histogram', s1: 'gauge' });
  assert.equal(flush(agg).meta.size, 0);
});

test('nearest-rank quantiles', () => {
  const s = Float64Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  assert.equal(nearestRank(s, 0), 1);
  assert.equal(nearestRank(s, 0.5), 5);
  assert.equal(nearestRank(s, 0.9), 9);
  assert.equal(nearestRank(s, 0.91), 10);
  assert.equal(nearestRank(s, 1), 10);
  assert.equal(nearestRank(Float64Array.from([42]), 0.99), 42);
});

test('quantiles over a reservoir once an interval has more observations than kept', () => {
  const agg = new StatsdAggregator({ buckets: [1000], percentiles: [0, 1], maxIntervalValues: 100 });
  const l = newStatsdLine();
  for (let i = 1; i <= 1000; i++) {
    assert.equal(parseStatsdLine(`r:${i}|h`, l, limits), null);
    agg.add(l);
  }
  const a = flush(agg);
  assert.equal(a.samples.get('r_count{}'), 1000);
  assert.equal(a.samples.get('r_sum{}'), 500_500);
  const lo = a.samples.get('r{quantile="0"}')!;
  const hi = a.samples.get('r{quantile="1"}')!;
  assert.ok(lo >= 1 && hi <= 1000 && lo < hi);
});

test('--statsd-max-series: lines that would start a series beyond the limit are dropped, known series go on', () => {
  const agg = new StatsdAggregator({ buckets: [1], percentiles: [], maxSeries: 2 });
  const problems = feed(agg, 'a:1|c', 'b:1|c|#k:v', 'c:1|c', 'b:1|c|#k:w', 'a:2|c', 'b:3|c|#k:v');
  assert.deepEqual(problems.map((p) => p !== null), [false, false, true, true, false, false]);
  assert.match(problems[2]!, /"c" would start series number 3, above --statsd-max-series/);
  assert.deepEqual(pick(flush(agg), ''), { 'a{}': 3, 'b{k="v"}': 4 });
});

test('addText (with its cache of known line shapes) aggregates exactly as parse + add', () => {
  const line = fc.tuple(
    fc.constantFrom('a', 'b.c', 'd-e'),
    fc.oneof(fc.integer({ min: -5, max: 50 }).map(String), fc.constantFrom('+2', '-1.5', '1:2', 'x', '', 'u1', 'u2', '1e400')),
    fc.constantFrom('c', 'g', 'ms', 'h', 'd', 's'),
    fc.constantFrom('', '|@0.5', '|@0.25', '|@2'),
    fc.constantFrom('', '|#k:v', '|#k:w,flag', '|#z:1,k:v'),
  ).map(([n, v, t, r, tags]) => `${n}:${v}|${t}${r}${tags}`);
  fc.assert(
    fc.property(fc.array(line, { maxLength: 60 }), (lines) => {
      const slow = new StatsdAggregator({ buckets: [1, 10], percentiles: [0.5], maxSeries: 8 });
      const fast = new StatsdAggregator({ buckets: [1, 10], percentiles: [0.5], maxSeries: 8 });
      const a = newStatsdLine();
      const b = newStatsdLine();
      for (const text of lines) {
        const p = parseStatsdLine(text, a, limits);
        const slowProblem = p ?? (a.ignored ? null : slow.add(a));
        const fastProblem = fast.addText(text, b, limits);
        assert.equal(fastProblem, slowProblem, text);
        if (slowProblem === null) assert.equal(b.tagErrors, a.tagErrors, text);
      }
      const x = new RecordingAppender();
      const y = new RecordingAppender();
      slow.flush(1, x);
      fast.flush(1, y);
      assert.deepEqual([...y.samples], [...x.samples]);
    }),
    { numRuns: 500 },
  );
});
