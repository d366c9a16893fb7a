// The embedded engine alone (no HTTP), on the peers' W2/W3 data set (../shared/peer-bench:
// 100 hosts x 100 metric names, half random-walk gauges with two decimals, half counters, 10 s
// apart). Prints, asserts nothing:
//   append   samples/s through Appender.append/appendRef + commit on one thread (WAL fsync off)
//   disk     bytes per sample of the whole data dir after the head moved on and compaction ran
//            (blocks + WAL checkpoint + WAL), and of the blocks alone
//   decode   samples/s reading every sample back through the Querier (first pass, then again
//            warm), and through the block chunk decoder alone
//   memory   RSS growth per head series (100,000 new series with 120 samples each)
//   select   head selection of 1 series of 1,000,000 by two matchers
// Run: npm run build && node --expose-gc --max-old-space-size=8000 dist/bench/tsdb-engine.js
// Env: STEPS (2000 = 20 M samples), START_MS, PEER_BENCH (harness dir), PHASES (all: append,disk,decode,memory,select).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { Matcher, labelsFromRecord, type Labels } from '../src/storage/index.js';
import { Tsdb } from '../src/tsdb/index.js';
import { BlockReader } from '../src/tsdb/block/index.js';
import { BlockChunkIterator } from '../src/tsdb/chunk/block-chunk.js';

const silent = { info() {}, warn() {}, error() {} };
const STEPS = Number(process.env['STEPS'] ?? 2000);
const PHASES = new Set((process.env['PHASES'] ?? 'append,disk,decode,memory,select').split(','));
const PEER_BENCH = resolve(process.env['PEER_BENCH'] ?? join(process.cwd(), '..', 'shared', 'peer-bench'));
const INTERVAL = 10_000;
// START_MS: the first timestamp (the peers' script passes the same one to every peer).
const START = Number(process.env['START_MS'] ?? Date.UTC(2026, 0, 1));

interface PeerSeries {
  labels: Record<string, string>;
}
interface PeerLib {
  makeSeries(hosts: number, metrics: number): PeerSeries[];
  step(s: PeerSeries): number;
}

const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});
const rssMiB = () => process.memoryUsage().rss / 2 ** 20;
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

/**
 * RSS at rest: V8's memory reducer gives freed heap pages back some seconds after an allocation
 * burst, so RSS is read once it stops falling (at most 15 s).
 */
async function settledRssMiB(): Promise<number> {
  gc();
  let settled = rssMiB();
  for (let i = 0, flat = 0; i < 15 && flat < 4; i++) {
    await new Promise((r) => setTimeout(r, 1000));
    gc();
    const now = rssMiB();
    flat = now > settled - 0.5 ? flat + 1 : 0;
    settled = Math.min(settled, now);
  }
  return settled;
}

function openDb(dir: string): Tsdb {
  return Tsdb.open({ dir, fsync: 'never', fsyncIntervalMs: 1000, segmentBytes: 128 << 20, logger: silent, maintenanceIntervalMs: 0 });
}

