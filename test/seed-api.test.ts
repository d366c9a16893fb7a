// The seed-compatible API end to end over HTTP: POST /metrics, GET /metrics, /health, /ready, export.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { exportLines, postJson, removeDir, startTestNode, type TestNode } from './node-harness.js';

const SEED = { metrics: [{ name: 'cpu_usage', value: 75.5, type: 'gauge', tags: { host: 'server1' } }] };

let n: TestNode;
before(async () => {
  n = await startTestNode({ rate_limit: '0' });
});
after(async () => {
  await n.stop();
  removeDir(n.dir);
});

async function stats(): Promise<Record<string, number>> {
  return (await (await fetch(`${n.url}/metrics`)).json()) as Record<string, number>;
}

describe('seed API', () => {
  test('the seed curl example is accepted and comes back from export with its tags', async () => {
    const before = Date.now();
    const r = await postJson(`${n.url}/metrics`, SEED, { authorization: 'my_client_id' });
    assert.equal(r.status, 200);
    assert.deepEqual(r.json, { success: true, metrics_processed: 1 });
    const lines = await exportLines(n.url, 'cpu_usage');
    assert.equal(lines.length, 1);
    assert.deepEqual(lines[0]!.metric, { __name__: 'cpu_usage', host: 'server1' });
    assert.deepEqual(lines[0]!.values, [75.5]);
    assert.ok(lines[0]!.timestamps[0]! >= before && lines[0]!.timestamps[0]! <= Date.now());
  });

  test('health and readiness', async () => {
    assert.deepEqual(await (await fetch(`${n.url}/health`)).json(), { status: 'healthy', service: 'ingestion' });
    assert.equal((await fetch(`${n.url}/ready`)).status, 200);
  });

  test('stats count metrics, batches, validation errors; exposition is Prometheus text', async () => {
    const s0 = await stats();
    const ok = { metrics: [1, 2, 3].map((i) => ({ name: 'stats_probe', value: i, tags: { i: String(i) } })) };
    assert.equal((await postJson(`${n.url}/metrics`, ok)).status, 200);
    assert.equal((await postJson(`${n.url}/metrics`, ok)).status, 200);
    assert.equal((await postJson(`${n.url}/metrics`, { metrics: [{ name: '', value: 1 }] })).status, 400);
    const s1 = await stats();
    assert.equal(s1.metrics_received! - s0.metrics_received!, 6);
    assert.equal(s1.batches_processed! - s0.batches_processed!, 2);
    assert.equal(s1.validation_errors! - s0.validation_errors!, 1);
    assert.equal(s1.rate_limited_requests, 0);

    const r = await fetch(`${n.url}/metrics`, { headers: { accept: 'text/plain' } });
    assert.match(r.headers.get('content-type')!, /^text\/plain; version=0\.0\.4/);
    const text = await r.text();
    const sampleLine = /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="(\\.|[^"\\])*",?)*\})? -?([0-9.e+-]+|NaN|\+Inf|-Inf)( \d+)?$/;
    for (const line of text.split('\n')) {
      if (line === '' || line.startsWith('# HELP ') || line.startsWith('# TYPE ')) continue;
      assert.match(line, sampleLine);
    }
    assert.match(text, /^metricstream_ingest_requests_total\{protocol="json",code="200"\} \d+$/m);
    assert.match(text, /^# TYPE metricstream_head_series gauge$/m);
  });

  test('optional timestamps: ms and RFC 3339; gzip bodies', async () => {
    const t = Date.now() - 60_000;
    const iso = new Date(t + 1000).toISOString();
    const body = { metrics: [{ name: 'ts_probe', value: 1, timestamp: t }, { name: 'ts_probe', value: 2, timestamp: iso }] };
    const r = await postJson(`${n.url}/metrics`, gzipSync(JSON.stringify(body)), { 'content-encoding': 'gzip' });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    const [line] = await exportLines(n.url, 'ts_probe');
    assert.deepEqual(line!.timestamps, [t, t + 1000]);
    assert.deepEqual(line!.values, [1, 2]);
  });

  test('the last of several samples at one timestamp wins; every metric is counted', async () => {
    const t = Date.now() - 30_000;
    const body = { metrics: [1, 2, 3].map((v) => ({ name: 'dup_probe', value: v, timestamp: t })) };
    const r = await postJson(`${n.url}/metrics`, body);
    assert.deepEqual(r.json, { success: true, metrics_processed: 3 });
    const r2 = await postJson(`${n.url}/metrics`, { metrics: [{ name: 'dup_probe', value: 4, timestamp: t }] });
    assert.equal(r2.status, 200);
    const [line] = await exportLines(n.url, 'dup_probe');
    assert.deepEqual(line!.timestamps, [t]);
    assert.deepEqual(line!.values, [4]);
  });

  test('a sample older than the out-of-order window refuses the whole batch', async () => {
    const t = Date.now() - 20_000;
    assert.equal((await postJson(`${n.url}/metrics`, { metrics: [{ name: 'ooo_probe', value: 1, timestamp: t }] })).status, 200);
    const r = await postJson(`${n.url}/metrics`, {
      metrics: [
        { name: 'ooo_other', value: 1 },
        { name: 'ooo_probe', value: 2, timestamp: t - 3_600_001 },
      ],
    });
    assert.equal(r.status, 400);
    assert.equal(r.json.details[0].index, 1);
    assert.match(r.json.details[0].message, /older than the newest sample .* by more than the out-of-order window of 3600 s/);
    assert.deepEqual(await exportLines(n.url, 'ooo_other'), []);
  });

  test('late samples inside the out-of-order window are stored and read back in time order', async () => {
    const t = Date.now() - 60_000;
    assert.equal((await postJson(`${n.url}/metrics`, { metrics: [{ name: 'late_probe', value: 3, timestamp: t }] })).status, 200);
    const r = await postJson(`${n.url}/metrics`, {
      metrics: [
        { name: 'late_probe', value: 1, timestamp: t - 20_000 },
        { name: 'late_probe', value: 2, timestamp: t - 10_000 },
        { name: 'late_probe', value: 9, timestamp: t },
      ],
    });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    const [line] = await exportLines(n.url, 'late_probe');
    assert.deepEqual(line!.timestamps, [t - 20_000, t - 10_000, t]);
    // The same timestamp written again: the last write wins.
    assert.deepEqual(line!.values, [1, 2, 9]);
  });

  test('metric metadata (type, help, unit) is kept per name and survives a restart', async () => {
    const r = await postJson(`${n.url}/metrics`, { metrics: [{ name: 'requests_total', value: 5, type: 'counter', help: 'Requests served' }] });
    assert.equal(r.status, 200);
    // A later metric without help keeps the stored help; the type follows the newest.
    assert.equal((await postJson(`${n.url}/metrics`, { metrics: [{ name: 'requests_total', value: 6, type: 'counter', unit: 'requests' }] })).status, 200);
    const want = { status: 'success', data: { requests_total: [{ type: 'counter', help: 'Requests served', unit: 'requests' }] } };
    assert.deepEqual(await (await fetch(`${n.url}/api/v1/metadata?metric=requests_total`)).json(), want);
    await n.stop();
    n = await startTestNode({ rate_limit: '0' }, n.dir);
    assert.deepEqual(await (await fetch(`${n.url}/api/v1/metadata?metric=requests_total`)).json(), want);
    const [line] = await exportLines(n.url, 'requests_total');
    assert.deepEqual(line!.values, [5, 6]);
  });
});

