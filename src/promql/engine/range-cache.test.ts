// The range query cache against a real engine: whatever is written (live, late, imported),
// deleted, cut into blocks or compacted between queries, every answer with the cache equals the
// answer evaluated afresh.
import assert from 'node:assert/strict';
import test from 'node:test';
import fc from 'fast-check';
import { labelsFromRecord, Matcher, type SelectHints } from '../../storage/index.js';
import { openDb, tempDataDir } from '../../tsdb/db-test-fixtures.js';
import { parseExpr } from '../parser.js';
import { Engine } from './engine.js';
import { cacheable, RangeCache, type CacheOutcome, type CachedRangeSeries } from './range-cache.js';
import type { RangeSeries } from './value.js';

const S = 1000;
const MIN = 60 * S;
const T0 = 1_700_000_000_000;

const QUERIES = [
  'm',
  'sum(rate(m[2m]))',
  'max_over_time(m[90s])',
  'count by (s) (m)',
  'm offset 1m',
  'm offset -1m',
  'm @ end()',
  'avg_over_time(m[1m:15s])',
  'topk(1, m) * 2',
];

type Op =
  | { kind: 'advance'; ms: number }
  | { kind: 'live'; series: number; lagMs: number; v: number }
  | { kind: 'import'; series: number; agoMs: number; v: number }
  | { kind: 'delete'; series: number; agoMs: number; lenMs: number }
  | { kind: 'maintain' }
  | { kind: 'query'; q: number; window: number; step: number; phase: number; back: number };

/** Per run: two queries, windows, steps and phases its query ops choose from. */
const setup = fc.record({
  windows: fc.tuple(fc.integer({ min: 10 * MIN, max: 40 * MIN }), fc.integer({ min: 0, max: 30 * MIN })),
  queries: fc.tuple(fc.integer({ min: 0, max: QUERIES.length - 1 }), fc.integer({ min: 0, max: QUERIES.length - 1 })),
  steps: fc.tuple(fc.constantFrom(15 * S, 30 * S, 60 * S), fc.constantFrom(15 * S, 60 * S)),
  phases: fc.tuple(fc.constantFrom(0, 7 * S), fc.constantFrom(0, 11 * S)),
});

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 2 * MIN }) }) },
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('live' as const),
      series: fc.integer({ min: 0, max: 2 }),
      // Mostly live traffic a few seconds behind, sometimes minutes late (a change to settled times).
      lagMs: fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 0, max: 20 * S }) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 3 * MIN }) }),
      v: fc.integer({ min: 0, max: 100 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('import' as const),
      series: fc.integer({ min: 0, max: 3 }),
      agoMs: fc.integer({ min: 0, max: 40 * MIN }),
      v: fc.integer({ min: 0, max: 100 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('delete' as const),
      series: fc.integer({ min: 0, max: 2 }),
      agoMs: fc.integer({ min: 0, max: 30 * MIN }),
      lenMs: fc.integer({ min: 0, max: 10 * MIN }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('maintain' as const) }) }, // cuts (a worker each: slow) and compactions
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant('query' as const),
      // Which of the run's two queries, steps and phases: dashboards repeat theirs.
      q: fc.integer({ min: 0, max: 1 }),
      window: fc.constantFrom(0, 0, 0, 0, 0, 0, 1),
      // Mostly the first step and phase (dashboards repeat theirs), mostly ending now.
      step: fc.constantFrom(0, 0, 0, 0, 0, 0, 1),
      phase: fc.constantFrom(0, 0, 0, 0, 0, 0, 1),
      back: fc.constantFrom(0, 0, 0, 0, 0, 0, 0, 0, 3, 30),
    }),
  },
);

/** Answers as comparable data (NaN and -0 kept apart by their text). */
function plain(rs: RangeSeries[]) {
  return rs.map((s) => ({ labels: JSON.stringify(s.labels), ts: Array.from(s.ts), vs: Array.from(s.vs, (v) => (Object.is(v, -0) ? '-0' : String(v))) }));
}

// Some points print a character of two UTF-8 bytes, so byte offsets differ from char offsets.
const render = (t: number, v: number) => `;${t}=${Object.is(v, -0) ? '-0' : String(v)}${Math.abs(v) % 2 === 1 ? 'µ' : ''}`;

/** Each series as text: the points the cache handed over printed, the rest printed here. */
function printed(rs: CachedRangeSeries[]): string[] {
  return rs.map((s) => {
    let text = s.text?.toString('utf8') ?? '';
    for (let i = s.textPoints ?? 0; i < s.ts.length; i++) text += render(s.ts[i]!, s.vs[i]!);
    return text;
  });
}

test('cacheable: only queries whose steps read nothing after their own time', () => {
  for (const [q, want] of [
    ['sum(rate(m[5m]))', true],
    ['m offset 5m', true],
    ['m offset -5m', false],
    ['m @ 100', false],
    ['rate(m[5m] @ start())', false],
    ['max_over_time(m[10m:1m] offset -1m)', false],
    ['max_over_time(m[10m:1m] offset 1m)', true],
    ['time() - timestamp(m)', true],
  ] as const) {
    assert.equal(cacheable(parseExpr(q)), want, q);
  }
});

