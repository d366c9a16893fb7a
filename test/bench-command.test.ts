// `metricstream bench` against a live node: its counts match the node's own stats exactly,
// with the rate limiter refusing some requests, closed and open loop, json and import.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { formatReport, parseBenchArgs, runBench } from '../src/bench/index.js';
import { BIN, exportLines, removeDir, startTestNode } from './node-harness.js';

function cli(args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 20_000 }, (err, stdout, stderr) =>
      resolve({ status: err === null ? 0 : typeof err.code === 'number' ? err.code : -1, stdout, stderr }),
    );
  });
}

async function stats(url: string): Promise<Record<string, number>> {
  return (await (await fetch(`${url}/metrics`)).json()) as Record<string, number>;
}

for (const [client, threads] of [['raw', '1'], ['undici', '1'], ['raw', '2']] as const) test(`closed loop over 3 client ids with a small rate limit (${client} HTTP client, ${threads} thread(s)): 200 and 429 counts equal the node stats`, async () => {
  // A window longer than the run: each client gets 5 requests in, whatever the machine's speed.
  const n = await startTestNode({ rate_limit: '5', rate_limit_window: '30s' });
  try {
    const o = parseBenchArgs(['--target', n.url, '--clients', '3', '--connections', '4', '--duration', '1500ms', '--http-client', client, '--threads', threads])!;
    const r = await runBench(o);
    const s = await stats(n.url);
    assert.ok((r.status['429'] ?? 0) > 0, 'the limiter refused some requests');
    assert.equal(r.status['200'], s.batches_processed);
    assert.equal(r.status['429'], s.rate_limited_requests);
    assert.equal(r.samples_ok, s.metrics_received);
    assert.equal(r.samples_ok, 3 * r.ok_requests);
    assert.equal(r.requests, r.ok_requests + r.status['429']!);
    assert.equal(r.errors, 0);
    // 3 clients x 5 in one 30 s window.
    assert.ok(r.ok_requests <= 15, `${r.ok_requests} allowed`);
    assert.ok(r.latency_ms.p50 > 0 && r.latency_ms.p50 <= r.latency_ms.p99 && r.latency_ms.p99 <= r.latency_ms.max);
    // The 2xx-only histogram holds a subset of the answers (merged across threads too).
    assert.ok(r.ok_latency_ms.p50 > 0 && r.ok_latency_ms.max <= r.latency_ms.max && r.ok_latency_ms.mean > 0);
    assert.match(formatReport(r), /^2xx only +p50 /m);
  } finally {
    await n.stop();
    removeDir(n.dir);
  }
});

for (const threads of ['1', '2']) test(`open loop import at a fixed rate on ${threads} thread(s): every scheduled request is sent, samples land in order`, async () => {
  const n = await startTestNode({ rate_limit: '0' });
  try {
    const o = parseBenchArgs(['--target', n.url, '--protocol', 'import', '--rate', '200', '--duration', '1s', '--connections', '4', '--series', '8', '--batch', '10', '--threads', threads])!;
    const r = await runBench(o);
    assert.equal(r.mode, 'open');
    assert.equal(r.scheduled, 200);
    assert.equal(r.missed, 0);
    assert.equal(r.requests, 200);
    assert.deepEqual(r.status, { '204': 200 });
    const s = await stats(n.url);
    assert.equal(s.samples_imported, r.samples_ok);
    assert.equal(r.samples_ok, 2000);
    // 8 series, 4 connections owning 2 each, 5 samples per series per request at distinct times.
    const lines = await exportLines(n.url, '{__name__=~".+"}');
    assert.equal(lines.length, 8);
    assert.equal(lines.reduce((a, l) => a + l.timestamps.length, 0), 2000);
  } finally {
    await n.stop();
    removeDir(n.dir);
  }
});

test('the CLI prints a JSON report, and refuses a bad flag with exit 2', async () => {
  const n = await startTestNode({ rate_limit: '0' });
  try {
    // Not spawnSync: the node runs in this process and must keep answering.
    const run = await cli(['bench', '--target', n.url, '--duration', '300ms', '--connections', '2', '--json']);
    assert.equal(run.status, 0, run.stderr);
    const report = JSON.parse(run.stdout) as { requests: number; status: Record<string, number> };
    assert.ok(report.requests > 0);
    assert.deepEqual(Object.keys(report.status), ['200']);
    assert.equal(run.stderr, '', 'no progress line when stderr is not a terminal');
    const bad = await cli(['bench', '--protocol', 'xml']);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /--protocol must be one of json, import, influx, remote-write, otlp, got "xml"/);
    const help = await cli(['bench', '--help']);
    assert.match(help.stdout, /--rate <req\/s>/);
  } finally {
    await n.stop();
    removeDir(n.dir);
  }
});
