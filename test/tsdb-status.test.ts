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
