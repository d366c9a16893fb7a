// Bulk push ingest over HTTP: remote write and Influx line protocol into a fresh MetricStream
// (a child process, --rate-limit 0) on this machine. 10,000 series, batches of 1000 samples,
// bodies encoded before the clock starts, N connections each owning its own series (so no two
// requests race on one series). Prints samples/s per protocol; asserts nothing.
// Run `npm run build && node dist/bench/push-ingest.js [seconds] [connections] [remote-write|influx]`
// (BENCH_NODE_ARGS='--cpu-prof' profiles the node).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { compressSync } from 'snappy';
import { WriteRequest } from '../src/ingest/remote-write/write-request-fixtures.js';

const SECONDS = Number(process.argv[2] ?? 10);
const CONNECTIONS = Number(process.argv[3] ?? 8);
const SERIES = 10_000;
const BATCH = 1000;
const SLOTS = SERIES / BATCH;
const PASSES = 400;
const BIN = fileURLToPath(new URL('../../bin/metricstream.js', import.meta.url));
const T0 = Date.now() - 3_600_000;

interface Protocol {
  readonly name: string;
  readonly path: string;
  readonly headers: Record<string, string>;
  body(slot: number, pass: number): Buffer;
}

const remoteWrite: Protocol = {
  name: 'remote write (snappy protobuf)',
  path: '/api/v1/write',
  headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy' },
  body(slot, pass) {
    const timeseries = [];
    for (let i = 0; i < BATCH; i++) {
      const s = slot * BATCH + i;
      timeseries.push({
        labels: [
          { name: '__name__', value: `bench_metric_${s % 100}` },
          { name: 'host', value: `host-${Math.floor(s / 100)}` },
          { name: 'job', value: 'bench' },
          { name: 'region', value: `region-${s % 10}` },
        ],
        samples: [{ value: pass * 0.5 + i, timestamp: T0 + pass * 10_000 }],
      });
    }
    return compressSync(WriteRequest.encode(WriteRequest.fromObject({ timeseries })).finish());
  },
};

const influx: Protocol = {
  name: 'Influx line protocol (/api/v2/write)',
  path: '/api/v2/write?org=o&bucket=b&precision=ms',
  headers: { 'content-type': 'text/plain; charset=utf-8' },
  body(slot, pass) {
    // 100 lines x 10 fields = 1000 samples; 10 slots x 100 hosts x 10 fields = 10,000 series.
    const lines: string[] = [];
    for (let h = 0; h < BATCH / 10; h++) {
      const fields = Array.from({ length: 10 }, (_, f) => `field_${f}=${pass * 0.5 + f}`).join(',');
      lines.push(`bench,host=host-${slot * 100 + h},job=bench,region=region-${h % 10} ${fields} ${T0 + pass * 10_000}`);
    }
    return Buffer.from(lines.join('\n'));
  },
};

async function startNode(port: number, dir: string) {
  const child = spawn(process.execPath, [...(process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean), BIN, 'serve', '--port', String(port), '--listen', '127.0.0.1', '--data-dir', dir, '--rate-limit', '0', '--log-level', 'warn'], {
    stdio: 'inherit',
  });
  for (let i = 0; i < 200; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/ready`)).status === 200) return child;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('node did not become ready');
}

async function run(p: Protocol, port: number): Promise<void> {
  const bodies: Buffer[][] = Array.from({ length: SLOTS }, (_, slot) => Array.from({ length: PASSES }, (_, pass) => p.body(slot, pass)));
  const dir = mkdtempSync(join(tmpdir(), 'ms-push-bench-'));
  const child = await startNode(port, dir);
  const url = `http://127.0.0.1:${port}${p.path}`;
  let samples = 0;
  let errors = 0;
  const until = performance.now() + SECONDS * 1000;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async (_, c) => {
      const mine = Array.from({ length: SLOTS }, (_, s) => s).filter((s) => s % CONNECTIONS === c);
      for (let pass = 0; pass < PASSES && performance.now() < until; pass++) {
        for (const slot of mine) {
          const r = await fetch(url, { method: 'POST', body: bodies[slot]![pass]!, headers: p.headers });
          const text = await r.text();
          if (r.status === 204) samples += BATCH;
          else if (errors++ === 0) console.error(`${p.name}: ${r.status} ${text.slice(0, 200)}`);
        }
      }
    }),
  );
  const s = (performance.now() - start) / 1000;
  console.log(`${p.name.padEnd(40)} ${Math.round(samples / s).toLocaleString('en-US')} samples/s  (${samples} samples in ${s.toFixed(1)} s, ${CONNECTIONS} connections, ${errors} errors)`);
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  rmSync(dir, { recursive: true, force: true });
}

const only = process.argv[4];
const port = 18000 + Math.floor(Math.random() * 1000);
if (only === undefined || only === 'remote-write') await run(remoteWrite, port);
if (only === undefined || only === 'influx') await run(influx, port + 1);