async function main(): Promise<void> {
  const lib = (await import(pathToFileURL(join(PEER_BENCH, 'lib.mjs')).href)) as PeerLib;
  const root = mkdtempSync(join(tmpdir(), 'ms-tsdb-bench-'));
  try {
    const series = lib.makeSeries(100, 100);
    const labels: Labels[] = series.map((s) => labelsFromRecord(s.labels));
    const total = series.length * STEPS;
    console.log(`data: ${fmt(series.length)} series x ${STEPS} steps = ${fmt(total)} samples (peer-bench W2 mix), data dir ${root}`);

    const dir = join(root, 'w3');
    const db = openDb(dir);
    await db.start();
    // Values are generated before timing: the figure is the engine's, not the generator's. The
    // first half of the steps append by labels (Appender.append), the second half by the series
    // references the first appends returned (Appender.appendRef, as a scrape cache or a
    // decoder's label cache does).
    const values = new Float64Array(series.length);
    const refs = new Float64Array(series.length);
    const half = Math.floor(STEPS / 2);
    let byLabelsMs = 0;
    let byRefMs = 0;
    // CPU time too (all threads: the WAL writes run on libuv's): on a shared machine wall time
    // also counts other processes' turns.
    let byLabelsCpu = 0;
    let byRefCpu = 0;
    for (let t = 0; t < STEPS; t++) {
      for (let i = 0; i < series.length; i++) values[i] = lib.step(series[i]!);
      const ts = START + t * INTERVAL;
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      const app = db.appender('default');
      if (t < half) {
        for (let i = 0; i < series.length; i++) refs[i] = app.appendRef(0, labels[i]!, ts, values[i]!);
      } else {
        for (let i = 0; i < series.length; i++) refs[i] = app.appendRef(refs[i]!, labels[i]!, ts, values[i]!);
      }
      await app.commit();
      const c = process.cpuUsage(c0);
      const cpuMs = (c.user + c.system) / 1000;
      if (t < half) {
        byLabelsMs += performance.now() - t0;
        byLabelsCpu += cpuMs;
      } else {
        byRefMs += performance.now() - t0;
        byRefCpu += cpuMs;
      }
    }
    if (PHASES.has('append')) {
      const nl = half * series.length;
      const nr = total - nl;
      console.log(
        `append: ${fmt(nl / (byLabelsMs / 1000))} samples/s by labels, ${fmt(nr / (byRefMs / 1000))} samples/s by series ref ` +
          `(per CPU second: ${fmt(nl / (byLabelsCpu / 1000))} by labels, ${fmt(nr / (byRefCpu / 1000))} by ref; ` +
          `${fmt(byLabelsMs + byRefMs)} ms for ${fmt(total)}, one thread, commits of ${fmt(series.length)} incl. WAL records)`,
      );
    }

    if (PHASES.has('disk') || PHASES.has('decode')) {
      // One sample far ahead moves the head on, so every loaded range is cut into blocks.
      const app = db.appender('default');
      app.append(labelsFromRecord({ __name__: 'bench_marker' }), START + STEPS * INTERVAL + 12 * 3_600_000, 1);
      await app.commit();
      let t0 = performance.now();
      await db.maintain();
      const cutMs = performance.now() - t0;
      const blocks = db.blockMetas();
      const st = db.blockStats();
      const du = Number(execFileSync('du', ['-sb', dir], { encoding: 'utf8' }).split('\t')[0]);
      const wal = Number(execFileSync('du', ['-sb', join(dir, 'wal')], { encoding: 'utf8' }).split('\t')[0]);
      console.log(
        `disk: ${(du / total).toFixed(3)} B/sample whole data dir (${fmt(du)} bytes: blocks ${fmt(st.bytes)}, wal ${fmt(wal)}); ` +
          `blocks alone ${(st.bytes / st.samples).toFixed(3)} B/sample over ${fmt(st.samples)} samples in ${blocks.length} blocks ` +
          `(levels ${blocks.map((b) => b.compaction.level).join(',')}); cutting + compaction took ${fmt(cutMs)} ms (${JSON.stringify(db.maintenanceStats)})`,
      );

      if (PHASES.has('decode')) {
        gc();
        t0 = performance.now();
        const q = db.querier('default', START, START + STEPS * INTERVAL);
        let n = 0;
        let sum = 0;
        for (const s of q.select([new Matcher('=~', '__name__', 'bench_.*')])) {
          const it = s.iterator();
          while (it.next()) {
            sum += it.atV();
            n++;
          }
        }
        q.close();
        const qMs = performance.now() - t0;
        // The chunk decoder alone: every chunk of every block, bytes read beforehand.
        let chunkSamples = 0;
        let decodeMs = 0;
        for (const b of blocks) {
          const r = await BlockReader.open(join(dir, 'blocks', b.ulid));
          const chunks: Uint8Array[] = [];
          for (let id = 0; id < r.numSeries; id++) for (const c of r.series(id).chunks) chunks.push(r.chunk(c));
          await r.close();
          const it = new BlockChunkIterator();
          const d0 = performance.now();
          for (const c of chunks) {
            it.reset(c);
            while (it.next()) {
              sum += it.atV();
              chunkSamples++;
            }
          }
          decodeMs += performance.now() - d0;
        }
        // The Querier again, warm: the first pass above also pays for compiling the read path and
        // for the index's first touch, which a running server has long paid.
        const w0 = performance.now();
        const q2 = db.querier('default', START, START + STEPS * INTERVAL);
        let n2 = 0;
        for (const s of q2.select([new Matcher('=~', '__name__', 'bench_.*')])) {
          const it = s.iterator();
          while (it.next()) {
            sum += it.atV();
            n2++;
          }
        }
        q2.close();
        const wMs = performance.now() - w0;
        console.log(
          `decode: ${fmt(n / (qMs / 1000))} samples/s through the Querier (${fmt(n)} samples in ${fmt(qMs)} ms; second pass ${fmt(n2 / (wMs / 1000))}); ` +
            `${fmt(chunkSamples / (decodeMs / 1000))} samples/s in the block chunk decoder alone (checksum ${sum > 0 ? 'ok' : '?'})`,
        );
      }
    }
    await db.close();

    if (PHASES.has('memory')) {
      const mdir = join(root, 'mem');
      const mdb = openDb(mdir);
      await mdb.start();
      const N = 100_000;
      const mlabels: Labels[] = [];
      for (let i = 0; i < N; i++) {
        mlabels.push(labelsFromRecord({ __name__: `mem_metric_${i % 100}`, host: `host${Math.floor(i / 100)}`, region: `r${i % 7}`, job: 'bench' }));
      }
      const before = await settledRssMiB();
      for (let t = 0; t < 120; t++) {
        for (let from = 0; from < N; from += 10_000) {
          const app = mdb.appender('default');
          for (let i = from; i < from + 10_000; i++) app.append(mlabels[i]!, START + t * INTERVAL, Math.round(Math.random() * 10000) / 100);
          await app.commit();
        }
      }
      gc();
      await new Promise((r) => setTimeout(r, 200));
      gc();
      const after = rssMiB();
      const settled = await settledRssMiB();
      const hs = mdb.headStats();
      const mu = process.memoryUsage();
      console.log(
        `memory: ${fmt(((settled - before) * 2 ** 20) / N)} bytes RSS per head series with 120 samples at rest, ${fmt(((after - before) * 2 ** 20) / N)} right after appending ` +
          `(${fmt(N)} series: ${before.toFixed(0)} -> ${after.toFixed(0)} -> ${settled.toFixed(0)} MiB; chunk bytes ${(hs.chunkBytes / N).toFixed(0)} per series; ` +
          `JS heap ${(mu.heapUsed / 2 ** 20).toFixed(0)} MiB, array buffers ${(mu.arrayBuffers / 2 ** 20).toFixed(0)} MiB)`,
      );
      await mdb.close();
    }

    if (PHASES.has('select')) {
      const sdir = join(root, 'sel');
      const sdb = openDb(sdir);
      await sdb.start();
      const N = 1_000_000;
      for (let from = 0; from < N; from += 50_000) {
        const app = sdb.appender('default');
        for (let i = from; i < from + 50_000; i++) {
          app.append(labelsFromRecord({ __name__: `sel_metric_${i % 100}`, host: `host${Math.floor(i / 100)}`, region: `r${i % 10}` }), START, i);
        }
        await app.commit();
      }
      const matchers = [new Matcher('=', '__name__', 'sel_metric_42'), new Matcher('=', 'host', 'host4242')];
      const times: number[] = [];
      let found = 0;
      for (let k = 0; k < 200; k++) {
        const t0 = performance.now();
        const q = sdb.querier('default', START - 1, START + 1);
        found = [...q.select(matchers)].length;
        q.close();
        times.push(performance.now() - t0);
      }
      times.sort((a, b) => a - b);
      console.log(`select: 1 of ${fmt(N)} head series by two matchers: median ${times[100]!.toFixed(3)} ms, p99 ${times[198]!.toFixed(3)} ms (found ${found})`);
      await sdb.close();
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

await main();
