// POST /api/v1/import and GET /api/v1/export / `metricstream export`: round trips, all-or-nothing
// imports with line-numbered errors, gzip, selectors and time ranges.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { BIN, exportLines, removeDir, startTestNode, type TestNode } from './node-harness.js';

let n: TestNode;
before(async () => {
  n = await startTestNode({ rate_limit: '0' });
});
after(async () => {
  await n.stop();
  removeDir(n.dir);
});

async function importText(body: string | Buffer, headers: Record<string, string> = {}) {
  const r = await fetch(`${n.url}/api/v1/import`, { method: 'POST', body, headers });
  const text = await r.text();
  return { status: r.status, json: text ? JSON.parse(text) : null };
}

const T = Date.now() - 3_600_000;

test('imported lines come back from export, special values included', async () => {
  const lines = [
    { metric: { __name__: 'imp_a', job: 'x' }, values: [1, 2.5, 'NaN', '+Inf', '-Inf'], timestamps: [T, T + 10, T + 20, T + 30, T + 40] },
    { metric: { __name__: 'imp_a', job: 'y' }, values: [7], timestamps: [T] },
  ];
  const r = await importText(lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
  assert.equal(r.status, 204);
  const out = await exportLines(n.url, 'imp_a');
  assert.deepEqual(out, lines);
  const onlyY = await exportLines(n.url, 'imp_a{job="y"}');
  assert.equal(onlyY.length, 1);
  // Regex matchers have RE2 semantics: inline flags, fully anchored.
  assert.equal((await exportLines(n.url, '{__name__=~"(?i)IMP_A", job=~"x|z"}')).length, 1);
  assert.equal((await exportLines(n.url, '{__name__=~"imp_"}')).length, 0);
});

test('unsorted timestamps in a line are sorted; gzip works', async () => {
  const line = { metric: { __name__: 'imp_b' }, values: [3, 1, 2], timestamps: [T + 3000, T + 1000, T + 2000] };
  const r = await importText(gzipSync(JSON.stringify(line)), { 'content-encoding': 'gzip' });
  assert.equal(r.status, 204);
  const [got] = await exportLines(n.url, 'imp_b');
  assert.deepEqual(got!.timestamps, [T + 1000, T + 2000, T + 3000]);
  assert.deepEqual(got!.values, [1, 2, 3]);
});

test('bad lines are listed by number and nothing of the request is stored', async () => {
  const good = JSON.stringify({ metric: { __name__: 'imp_c' }, values: [1], timestamps: [T] });
  const body = [
    good,
    '{not json',
    JSON.stringify({ metric: { job: 'no-name' }, values: [1], timestamps: [T] }),
    '',
    JSON.stringify({ metric: { __name__: 'imp_c2' }, values: [1, 2], timestamps: [T] }),
    JSON.stringify({ metric: { __name__: 'imp_c3' }, values: ['one'], timestamps: [T] }),
    good,
  ].join('\n');
  const r = await importText(body);
  assert.equal(r.status, 400);
  assert.equal(r.json.status, 'error');
  assert.equal(r.json.errorType, 'bad_data');
  assert.match(r.json.error, /^4 of 7 lines are invalid, nothing was stored; line 2: /);
  assert.deepEqual(r.json.details.map((d: { line: number }) => d.line), [2, 3, 5, 6]);
  assert.deepEqual(await exportLines(n.url, 'imp_c'), []);
});

test('export filters by time range and refuses bad selectors in Prometheus error shape', async () => {
  const line = { metric: { __name__: 'imp_d' }, values: [1, 2, 3], timestamps: [T, T + 60_000, T + 120_000] };
  assert.equal((await importText(JSON.stringify(line))).status, 204);
  const r = await fetch(`${n.url}/api/v1/export?match[]=imp_d&start=${(T + 30_000) / 1000}&end=${new Date(T + 90_000).toISOString()}`);
  const got = JSON.parse((await r.text()).trim());
  assert.deepEqual(got.timestamps, [T + 60_000]);
  const bad = await fetch(`${n.url}/api/v1/export?match[]=${encodeURIComponent('imp_d{')}`);
  assert.equal(bad.status, 400);
  const body = (await bad.json()) as any;
  assert.equal(body.status, 'error');
  assert.equal(body.errorType, 'bad_data');
});

test('`metricstream export --url` writes the same lines as the API', async () => {
  const api = await (await fetch(`${n.url}/api/v1/export?match[]=imp_a`)).text();
  // Asynchronously: the node under test runs in this process and must keep serving.
  const run = promisify(execFile);
  const r = await run(process.execPath, [BIN, 'export', '--url', n.url, '--match', 'imp_a']);
  assert.equal(r.stdout, api);
  await assert.rejects(run(process.execPath, [BIN, 'export', '--url', 'http://127.0.0.1:1']), (e: { code: number; stderr: string }) => {
    assert.equal(e.code, 1);
    assert.match(e.stderr, /cannot reach http:\/\/127\.0\.0\.1:1/);
    return true;
  });
});

/** The ingest duration histogram's series for one protocol and code, from a scrape of the node. */
async function durationSeries(protocol: string, code: string): Promise<{ count: number; sum: number; buckets: [string, number][] }> {
  const text = await (await fetch(`${n.url}/metrics`, { headers: { accept: 'text/plain' } })).text();
  const out = { count: 0, sum: 0, buckets: [] as [string, number][] };
  const labels = `protocol="${protocol}",code="${code}"`;
  for (const line of text.split('\n')) {
    if (!line.startsWith('metricstream_ingest_request_duration_seconds')) continue;
    const [series, value] = line.split(' ');
    const v = Number(value);
    if (series === `metricstream_ingest_request_duration_seconds_count{${labels}}`) out.count = v;
    else if (series === `metricstream_ingest_request_duration_seconds_sum{${labels}}`) out.sum = v;
    else {
      const m = /^metricstream_ingest_request_duration_seconds_bucket\{le="([^"]+)",(.*)\}$/.exec(series!);
      if (m !== null && m[2] === labels) out.buckets.push([m[1]!, v]);
    }
  }
  return out;
}

test('each import is timed in metricstream_ingest_request_duration_seconds by its answer code', async () => {
  const ok0 = await durationSeries('import', '204');
  const bad0 = await durationSeries('import', '400');
  assert.equal((await importText(JSON.stringify({ metric: { __name__: 'imp_timed' }, values: [1], timestamps: [T] }))).status, 204);
  assert.equal((await importText(JSON.stringify({ metric: { __name__: 'imp_timed' }, values: [1, 2], timestamps: [T] }))).status, 400);
  assert.equal((await importText(JSON.stringify({ metric: { __name__: 'imp_timed' }, values: [3], timestamps: [T + 1] }))).status, 204);
  const ok = await durationSeries('import', '204');
  const bad = await durationSeries('import', '400');
  assert.equal(ok.count - ok0.count, 2);
  assert.equal(bad.count - bad0.count, 1);
  // Cumulative buckets ending in +Inf = the count, and the time spent is plausible for a loopback request.
  assert.deepEqual(ok.buckets.at(-1), ['+Inf', ok.count]);
  for (let i = 1; i < ok.buckets.length; i++) assert.ok(ok.buckets[i]![1] >= ok.buckets[i - 1]![1]);
  assert.ok(ok.sum > ok0.sum && ok.sum - ok0.sum < 10, `two requests took ${ok.sum - ok0.sum} s`);
});
