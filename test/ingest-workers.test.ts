// Decode workers behind the real HTTP server: the sliding-window limit stays exact (one window
// per client on the main thread, whichever worker decodes), and every protocol stores through them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { exportLines, postJson, removeDir, startTestNode } from './node-harness.js';

/** The decode jobs per thread from the Prometheus exposition of /metrics. */
async function decodeJobs(url: string): Promise<Map<string, number>> {
  const text = await (await fetch(`${url}/metrics`, { headers: { accept: 'text/plain' } })).text();
  const out = new Map<string, number>();
  for (const m of text.matchAll(/^metricstream_ingest_decode_jobs_total\{thread="([^"]+)"\} (\d+)/gm)) out.set(m[1]!, Number(m[2]));
  return out;
}

test('with a limit of N per window, request N+1 is refused while different workers decode the requests', async () => {
  const N = 6;
  // Every body goes to a worker (min bytes 0); a long window so all requests surely fall in one.
  const n = await startTestNode({ rate_limit: String(N), rate_limit_window: '60s', ingest_workers: '2', ingest_decode_min_bytes: '0' });
  try {
    const before = await decodeJobs(n.url);
    const body = (i: number) => ({ metrics: [{ name: 'rl_workers', value: i, tags: { i: String(i) } }] });
    // All at once, so decodes overlap and land on both workers.
    const answers = await Promise.all(Array.from({ length: N + 1 }, (_, i) => postJson(`${n.url}/metrics`, body(i), { authorization: 'client-w' })));
    const codes = answers.map((a) => a.status).sort();
    assert.deepEqual(codes, [...Array<number>(N).fill(200), 429]);
    assert.ok(Number(answers.find((a) => a.status === 429)!.headers.get('retry-after')) >= 1);
    // Later requests of the same client in the window: refused as well, whoever would decode them.
    for (let i = 0; i < 3; i++) assert.equal((await postJson(`${n.url}/metrics`, body(100 + i), { authorization: 'client-w' })).status, 429);
    // Another client has its own window.
    assert.equal((await postJson(`${n.url}/metrics`, body(200), { authorization: 'client-other' })).status, 200);

    const after = await decodeJobs(n.url);
    const delta = (t: string) => (after.get(t) ?? 0) - (before.get(t) ?? 0);
    assert.equal(delta('worker-0') + delta('worker-1'), N + 1, JSON.stringify([...after]));
    assert.ok(delta('worker-0') > 0 && delta('worker-1') > 0, `both workers decoded: ${JSON.stringify([...after])}`);
    assert.equal(delta('main'), 0);

    const stats = (await (await fetch(`${n.url}/metrics`)).json()) as Record<string, number>;
    assert.equal(stats.rate_limited_requests, 4);
    assert.equal(stats.batches_processed, N + 1);
    const stored = await exportLines(n.url, 'rl_workers');
    assert.equal(stored.length, N + 1);
  } finally {
    await n.stop();
    removeDir(n.dir);
  }
});
