// The four W4 queries of issue 4 inside one process, without HTTP or JSON: the engine's own
// wall and CPU time per query over an embedded TSDB holding the same shapes of data as
// bench/query-peers.sh (100 counters, a 1200-series classic histogram and one gauge over 500
// steps of 10 s, a 10,000-series gauge over the last 90). CPU time moves less than wall time on
// a shared machine. Prints figures, asserts nothing. Run `npm run build && node dist/bench/query-engine.js [runs] [name filter]`
// (the filter, a substring of the query names below, times only those: for focused profiles).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { labelsFromRecord, type Labels } from '../src/storage/index.js';
import { Tsdb } from '../src/tsdb/index.js';
import { parseExpr } from '../src/promql/index.js';
import { Engine, RangeCache } from '../src/promql/engine/index.js';

const runs = Number(process.argv[2] ?? '20');
const only = process.argv[3] ?? '';
const silent = { info() {}, warn() {}, error() {} };
const dir = mkdtempSync(join(tmpdir(), 'ms-query-engine-'));
const db = Tsdb.open({ dir, fsync: 'never', fsyncIntervalMs: 1000, segmentBytes: 1 << 26, logger: silent });
await db.start();

const STEPS = 500;
const LE = ['0.005', '0.01', '0.025', '0.05', '0.1', '0.25', '0.5', '1', '2.5', '5', '10', '+Inf'];
const pad = (n: number, w: number) => String(n).padStart(w, '0');
const counters = Array.from({ length: 100 }, (_, h) => labelsFromRecord({ __name__: 'bench_counter_07_total', host: `host${pad(h, 3)}` }));
const buckets: Labels[] = [];
for (let h = 0; h < 100; h++) for (const le of LE) buckets.push(labelsFromRecord({ __name__: 'bench_request_duration_seconds_bucket', host: `host${pad(h, 3)}`, le }));
const gauge = labelsFromRecord({ __name__: 'bench_gauge_07', host: 'host042' });
const wide = Array.from({ length: 10_000 }, (_, i) => labelsFromRecord({ __name__: 'bench_wide_gauge', instance: `i${pad(i, 5)}` }));
const start = Math.floor((Date.now() - STEPS * 10_000 - 120_000) / 10_000) * 10_000;
let seed = 1;
const rnd = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
const counterValues = counters.map(() => Math.floor(rnd() * 1e6));
const bucketCounts = buckets.map(() => 0);
let t0 = performance.now();
for (let k = 0; k < STEPS; k++) {
  const t = start + k * 10_000;
  const app = db.appender('default');
  counters.forEach((l, i) => app.append(l, t, (counterValues[i]! += Math.floor(rnd() * 200))));
  // Cumulative bucket counts: each bucket gains at least what the one below it gained.
  for (let h = 0; h < 100; h++) {
    let add = 0;
    for (let b = 0; b < LE.length; b++) {
      add += Math.floor(rnd() * 3);
      app.append(buckets[h * LE.length + b]!, t, (bucketCounts[h * LE.length + b]! += add));
    }
  }
  app.append(gauge, t, Math.round(rnd() * 10_000) / 100);
  if (k >= STEPS - 90) for (const l of wide) app.append(l, t, Math.round(rnd() * 10_000) / 100);
  await app.commit();
}
console.log(`loaded ${(100 + 1200 + 1) * STEPS + 10_000 * 90} samples in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

const engine = new Engine();
const q = (mint: number, maxt: number) => db.querier('default', mint, maxt);
const end = start + (STEPS - 1) * 10_000;
// A refreshing dashboard through the range result cache (as the API's): settled steps come from
// the cache, only those within the feed's settle time of the clock are evaluated again.
const cache = new RangeCache(64 << 20, (t, v) => `,[${t / 1000},"${v}"]`);
const hq = 'histogram_quantile(0.99, sum by (le) (rate(bench_request_duration_seconds_bucket[5m])))';
const queries: [string, () => Promise<unknown>][] = [
  ['sum(rate) 1h/15s', () => engine.rangeAsync(q, 'sum by (host) (rate(bench_counter_07_total[5m]))', end - 3_600_000, end, 15_000)],
  ['histogram_quantile 1h/15s', () => engine.rangeAsync(q, 'histogram_quantile(0.99, sum by (le) (rate(bench_request_duration_seconds_bucket[5m])))', end - 3_600_000, end, 15_000)],
  ['histogram_quantile 1h/15s cached', () => cache.range(engine, q, db.changes, 'default', parseExpr(hq), end - 3_600_000, end, 15_000)],
  ['raw [1h], 1 series', async () => engine.instant(q, 'bench_gauge_07{host="host042"}[1h]', end)],
  ['topk(avg_over_time) 10k series', async () => engine.instant(q, 'topk(10, avg_over_time(bench_wide_gauge[10m]))', end)],
];
for (const [name, run] of queries) {
  if (!name.includes(only)) continue;
  for (let i = 0; i < 3; i++) await run();
  const wall: number[] = [];
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < runs; i++) {
    t0 = performance.now();
    await run();
    wall.push(performance.now() - t0);
  }
  const cpu = process.cpuUsage(cpu0);
  wall.sort((a, b) => a - b);
  console.log(
    `${name.padEnd(32)} median ${wall[Math.floor(runs / 2)]!.toFixed(1)} ms (min ${wall[0]!.toFixed(1)}), CPU ${((cpu.user + cpu.system) / 1000 / runs).toFixed(1)} ms/query`,
  );
}
await db.close();
rmSync(dir, { recursive: true, force: true });
