// PromQL over downsampled blocks: range queries with a coarse step read the 5m/1h copies for the
// functions whose answer the aggregates keep, give the answers raw data gives where the raw
// samples are the aggregates' own samples, and read far fewer samples.
import assert from 'node:assert/strict';
import test from 'node:test';
import { Engine, type RangeSeries } from '../src/promql/engine/index.js';
import { labelsFromRecord, type Querier, type SampleIterator, type SelectHints } from '../src/storage/index.js';
import { openDb, tempDataDir } from '../src/tsdb/db-test-fixtures.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const T0 = 1_700_000_000_000 - (1_700_000_000_000 % DAY);

/** A querier factory that counts the samples its series' iterators step over. */
function counting(inner: (mint: number, maxt: number, hints?: SelectHints) => Querier, useHints: boolean) {
  const seen = { samples: 0 };
  const factory = (mint: number, maxt: number, hints?: SelectHints): Querier => {
    const q = inner(mint, maxt, useHints ? hints : undefined);
    return {
      select: (m) =>
        [...q.select(m)].map((s) => ({
          labels: s.labels,
          iterator(): SampleIterator {
            const it = s.iterator();
            return {
              next: () => {
                const ok = it.next();
                if (ok) seen.samples++;
                return ok;
              },
              seek: (t) => it.seek(t),
              atT: () => it.atT(),
              atV: () => it.atV(),
            };
          },
        })),
      labelNames: (m) => q.labelNames(m),
      labelValues: (n, m) => q.labelValues(n, m),
      close: () => q.close(),
    };
  };
  return { factory, seen };
}

function plain(rs: RangeSeries[]): { labels: string; ts: number[]; vs: number[] }[] {
  return rs.map((s) => ({ labels: JSON.stringify(s.labels), ts: Array.from(s.ts), vs: Array.from(s.vs) }));
}

test('coarse-step range queries read the downsampled copies and answer as raw data does', async () => {
  const { dir, cleanup } = tempDataDir();
  const days = 4;
  try {
    const db = await openDb(dir, {
      blockDurationMs: 2 * HOUR,
      now: () => T0 + 40 * DAY,
      downsample: [
        { resolution: 5 * MIN, afterMs: 2 * DAY, retentionMs: 0 },
        { resolution: HOUR, afterMs: 14 * DAY, retentionMs: 0 },
      ],
    });
    // One sample at the end of every 5-minute window (minute 4, 9, …): the 5m copies then hold
    // the raw samples themselves, so every answer must match raw data exactly. A counter with
    // resets (one at a block boundary), and a gauge.
    const c = labelsFromRecord({ __name__: 'requests_total', job: 'a' });
    const g = labelsFromRecord({ __name__: 'temperature', job: 'a' });
    let counter = 0;
    const app = db.appender('default', { backfill: true });
    for (let k = 0; k < (days * DAY) / (5 * MIN); k++) {
      const t = T0 + k * 5 * MIN + 4 * MIN;
      counter = k % 97 === 0 || k === 24 ? (k % 5) : counter + ((k * 7) % 13);
      app.append(c, t, counter);
      app.append(g, t, Math.round(20 + 10 * Math.sin(k / 11) + ((k * 31) % 7)) / 10);
    }
    await app.commit();
    await db.maintain();
    assert.ok(db.blockMetas().some((m) => m.downsample?.resolution === 5 * MIN), 'the blocks have 5m copies');

    const engine = new Engine();
    const inner = (mint: number, maxt: number, hints?: SelectHints) => db.querier('default', mint, maxt, hints);
    const start = T0 + 6 * HOUR;
    const end = T0 + (days - 1) * DAY;
    for (const [query, step] of [
      ['increase(requests_total[1h])', 30 * MIN],
      ['rate(requests_total[30m])', 30 * MIN],
      ['resets(requests_total[2h])', HOUR],
      ['max_over_time(temperature[1h])', HOUR],
      ['min_over_time(temperature[30m])', 30 * MIN],
      ['sum_over_time(temperature[1h])', 30 * MIN],
      ['last_over_time(temperature[1h])', HOUR],
      ['sum(rate(requests_total[1h])) + 0 * sum(max_over_time(temperature[1h]))', HOUR],
    ] as const) {
      const raw = counting(inner, false);
      const coarse = counting(inner, true);
      const want = engine.range(raw.factory, query, start, end, step);
      const got = engine.range(coarse.factory, query, start, end, step);
      assert.ok(want.length > 0 && want[0]!.ts.length > 10, query);
      assert.deepEqual(plain(got), plain(want), query);
    }
    await db.close();
  } finally {
    cleanup();
  }
});

