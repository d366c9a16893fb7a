// A 30-day dashboard query at a 1 h step, answered from raw blocks and from the 5m downsampled
// copies, inside one process (no HTTP): SERIES counters and SERIES gauges scraped every INTERVAL
// seconds for DAYS days are appended in time order (the head is cut into blocks, compacted and
// downsampled as it goes, the clock fixed at the end), then each query runs RUNS times both
// ways and the median and min wall ms, CPU ms and samples read are printed, with the largest
// difference between the two answers. Prints figures, asserts nothing.
// Run `npm run build && node dist/bench/query-downsampled.js` (env DAYS=30 SERIES=100 INTERVAL=30 RUNS=5).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { labelsFromRecord, type Querier, type SelectHints } from '../src/storage/index.js';
import { Tsdb } from '../src/tsdb/index.js';
import { Engine, type RangeSeries } from '../src/promql/engine/index.js';

const DAYS = Number(process.env.DAYS ?? '30');
const SERIES = Number(process.env.SERIES ?? '100');
const INTERVAL = Number(process.env.INTERVAL ?? '30') * 1000;
const RUNS = Number(process.env.RUNS ?? '5');
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

const end = Math.floor(Date.now() / HOUR) * HOUR;
const start = end - DAYS * DAY;
const silent = { info() {}, warn() {}, error() {} };
const dir = mkdtempSync(join(tmpdir(), 'ms-query-ds-'));
const db = Tsdb.open({
  dir,
  fsync: 'never',
  fsyncIntervalMs: 1000,
  segmentBytes: 1 << 26,
  logger: silent,
  maintenanceIntervalMs: 0,
  retentionMs: 0,
  now: () => end,
  downsample: [
    { resolution: 300_000, afterMs: 2 * DAY, retentionMs: 0 },
    { resolution: HOUR, afterMs: 14 * DAY, retentionMs: 0 },
  ],
});
await db.start();

const pad = (n: number) => String(n).padStart(3, '0');
const counters = Array.from({ length: SERIES }, (_, h) => labelsFromRecord({ __name__: 'http_requests_total', host: `host${pad(h)}` }));
const gauges = Array.from({ length: SERIES }, (_, h) => labelsFromRecord({ __name__: 'cpu_temperature', host: `host${pad(h)}` }));
let seed = 7;
const rnd = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
const cv = counters.map(() => Math.floor(rnd() * 1e6));
const t0 = performance.now();
let samples = 0;
let lastLog = t0;
for (let t = start; t < end; t += INTERVAL) {
  const app = db.appender('default');
  for (let i = 0; i < SERIES; i++) {
    // A restart now and then: the counter starts over.
    cv[i] = rnd() < 1 / 20_000 ? 0 : cv[i]! + Math.floor(rnd() * 100);
    app.append(counters[i]!, t, cv[i]!);
    app.append(gauges[i]!, t, Math.round(4000 + 1000 * Math.sin((t / HOUR + i) / 5) + rnd() * 100) / 100);
  }
  await app.commit();
  samples += 2 * SERIES;
  if ((t - start) % (6 * HOUR) === 0) await db.maintain();
  if (performance.now() - lastLog > 5000) {
    lastLog = performance.now();
    process.stderr.write(`loading: day ${((t - start) / DAY).toFixed(1)} of ${DAYS}, ${(samples / 1e6).toFixed(1)} M samples\n`);
  }
}
await db.maintain();
const metas = db.blockMetas();
const count = (r: number) => metas.filter((m) => (m.downsample?.resolution ?? 0) === r).length;
console.log(
  `loaded ${(samples / 1e6).toFixed(1)} M samples (${DAYS} d, ${2 * SERIES} series, every ${INTERVAL / 1000} s) in ${((performance.now() - t0) / 1000).toFixed(0)} s; blocks: ${count(0)} raw, ${count(300_000)} 5m, ${count(HOUR)} 1h`,
);

function factory(useHints: boolean, seen: { n: number }) {
  return (mint: number, maxt: number, hints?: SelectHints): Querier => {
    const q = db.querier('default', mint, maxt, useHints ? hints : undefined);
    return {
      select: (m) =>
        [...q.select(m)].map((s) => ({
          labels: s.labels,
          iterator() {
            const it = s.iterator();
            return {
              next: () => (it.next() ? (seen.n++, true) : false),
              seek: (t: number) => it.seek(t),
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
}

const engine = new Engine();
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const queries = ['sum(rate(http_requests_total[1h]))', 'max by (host) (max_over_time(cpu_temperature[1h]))', 'sum(increase(http_requests_total[6h]))'];
console.log(`query over ${DAYS} d at a 1 h step | read | median ms | min ms | CPU ms | samples read | max rel. difference to raw`);
console.log('---|---|---|---|---|---|---');
for (const query of queries) {
  let rawAnswer: RangeSeries[] = [];
  for (const coarse of [false, true]) {
    const wall: number[] = [];
    const cpu: number[] = [];
    const seen = { n: 0 };
    let answer: RangeSeries[] = [];
    for (let r = 0; r < RUNS; r++) {
      seen.n = 0;
      const c0 = process.cpuUsage();
      const w0 = performance.now();
      answer = await engine.rangeAsync(factory(coarse, seen), query, start + DAY, end, HOUR);
      wall.push(performance.now() - w0);
      const c = process.cpuUsage(c0);
      cpu.push((c.user + c.system) / 1000);
    }
    let diff = 0;
    if (coarse) {
      for (let s = 0; s < answer.length; s++) {
        for (let i = 0; i < answer[s]!.vs.length; i++) {
          const a = rawAnswer[s]!.vs[i]!;
          const b = answer[s]!.vs[i]!;
          diff = Math.max(diff, Math.abs(a - b) / Math.max(Math.abs(a), 1e-9));
        }
      }
    } else rawAnswer = answer;
    console.log(
      `${query} | ${coarse ? 'downsampled' : 'raw'} | ${median(wall).toFixed(1)} | ${Math.min(...wall).toFixed(1)} | ${median(cpu).toFixed(1)} | ${seen.n} | ${coarse ? `${(diff * 100).toFixed(2)} %` : '-'}`,
    );
  }
}
await db.close();
rmSync(dir, { recursive: true, force: true });
