// /api/v1/status/tsdb answers Prometheus's document for the head, and the engine's gauges are on
// /metrics.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { postJson, startTestNode } from './node-harness.js';

test('/api/v1/status/tsdb: head counts and top cardinalities, as Prometheus shapes them', async () => {
  const n = await startTestNode({ rate_limit: '0' });
  try {
    const t = Date.now() - 60_000;
    const metrics = [];
    for (let h = 0; h < 3; h++) for (const name of ['cpu', 'mem']) metrics.push({ name, value: h, timestamp: t, tags: { host: `h${h}` } });
    metrics.push({ name: 'cpu', value: 1, timestamp: t, tags: { host: 'h0', core: '1' } });
    assert.equal((await postJson(`${n.url}/metrics`, { metrics })).status, 200);
    const r = await fetch(`${n.url}/api/v1/status/tsdb?limit=2`);
    assert.equal(r.status, 200);
    const body = (await r.json()) as any;
    assert.deepEqual(body, {
      status: 'success',
      data: {
        headStats: { numSeries: 7, numLabelPairs: 6, chunkCount: 7, minTime: t, maxTime: t },
        seriesCountByMetricName: [
          { name: 'cpu', value: 4 },
          { name: 'mem', value: 3 },
        ],
        labelValueCountByLabelName: [
          { name: 'host', value: 3 },
          { name: '__name__', value: 2 },
        ],
        memoryInBytesByLabelName: [
          { name: '__name__', value: 4 * 3 + 3 * 3 },
          { name: 'host', value: 7 * 2 },
        ],
        seriesCountByLabelValuePair: [
          { name: '__name__=cpu', value: 4 },
          { name: '__name__=mem', value: 3 },
        ],
        blocks: [],
      },
    });
    const bad = await fetch(`${n.url}/api/v1/status/tsdb?limit=0`);
    assert.equal(bad.status, 400);
    assert.deepEqual(await bad.json(), { status: 'error', errorType: 'bad_data', error: 'limit must be a positive number, got "0"' });
    const text = await (await fetch(`${n.url}/metrics`, { headers: { accept: 'text/plain' } })).text();
    assert.match(text, /^metricstream_head_series 7$/m);
    assert.match(text, /^metricstream_tsdb_blocks 0$/m);
    assert.match(text, /^metricstream_tsdb_compactions_total 0$/m);
  } finally {
    await n.stop();
  }
});

test('admin API: 503 unless enabled; delete_series answers 204 and the series range is gone; snapshot names a directory of blocks', async () => {
  const off = await startTestNode({ rate_limit: '0' });
  try {
    const r = await fetch(`${off.url}/api/v1/admin/tsdb/snapshot`, { method: 'POST' });
    assert.equal(r.status, 503);
    assert.deepEqual(await r.json(), { status: 'error', errorType: 'unavailable', error: 'admin APIs disabled (start with --enable-admin-api)' });
  } finally {
    await off.stop();
  }
  const n = await startTestNode({ rate_limit: '0', enable_admin_api: 'true' });
  try {
    const t = Date.now() - 120_000;
    const metrics = [];
    for (let k = 0; k < 6; k++) for (const s of ['a', 'b']) metrics.push({ name: 'adm', value: k, timestamp: t + k * 10_000, tags: { s } });
    assert.equal((await postJson(`${n.url}/metrics`, { metrics })).status, 200);
    const bad = await fetch(`${n.url}/api/v1/admin/tsdb/delete_series`, { method: 'POST' });
    assert.equal(bad.status, 400);
    assert.deepEqual(await bad.json(), { status: 'error', errorType: 'bad_data', error: 'no match[] parameter provided' });
    const del = await fetch(`${n.url}/api/v1/admin/tsdb/delete_series`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ 'match[]': 'adm{s="a"}', start: String((t + 10_000) / 1000), end: String((t + 30_000) / 1000) }).toString(),
    });
    assert.equal(del.status, 204);
    const q = await (await fetch(`${n.url}/api/v1/query?query=${encodeURIComponent('adm[10m]')}&time=${(t + 60_000) / 1000}`)).json() as any;
    const byS = Object.fromEntries(q.data.result.map((x: any) => [x.metric.s, x.values.map((v: any) => v[1])]));
    assert.deepEqual(byS, { a: ['0', '4', '5'], b: ['0', '1', '2', '3', '4', '5'] });
    const snap = await fetch(`${n.url}/api/v1/admin/tsdb/snapshot?skip_head=false`, { method: 'POST' });
    assert.equal(snap.status, 200);
    const body = (await snap.json()) as any;
    assert.match(body.data.name, /^\d{8}T\d{6}Z-[0-9a-f]{16}$/);
    const { readdirSync, existsSync } = await import('node:fs');
    const { join } = await import('node:path');
    const blocks = readdirSync(join(n.dir, 'snapshots', body.data.name));
    assert.equal(blocks.length, 1, 'the head was written as one block');
    assert.ok(existsSync(join(n.dir, 'snapshots', body.data.name, blocks[0]!, 'meta.json')));
  } finally {
    await n.stop();
  }
});

test('queries read closed head chunks through decoded copies: the same answers, counted on /metrics; --query-chunk-cache-size 0 turns it off', async () => {
  const t0 = Date.now() - 300_000;
  const metrics = [];
  // 250 samples of one series: two closed chunks of 120 and an open one.
  for (let k = 0; k < 250; k++) metrics.push({ name: 'cached', value: k % 17, timestamp: t0 + k * 1000, tags: { s: 'a' } });
  const answers: unknown[] = [];
  for (const size of ['32MiB', '0']) {
    const n = await startTestNode({ rate_limit: '0', query_chunk_cache_size: size });
    try {
      assert.equal((await postJson(`${n.url}/metrics`, { metrics })).status, 200);
      const url = `${n.url}/api/v1/query?query=${encodeURIComponent('cached[10m]')}&time=${(t0 + 250_000) / 1000}`;
      const first = await (await fetch(url)).json() as any;
      const again = await (await fetch(url)).json() as any;
      assert.deepEqual(again, first);
      assert.equal(first.data.result[0].values.length, 250);
      answers.push(first);
      const text = await (await fetch(`${n.url}/metrics`, { headers: { accept: 'text/plain' } })).text();
      if (size === '0') {
        assert.match(text, /^metricstream_query_chunk_cache_misses_total 0$/m);
        assert.match(text, /^metricstream_query_chunk_cache_chunks 0$/m);
      } else {
        assert.match(text, /^metricstream_query_chunk_cache_misses_total 2$/m);
        assert.match(text, /^metricstream_query_chunk_cache_hits_total 2$/m);
        assert.match(text, /^metricstream_query_chunk_cache_chunks 2$/m);
      }
    } finally {
      await n.stop();
    }
  }
  assert.deepEqual(answers[1], answers[0]);
});