test('coarse reads of a counter sampled every 15 s read a tenth of the samples and keep increase within the extrapolation error', async () => {
  const { dir, cleanup } = tempDataDir();
  try {
    const db = await openDb(dir, {
      blockDurationMs: 2 * HOUR,
      now: () => T0 + 40 * DAY,
      downsample: [{ resolution: 5 * MIN, afterMs: 2 * DAY, retentionMs: 0 }],
    });
    const c = labelsFromRecord({ __name__: 'requests_total', job: 'b' });
    const app = db.appender('default', { backfill: true });
    let counter = 0;
    const n = (2 * DAY) / 15_000;
    for (let k = 0; k < n; k++) {
      // Steady 1/s with a reset every 7 hours.
      counter = k % 1680 === 1000 ? 0 : counter + 15;
      app.append(c, T0 + k * 15_000, counter);
    }
    await app.commit();
    await db.maintain();
    const engine = new Engine();
    const inner = (mint: number, maxt: number, hints?: SelectHints) => db.querier('default', mint, maxt, hints);
    const raw = counting(inner, false);
    const coarse = counting(inner, true);
    const q = 'increase(requests_total[1h])';
    const want = engine.range(raw.factory, q, T0 + 2 * HOUR, T0 + 2 * DAY - HOUR, HOUR);
    const got = engine.range(coarse.factory, q, T0 + 2 * HOUR, T0 + 2 * DAY - HOUR, HOUR);
    assert.equal(got[0]!.ts.length, want[0]!.ts.length);
    // The newest hours stay in the head, raw; the rest comes from the copies.
    assert.ok(coarse.seen.samples * 10 < raw.seen.samples, `${coarse.seen.samples} vs ${raw.seen.samples}`);
    // Raw: 3600 per hour (a reset loses at most one step). The copies see a sample every 5
    // minutes, so extrapolation to the window edges can differ by up to one 5m interval (300).
    for (let i = 0; i < want[0]!.vs.length; i++) {
      const a = want[0]!.vs[i]!;
      const b = got[0]!.vs[i]!;
      assert.ok(Math.abs(a - b) <= 300 + 1e-9, `step ${i}: raw ${a}, coarse ${b}`);
      assert.ok(Math.abs(b - 3600) <= 400, `step ${i}: coarse ${b}`);
    }
    await db.close();
  } finally {
    cleanup();
  }
});

test('downsampled copies of live data are merged like raw blocks and still answer as raw data does', async () => {
  const { dir, cleanup } = tempDataDir();
  try {
    let now = T0;
    // Raw blocks stop growing at 18 h (windows are capped at a tenth of the 15 d retention),
    // so every copy is made of an 18 h block at most unless copies are merged themselves.
    const db = await openDb(dir, {
      blockDurationMs: 2 * HOUR,
      retentionMs: 15 * DAY,
      now: () => now,
      downsample: [{ resolution: 5 * MIN, afterMs: 2 * DAY, retentionMs: 0 }],
    });
    const c = labelsFromRecord({ __name__: 'requests_total', job: 'c' });
    const g = labelsFromRecord({ __name__: 'temperature', job: 'c' });
    const days = 9;
    let counter = 0;
    // Live pushes, one sample at minute 4 of every 5-minute window (the copies then hold the raw
    // samples themselves), with the background work run every simulated 2 hours.
    for (let k = 0; k < (days * DAY) / (5 * MIN); k++) {
      const t = T0 + k * 5 * MIN + 4 * MIN;
      counter = k % 211 === 0 ? k % 3 : counter + ((k * 7) % 13);
      const app = db.appender('default');
      app.append(c, t, counter);
      app.append(g, t, Math.round(200 + 100 * Math.sin(k / 17)) / 10);
      await app.commit();
      now = t;
      if (k % 24 === 23) await db.maintain();
    }
    await db.maintain();
    const copies = db.blockMetas().filter((m) => m.downsample?.resolution === 5 * MIN);
    const raw = db.blockMetas().filter((m) => m.downsample === undefined);
    // Seven days are older than two: without merging they were a copy per raw block of the time;
    // merged, a few copies cover them, none overlapping.
    assert.ok(copies.length >= 1 && copies.length <= 6, `${copies.length} copies: ${copies.map((m) => (m.maxTime - m.minTime) / HOUR).join(',')} h`);
    // Copies of 18 h raw blocks (level 3) merged into 54 h ones (level 4), like raw blocks.
    assert.ok(copies.some((m) => m.compaction.level > 3 && m.maxTime - m.minTime >= 54 * HOUR), JSON.stringify(copies.map((m) => [m.compaction.level, (m.maxTime - m.minTime) / HOUR])));
    const sorted = [...copies].sort((a, b) => a.minTime - b.minTime);
    for (let i = 1; i < sorted.length; i++) assert.ok(sorted[i]!.minTime >= sorted[i - 1]!.maxTime, 'copies do not overlap');
    const from = T0 + 6 * HOUR;
    const to = T0 + (days - 3) * DAY;
    assert.ok(sorted[0]!.minTime <= from && sorted[sorted.length - 1]!.maxTime >= to, JSON.stringify([...sorted, ...raw].map((m) => [m.downsample?.resolution ?? 0, (m.minTime - T0) / HOUR, (m.maxTime - T0) / HOUR])));

    const engine = new Engine();
    const inner = (mint: number, maxt: number, hints?: SelectHints) => db.querier('default', mint, maxt, hints);
    for (const [query, step] of [
      ['increase(requests_total[1h])', 30 * MIN],
      ['max_over_time(temperature[1h])', HOUR],
      ['sum_over_time(temperature[30m])', 30 * MIN],
    ] as const) {
      const rawQ = counting(inner, false);
      const coarse = counting(inner, true);
      const want = engine.range(rawQ.factory, query, from, to, step);
      const got = engine.range(coarse.factory, query, from, to, step);
      assert.ok(want.length > 0 && want[0]!.ts.length > 100, query);
      assert.deepEqual(plain(got), plain(want), query);
    }
    await db.close();
  } finally {
    cleanup();
  }
});
