// `metricstream bench` against a live node: its counts match the node's own stats exactly,
// with the rate limiter refusing some requests, closed and open loop, json and import, and
// StatsD over TCP and UDP.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { formatReport, parseBenchArgs, runBench } from '../src/bench/index.js';
import { BIN, exportLines, freePort, removeDir, startTestNode } from './node-harness.js';

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
    const l = r.latency_ms!;
    const okl = r.ok_latency_ms!;
    assert.ok(l.p50 > 0 && l.p50 <= l.p99 && l.p99 <= l.max);
    // The 2xx-only histogram holds a subset of the answers (merged across threads too).
    assert.ok(okl.p50 > 0 && okl.max <= l.max && okl.mean > 0);
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
    assert.match(bad.stderr, /--protocol must be one of json, import, influx, remote-write, otlp, statsd, statsd-tcp, got "xml"/);
    const noClients = await cli(['bench', '--protocol', 'statsd', '--clients', '2']);
    assert.equal(noClients.status, 2);
    assert.match(noClients.stderr, /--clients has no meaning for --protocol statsd/);
    const help = await cli(['bench', '--help']);
    assert.match(help.stdout, /--rate <req\/s>/);
    // Every flag stands apart from its help, however long it is; StatsD's default port is the node's.
    for (const l of help.stdout.split('\n').filter((x) => x.startsWith('  --'))) assert.match(l, /^  --[\w-]+(?: <[^>]+>(?: |$)| {2}|$)/, l);
    assert.match(help.stdout, /--statsd-address <host:port>\n {26}the StatsD listener .*port\s+8125\)/s);
  } finally {
    await n.stop();
    removeDir(n.dir);
  }
});

/** The value of an instant query's only sample, or null before there is one. */
async function scalarOf(url: string, query: string): Promise<number | null> {
  const j = (await (await fetch(`${url}/api/v1/query?query=${encodeURIComponent(query)}`)).json()) as { data: { result: { value: [number, string] }[] } };
  const r = j.data.result;
  return r.length === 0 ? null : Number(r[0]!.value[1]);
}

test('statsd-tcp, closed loop: every line sent is counted by the node, and the flushed counter equals the writes', async () => {
  const n = await startTestNode({ statsd_flush_interval: '100ms' }, undefined, { statsd: true });
  try {
    // --series 3 --batch 3: each write is the seed's three metrics on server1, one requests_total:1|c among them.
    const o = parseBenchArgs(['--target', n.url, '--protocol', 'statsd-tcp', '--statsd-address', `127.0.0.1:${n.node.statsdPort}`, '--connections', '3', '--duration', '700ms'])!;
    const r = await runBench(o);
    const u = r.statsd!;
    assert.equal(u.transport, 'tcp');
    assert.ok(r.requests > 100, `${r.requests} writes`);
    assert.equal(r.errors, 0);
    assert.equal(u.lines_sent, 3 * r.requests);
    assert.equal(u.lines_received, u.lines_sent);
    assert.equal(u.loss_pct, 0);
    assert.equal(u.malformed_lines, 0);
    assert.equal(r.samples_ok, u.lines_sent);
    assert.equal(r.latency_ms, null);
    assert.match(formatReport(r), /^received +\d[\d,]* lines counted by the node = [\d,]+ lines\/s; loss 0 %; malformed 0$/m);
    // The aggregated series after the next flushes: the counter adds up every write's 1.
    let total: number | null = null;
    for (let i = 0; i < 100 && total !== r.requests; i++) {
      await new Promise((res) => setTimeout(res, 50));
      total = await scalarOf(n.url, 'requests_total{host="server1"}');
    }
    assert.equal(total, r.requests);
    assert.equal(await scalarOf(n.url, 'cpu_usage{host="server1",region="us-east-1"}'), 75.5);
  } finally {
    await n.stop();
    removeDir(n.dir);
  }
});

test('statsd over UDP, open loop at a modest rate: every scheduled datagram is sent, and on loopback none is lost', async () => {
  const n = await startTestNode({}, undefined, { statsd: true });
  try {
    const o = parseBenchArgs(['--target', n.url, '--protocol', 'statsd', '--statsd-address', `127.0.0.1:${n.node.statsdPort}`, '--connections', '2', '--rate', '300', '--duration', '1s', '--batch', '5', '--series', '30'])!;
    const r = await runBench(o);
    const u = r.statsd!;
    assert.equal(r.mode, 'open');
    assert.equal(r.scheduled, 300);
    assert.equal(r.missed, 0);
    assert.equal(r.requests, 300);
    assert.equal(u.lines_sent, 1500);
    assert.equal(u.lines_received, 1500);
    assert.equal(u.malformed_lines, 0);
    assert.match(formatReport(r), /^target +StatsD over UDP to 127\.0\.0\.1:\d+, 2 sockets, open loop at 300 datagrams\/s$/m);
  } finally {
    await n.stop();
    removeDir(n.dir);
  }
});

test('statsd to a port nobody listens on, or a name that does not resolve: the run stops and says so', async () => {
  const n = await startTestNode({});
  try {
    // No StatsD listener in this node. TCP is refused at connect; UDP learns it from the ICMP
    // answer to its first datagram, and stops there rather than at the end of the duration.
    const tcp = parseBenchArgs(['--target', n.url, '--protocol', 'statsd-tcp', '--statsd-address', '127.0.0.1:1', '--connections', '1', '--duration', '200ms'])!;
    await assert.rejects(runBench(tcp), /cannot reach the StatsD listener at 127\.0\.0\.1:1 over TCP: .*ECONNREFUSED/);
    const udp = parseBenchArgs(['--target', n.url, '--protocol', 'statsd', '--statsd-address', '127.0.0.1:1', '--connections', '2', '--duration', '20s'])!;
    const t0 = performance.now();
    await assert.rejects(runBench(udp), /cannot reach the StatsD listener at 127\.0\.0\.1:1 over UDP: .*ECONNREFUSED/);
    assert.ok(performance.now() - t0 < 10_000, 'stopped at the refusal, not after 20 s');
    const name = parseBenchArgs(['--target', n.url, '--protocol', 'statsd', '--statsd-address', 'nosuch.invalid:8125', '--connections', '1', '--duration', '200ms'])!;
    await assert.rejects(runBench(name), /ENOTFOUND|EAI_AGAIN/);
  } finally {
    await n.stop();
    removeDir(n.dir);
  }
});

test('statsd with the node\'s stats out of reach: the lines sent are reported, the received ones as unknown', async () => {
  const n = await startTestNode({}, undefined, { statsd: true });
  try {
    // --target points at a port with no HTTP server; the lines still go to the node's StatsD port.
    const dead = await freePort();
    const o = parseBenchArgs(['--target', `http://127.0.0.1:${dead}`, '--protocol', 'statsd-tcp', '--statsd-address', `127.0.0.1:${n.node.statsdPort}`, '--connections', '1', '--duration', '200ms'])!;
    const r = await runBench(o);
    assert.ok(r.statsd!.lines_sent > 0);
    assert.equal(r.statsd!.lines_received, null);
    assert.equal(r.samples_ok, null);
    assert.equal(r.statsd!.stats_error, `GET http://127.0.0.1:${dead}/metrics: ECONNREFUSED`);
    assert.match(formatReport(r), new RegExp(`^received +unknown: GET http://127\\.0\\.0\\.1:${dead}/metrics: ECONNREFUSED$`, 'm'));
  } finally {
    await n.stop();
    removeDir(n.dir);
  }
});
