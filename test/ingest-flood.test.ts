// Backpressure against the real engine: a child-process node whose WAL writes are slowed (the
// slow-WAL test hook, as a throttled disk) is flooded by many connections sending 1000-sample
// batches for ~10 s. It must answer 503 + Retry-After instead of queueing, keep its RSS under a
// stated bound, and afterwards hold exactly the samples of every 200 answer and nothing of a 503'd one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Agent, request } from 'undici';
import { exportLines, freePort, removeDir, startChildNode, tempDir } from './node-harness.js';

const CONNECTIONS = 48;
const SERIES = 10; // per connection; 100 samples of each per batch
const PER_SERIES = 100;
const FLOOD_MS = 10_000;
/** The bound this test holds the node to (floods here peaked at 185–195 MiB; with the bounds out of reach and 200 connections, 246 MiB). */
const RSS_LIMIT = 512 * 1024 * 1024;

function rssOf(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m === null ? 0 : Number(m[1]) * 1024;
}

test('a flood against a node with a slow WAL gets 503s, RSS stays bounded, and exactly the accepted batches are stored', { timeout: 120_000 }, async () => {
  const dir = tempDir();
  const port = await freePort();
  const node = await startChildNode(
    dir,
    port,
    [
      '--rate-limit', '0',
      '--log-level', 'warn',
      '--ingest-workers', '2',
      '--ingest-decode-min-bytes', '0',
      '--ingest-max-pending-commits', '8',
      '--ingest-max-wal-pending-bytes', '1MiB',
      '--ingest-max-inflight-bytes', '8MiB',
    ],
    // Every WAL write waits 20 ms plus its size at 200 kB/s: far slower than the flood.
    { METRICSTREAM_FAILPOINT_SLOW_WAL: '20,200000' },
  );
  const agent = new Agent({ connections: CONNECTIONS, keepAliveTimeout: 30_000 });
  try {
    const pid = node.child.pid!;
    let maxRss = rssOf(pid);
    const sampler = setInterval(() => (maxRss = Math.max(maxRss, rssOf(pid))), 100);
    const base = Date.now() - 1_800_000;
    const codes = new Map<number, number>();
    const accepted: number[][] = Array.from({ length: CONNECTIONS }, () => []);
    let retryAfterOk = true;
    const until = Date.now() + FLOOD_MS;
    await Promise.all(
      Array.from({ length: CONNECTIONS }, async (_, c) => {
        for (let j = 0; Date.now() < until; j++) {
          const metrics = [];
          for (let s = 0; s < SERIES; s++) {
            for (let k = 0; k < PER_SERIES; k++) {
              metrics.push({ name: 'flood', value: j * PER_SERIES + k, tags: { conn: String(c), s: String(s) }, timestamp: base + j * PER_SERIES + k });
            }
          }
          const r = await request(`${node.url}/metrics`, {
            method: 'POST',
            dispatcher: agent,
            headers: { 'content-type': 'application/json', authorization: `flood-${c}` },
            body: JSON.stringify({ metrics }),
          });
          await r.body.text();
          codes.set(r.statusCode, (codes.get(r.statusCode) ?? 0) + 1);
          if (r.statusCode === 200) accepted[c]!.push(j);
          else if (r.statusCode === 503 && !(Number(r.headers['retry-after']) >= 1)) retryAfterOk = false;
        }
      }),
    );
    clearInterval(sampler);
    maxRss = Math.max(maxRss, rssOf(pid));
    const ok = codes.get(200) ?? 0;
    const refused = codes.get(503) ?? 0;
    console.log(`flood: ${JSON.stringify(Object.fromEntries(codes))}, max RSS ${(maxRss / 1048576).toFixed(1)} MiB (limit ${RSS_LIMIT / 1048576} MiB)`);
    assert.deepEqual([...codes.keys()].filter((k) => k !== 200 && k !== 503), [], 'only 200 and 503 answers');
    assert.ok(refused > 0, 'the node answered 503 when its WAL fell behind');
    assert.ok(ok > 0, 'the node kept accepting some batches');
    assert.ok(retryAfterOk, 'every 503 carries Retry-After');
    assert.ok(maxRss < RSS_LIMIT, `RSS peaked at ${maxRss} bytes, the bound is ${RSS_LIMIT}`);

    // Every sample of every 200 answer is stored, exactly; nothing of a 503'd batch.
    const lines = await exportLines(node.url, 'flood');
    const bySeries = new Map(lines.map((l) => [`${l.metric['conn']}/${l.metric['s']}`, l]));
    let stored = 0;
    for (let c = 0; c < CONNECTIONS; c++) {
      for (let s = 0; s < SERIES; s++) {
        const l = bySeries.get(`${c}/${s}`);
        const want: number[] = [];
        for (const j of accepted[c]!) for (let k = 0; k < PER_SERIES; k++) want.push(j * PER_SERIES + k);
        assert.deepEqual(l?.timestamps.map((t) => t - base) ?? [], want, `series conn=${c} s=${s}`);
        assert.deepEqual(l?.values ?? [], want, `values of conn=${c} s=${s}`);
        stored += want.length;
      }
    }
    assert.equal(stored, ok * SERIES * PER_SERIES);
    assert.equal(lines.length, bySeries.size);
    const prom = await (await fetch(`${node.url}/metrics`, { headers: { accept: 'text/plain' } })).text();
    assert.match(prom, /^metricstream_ingest_overloaded_total\{bound="[a-z_]+"\} [1-9]/m);
  } finally {
    await agent.close();
    node.child.kill('SIGTERM');
    await new Promise((r) => node.child.once('exit', r));
    removeDir(dir);
  }
});