describe('validation: each rule answers 400 naming the problem, and stores nothing', () => {
  const cases: [string, unknown, string, RegExp][] = [
    ['empty name', { name: '', value: 1 }, 'name', /must not be empty/],
    ['name not a string', { name: 5, value: 1 }, 'name', /must be a string/],
    ['name too long', { name: 'x'.repeat(256), value: 1 }, 'name', /256 bytes, the limit is 255/],
    ['name with a lone surrogate', { name: 'bad\ud800', value: 1 }, 'name', /UTF-8/],
    ['value missing', { name: 'v' }, 'value', /must be a number/],
    ['value a string', { name: 'v', value: '1' }, 'value', /must be a number/],
    ['value overflowing to Infinity', '{"name":"v","value":1e999}', 'value', /finite/],
    ['unknown type', { name: 'v', value: 1, type: 'meter' }, 'type', /counter, gauge, histogram, summary/],
    ['tags not an object', { name: 'v', value: 1, tags: ['a'] }, 'tags', /must be an object/],
    ['tag value not a string', { name: 'v', value: 1, tags: { a: 1 } }, 'tags.a', /must be a string/],
    ['reserved label name', { name: 'v', value: 1, tags: { __x: 'y' } }, 'tags.__x', /reserved/],
    ['label name too long', { name: 'v', value: 1, tags: { ['k'.repeat(129)]: 'y' } }, 'tags.' + 'k'.repeat(129), /129 bytes, the limit is 128/],
    ['label value too long', { name: 'v', value: 1, tags: { k: 'é'.repeat(1025) } }, 'tags.k', /2050 bytes, the limit is 2048/],
    ['too many labels', { name: 'v', value: 1, tags: Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`l${i}`, 'x'])) }, 'tags', /65 labels, the limit is 64/],
    ['timestamp in the future', { name: 'v', value: 1, timestamp: Date.now() + 11 * 60_000 }, 'timestamp', /in the future/],
    ['timestamp older than retention', { name: 'v', value: 1, timestamp: Date.now() - 16 * 86_400_000 }, 'timestamp', /older than the retention/],
    ['timestamp in seconds', { name: 'v', value: 1, timestamp: Math.floor(Date.now() / 1000) }, 'timestamp', /looks like seconds/],
    ['timestamp not RFC 3339', { name: 'v', value: 1, timestamp: 'yesterday' }, 'timestamp', /RFC 3339/],
  ];
  for (const [what, metric, field, message] of cases) {
    test(what, async () => {
      const good = { name: 'validation_good', value: 1 };
      // A string is sent as raw JSON text (JSON.stringify cannot write 1e999).
      const raw = typeof metric === 'string' ? metric : JSON.stringify(metric);
      const r = await postJson(`${n.url}/metrics`, `{"metrics":[${JSON.stringify(good)},${raw}]}`);
      assert.equal(r.status, 400, JSON.stringify(r.json));
      assert.equal(typeof r.json.error, 'string');
      const d = r.json.details.find((x: { field: string }) => x.field === field);
      assert.ok(d, `no detail for ${field}: ${JSON.stringify(r.json.details)}`);
      assert.equal(d.index, 1);
      assert.match(d.message, message);
      assert.deepEqual(await exportLines(n.url, 'validation_good'), []);
    });
  }

  test('every problem of a batch is listed', async () => {
    const r = await postJson(`${n.url}/metrics`, { metrics: [{ name: '', value: 'x' }, { name: 'ok', value: 1 }, { name: 'v', value: 1, type: 'x' }] });
    assert.equal(r.status, 400);
    assert.deepEqual(r.json.details.map((d: { index: number; field: string }) => [d.index, d.field]), [[0, 'name'], [0, 'value'], [2, 'type']]);
    assert.deepEqual(await exportLines(n.url, 'ok'), []);
  });

  test('malformed JSON, empty body, wrong content type, wrong shape', async () => {
    const bad = await postJson(`${n.url}/metrics`, '{"metrics": [');
    assert.equal(bad.status, 400);
    assert.match(bad.json.error, /not valid JSON/);
    const empty = await postJson(`${n.url}/metrics`, '');
    assert.equal(empty.status, 400);
    assert.match(empty.json.error, /empty/);
    const ct = await postJson(`${n.url}/metrics`, JSON.stringify(SEED), { 'content-type': 'text/csv' });
    assert.equal(ct.status, 415);
    assert.match(ct.json.error, /application\/json/);
    const shape = await postJson(`${n.url}/metrics`, { metric: [] });
    assert.equal(shape.status, 400);
    assert.match(shape.json.error, /"metrics" array/);
    const enc = await postJson(`${n.url}/metrics`, JSON.stringify(SEED), { 'content-encoding': 'br' });
    assert.equal(enc.status, 415);
  });

  test('an 11 MiB body is refused with 413', async () => {
    const big = JSON.stringify({ metrics: [{ name: 'big_probe', value: 1, tags: { pad: 'x'.repeat(11 * 1024 * 1024) } }] });
    const r = await postJson(`${n.url}/metrics`, big);
    assert.equal(r.status, 413);
    assert.match(r.json.error, /larger than the limit of 10485760 bytes/);
    assert.deepEqual(await exportLines(n.url, 'big_probe'), []);
  });

  test('a gzip body that inflates past the limit is refused with 413', async () => {
    const bomb = gzipSync(Buffer.alloc(12 * 1024 * 1024, 32));
    const r = await postJson(`${n.url}/metrics`, bomb, { 'content-encoding': 'gzip' });
    assert.equal(r.status, 413);
  });

  test('a batch of 1001 metrics is refused', async () => {
    const metrics = Array.from({ length: 1001 }, (_, i) => ({ name: 'batch_probe', value: i, tags: { i: String(i) } }));
    const r = await postJson(`${n.url}/metrics`, { metrics });
    assert.equal(r.status, 400);
    assert.match(r.json.error, /1001 metrics, the limit is 1000/);
    assert.deepEqual(await exportLines(n.url, 'batch_probe'), []);
    const ok = await postJson(`${n.url}/metrics`, { metrics: metrics.slice(0, 1000) });
    assert.deepEqual(ok.json, { success: true, metrics_processed: 1000 });
  });

  test('unknown endpoints and methods', async () => {
    assert.equal((await fetch(`${n.url}/nope`)).status, 404);
    const r = await fetch(`${n.url}/health`, { method: 'POST' });
    assert.equal(r.status, 405);
    assert.equal(r.headers.get('allow'), 'GET');
  });
});