test('cached range answers equal fresh ones through late writes, imports, deletions, cuts and compactions', async () => {
  const outcomes = new Map<CacheOutcome, number>();
  await fc.assert(
    fc.asyncProperty(setup, fc.array(op, { minLength: 10, maxLength: 40 }), async (run, ops) => {
      const { dir, cleanup } = tempDataDir();
      let now = T0 + 60 * MIN;
      const db = await openDb(dir, { now: () => now, changeSettleMs: MIN, outOfOrderWindowMs: 20 * MIN, blockDurationMs: 10 * MIN });
      const engine = new Engine();
      const cache = new RangeCache(1 << 20, render, (o) => outcomes.set(o, (outcomes.get(o) ?? 0) + 1));
      const querier = (mint: number, maxt: number, hints?: SelectHints) => db.querier('default', mint, maxt, hints);
      const labels = [0, 1, 2, 3].map((i) => labelsFromRecord({ __name__: 'm', s: String(i) }));
      const query = async (text: string, o: { window: number; step: number; phase: number; back: number }) => {
        const expr = parseExpr(text);
        const step = run.steps[o.step]!;
        const end = now - (now % step) + run.phases[o.phase]! - o.back * step;
        const start = end - Math.floor(run.windows[o.window]! / step) * step;
        const fresh = await engine.rangeAsync(querier, expr, start, end, step);
        const cached = await cache.range(engine, querier, db.changes, 'default', expr, start, end, step);
        assert.deepEqual(plain(cached), plain(fresh), `${text} over [${start - T0}, ${end - T0}] step ${step}`);
        assert.deepEqual(printed(cached), printed(fresh));
      };
      try {
        // Some history first, so that the first queries have data.
        const seed = db.appender('default');
        for (let t = T0; t <= now; t += 15 * S) for (const ls of labels.slice(0, 3)) seed.append(ls, t, (t / S) % 97);
        await seed.commit();
        for (const o of ops) {
          switch (o.kind) {
            case 'advance':
              now += o.ms;
              break;
            case 'live':
            case 'import': {
              const app = db.appender('default', { backfill: o.kind === 'import' });
              app.append(labels[o.series]!, o.kind === 'live' ? now - o.lagMs : now - o.agoMs, o.v);
              await app.commit().catch(() => {}); // refusals (too late) store nothing
              break;
            }
            case 'delete':
              await db.deleteSeries('default', [new Matcher('=', 's', String(o.series))], now - o.agoMs, now - o.agoMs + o.lenMs);
              break;
            case 'maintain':
              await db.maintain();
              break;
            case 'query':
              await query(QUERIES[run.queries[o.q]!]!, o);
              break;
          }
        }
        // A cacheable query twice at the end: whatever the ops were, the second is answered from
        // the cache's entry (hit or partial), so every run checks answers the cache held.
        const text = run.queries.map((i) => QUERIES[i]!).find((q) => cacheable(parseExpr(q))) ?? 'm';
        const last = { window: 0, step: 0, phase: 0, back: 3 };
        await query(text, last);
        await query(text, last);
      } finally {
        await db.close();
        cleanup();
      }
    }),
    { numRuns: 25 },
  );
  // The property means something only if the cache answered from its entries often: at least
  // the repeated query that ends each of the 25 runs.
  assert.ok((outcomes.get('hit') ?? 0) + (outcomes.get('partial') ?? 0) >= 25, JSON.stringify([...outcomes]));
  assert.ok((outcomes.get('uncacheable') ?? 0) > 0);
});

test('a repeated query with its window moved on evaluates only the unsettled steps', async () => {
  const { dir, cleanup } = tempDataDir();
  let now = T0 + 60 * MIN;
  const db = await openDb(dir, { now: () => now, changeSettleMs: 5 * MIN });
  try {
    const ls = labelsFromRecord({ __name__: 'c_total' });
    const app = db.appender('default');
    for (let t = T0; t <= now; t += 10 * S) app.append(ls, t, t / S);
    await app.commit();
    let loaded = 0;
    const querier = (mint: number, maxt: number, hints?: SelectHints) => {
      loaded++;
      // The range each evaluation reads: the second one starts within the last 5 min + the rate's range.
      ranges.push([mint, maxt]);
      return db.querier('default', mint, maxt, hints);
    };
    const ranges: [number, number][] = [];
    const engine = new Engine();
    const outcomes: CacheOutcome[] = [];
    const cache = new RangeCache(1 << 20, render, (o) => outcomes.push(o));
    const expr = parseExpr('rate(c_total[1m])');
    const a = await cache.range(engine, querier, db.changes, 'default', expr, now - 30 * MIN, now, 15 * S);
    now += 30 * S;
    const b = await cache.range(engine, querier, db.changes, 'default', expr, now - 30 * MIN, now, 15 * S);
    assert.deepEqual(outcomes, ['miss', 'partial']);
    assert.equal(loaded, 2);
    assert.ok(ranges[1]![0] >= now - 30 * S - 5 * MIN - 2 * MIN, `second read starts at now-${(now - ranges[1]![0]) / S}s`);
    assert.equal(a[0]!.ts.length, 121);
    assert.equal(b[0]!.ts.length, 121);
    assert.ok(cache.bytes > 0);
  } finally {
    await db.close();
    cleanup();
  }
});
