// Influx line protocol over HTTP: InfluxData's own client library writing to /api/v2/write, its
// Point formatter feeding /write (v1), hand-written edge cases, partial writes with line numbers,
// gzip, precision, rate limiting; every answer checked through the PromQL query API.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { HttpError, InfluxDB, Point, setLogger } from '@influxdata/influxdb-client';

// The client logs each failed write; the test asserts on the errors instead.
setLogger({ error: () => undefined, warn: () => undefined });
import { removeDir, startTestNode, type TestNode } from './node-harness.js';

let n: TestNode;
const T = Math.floor((Date.now() - 600_000) / 1000) * 1000;

before(async () => {
  n = await startTestNode({ rate_limit: '0' });
});
after(async () => {
  await n.stop();
  removeDir(n.dir);
});

/** Instant query at `time` (ms) -> {labels json: value}. */
async function q(query: string, time = T): Promise<Record<string, number>> {
  const r = await fetch(`${n.url}/api/v1/query?query=${encodeURIComponent(query)}&time=${time / 1000}`);
  const body = (await r.json()) as any;
  assert.equal(r.status, 200, JSON.stringify(body));
  const out: Record<string, number> = {};
  for (const s of body.data.result) out[JSON.stringify(s.metric)] = Number(s.value[1]);
  return out;
}

async function post(path: string, body: string | Buffer, headers: Record<string, string> = {}) {
  const r = await fetch(`${n.url}${path}`, { method: 'POST', body, headers });
  const text = await r.text();
  return { status: r.status, headers: r.headers, json: text ? JSON.parse(text) : null };
}

test('@influxdata/influxdb-client writes through /api/v2/write; series are queryable', async () => {
  const client = new InfluxDB({ url: n.url, token: 'my-token' });
  const w = client.getWriteApi('my-org', 'metrics', 'ms');
  w.useDefaultTags({ region: 'eu west' });
  w.writePoint(new Point('cpu').tag('host', 'a,1').floatField('usage_user', 12.5).intField('cores', 8).booleanField('throttled', true).stringField('note', 'skipped').timestamp(T));
  w.writePoint(new Point('cpu').tag('host', 'a,1').floatField('usage_user', 13.5).intField('cores', 8).booleanField('throttled', false).timestamp(T + 1000));
  w.writePoint(new Point('temp').tag('room', 'lab=2').floatField('value', -3.25).timestamp(new Date(T)));
  await w.close();
  const base = { db: 'metrics', host: 'a,1', region: 'eu west' };
  assert.deepEqual(await q('{__name__=~"cpu_.*"}', T + 1000), {
    [JSON.stringify({ __name__: 'cpu_cores', ...base })]: 8,
    [JSON.stringify({ __name__: 'cpu_throttled', ...base })]: 0,
    [JSON.stringify({ __name__: 'cpu_usage_user', ...base })]: 13.5,
  });
  assert.deepEqual(await q('cpu_usage_user', T), { [JSON.stringify({ __name__: 'cpu_usage_user', ...base })]: 12.5 });
  assert.deepEqual(await q('temp'), { [JSON.stringify({ __name__: 'temp', db: 'metrics', region: 'eu west', room: 'lab=2' })]: -3.25 });
  assert.deepEqual(await q('{__name__=~"cpu_note.*"}'), {});
});

test('the client sees a 400 with the refused line numbers for bad lines', async () => {
  const client = new InfluxDB({ url: n.url, token: 'my-token' });
  const w = client.getWriteApi('my-org', 'metrics', 's', { maxRetries: 0 });
  w.writeRecords([`v2ok value=1 ${T / 1000}`, 'v2bad value=', `v2ok2 value=2 ${T / 1000}`]);
  await assert.rejects(w.flush(), (e: unknown) => {
    assert.ok(e instanceof HttpError);
    assert.equal(e.statusCode, 400);
    const body = JSON.parse(e.body ?? '');
    assert.equal(body.error, 'partial write of line protocol occurred');
    assert.deepEqual(body.data, [{ line_number: 2, original_line: 'v2bad value=', error_message: 'missing field value: field "value" has nothing after "="' }]);
    return true;
  });
  await w.close().catch(() => undefined);
  // InfluxDB's partial write: the good lines were stored.
  assert.deepEqual(Object.values(await q('{__name__=~"v2ok|v2ok2"}')).sort(), [1, 2]);
});

test('/write (v1): lines formatted by the client library, db and precision, gzip', async () => {
  const lines = [
    new Point('disk').tag('path', '/var lib').floatField('used_percent', 71.5).uintField('inodes', 123456).timestamp(`${T}`).toLineProtocol(),
    new Point('disk').tag('path', '/').floatField('used_percent', 20).uintField('inodes', 99).timestamp(`${T}`).toLineProtocol(),
  ].join('\n');
  const r = await post('/write?db=telegraf&precision=ms', gzipSync(lines), { 'content-encoding': 'gzip', 'content-type': 'text/plain; charset=utf-8' });
  assert.equal(r.status, 204);
  assert.deepEqual(await q('disk_used_percent{db="telegraf"}'), {
    [JSON.stringify({ __name__: 'disk_used_percent', db: 'telegraf', path: '/' })]: 20,
    [JSON.stringify({ __name__: 'disk_used_percent', db: 'telegraf', path: '/var lib' })]: 71.5,
  });
  assert.deepEqual(Object.values(await q('disk_inodes{db="telegraf"}')).sort((a, b) => a - b), [99, 123456]);
  // v1 precision short forms: seconds, minutes, hours.
  for (const [p, unit] of [['s', 1000], ['m', 60_000], ['h', 3_600_000]] as const) {
    const ts = Math.floor(T / unit);
    assert.equal((await post(`/write?precision=${p}`, `prec_${p} value=1 ${ts}`)).status, 204);
    assert.deepEqual(Object.values(await q(`prec_${p}`, ts * unit)), [1], p);
    assert.deepEqual(Object.values(await q(`prec_${p}`, ts * unit - 1)), [], p);
  }
});

test('hand-written edge cases: escapes, every field type, comments, default nanoseconds', async () => {
  const ns = BigInt(T) * 1_000_000n;
  const body = [
    '# a comment line',
    `edge\\ m\\,x,k\\ 1=v\\=1\\,2 f\\=x=1.5e1,i=-7i,u=7u,b=TRUE,s="quote \\" and \\\\ backslash" ${ns}`,
    '',
    `edge_only_strings s="nothing stored" ${ns}`,
  ].join('\r\n');
  const r = await post('/api/v2/write?org=o&bucket=b', body);
  assert.equal(r.status, 204, JSON.stringify(r.json));
  const got = await q('{__name__=~"edge.*"}');
  assert.deepEqual(got, {
    [JSON.stringify({ __name__: 'edge m,x_b', db: 'b', 'k 1': 'v=1,2' })]: 1,
    [JSON.stringify({ __name__: 'edge m,x_f=x', db: 'b', 'k 1': 'v=1,2' })]: 15,
    [JSON.stringify({ __name__: 'edge m,x_i', db: 'b', 'k 1': 'v=1,2' })]: -7,
    [JSON.stringify({ __name__: 'edge m,x_u', db: 'b', 'k 1': 'v=1,2' })]: 7,
  });
});

test('partial writes: bad lines and storage refusals listed by number, the rest stored', async () => {
  assert.equal((await post('/write?precision=ms', `pw_series value=5 ${T + 5000}`)).status, 204);
  const body = [
    `pw_good value=1 ${T}`, // 1
    `pw_series value=4 ${T - 2 * 3_600_000}`, // 2: further behind the series' newest sample than the out-of-order window (1 h)
    `pw_bad,host value=1 ${T}`, // 3
    `pw_series value=6 ${T + 6000}`, // 4
    `pw_two a=1,b=oops ${T}`, // 5: one bad field refuses the whole line
  ].join('\n');
  const r = await post('/write?precision=ms', body);
  assert.equal(r.status, 400);
  assert.equal(r.json.error, 'partial write of line protocol occurred');
  assert.deepEqual(r.json.data.map((d: any) => d.line_number), [2, 3, 5]);
  assert.match(r.json.data[0].error_message, /older than the newest sample of that series|older than the in-memory head/);
  assert.equal(r.json.data[1].original_line, `pw_bad,host value=1 ${T}`);
  assert.deepEqual(Object.values(await q('pw_good')), [1]);
  assert.deepEqual(Object.values(await q('pw_series', T + 6000)), [6]);
  assert.deepEqual(await q('{__name__=~"pw_two.*"}'), {});
});

test('request-level errors: precision, body too large, Content-Encoding', async () => {
  const p = await post('/api/v2/write?bucket=b&precision=h', 'm value=1');
  assert.equal(p.status, 400);
  assert.equal(p.json.error, 'precision "h" is not supported; use one of ns, us, ms, s');
  assert.equal((await post('/write?precision=xs', 'm value=1')).status, 400);
  const e = await post('/write', 'm value=1', { 'content-encoding': 'br' });
  assert.equal(e.status, 415);
  const empty = await post('/write', '');
  assert.equal(empty.status, 204);
});

test('/ping answers 204 with X-Influxdb-Version, as clients probe it before writing (GET and HEAD)', async () => {
  for (const method of ['GET', 'HEAD']) {
    const r = await fetch(`${n.url}/ping`, { method });
    assert.equal(r.status, 204, method);
    assert.ok(r.headers.get('x-influxdb-version'), method);
    assert.equal(await r.text(), '');
  }
});

test("/query: Telegraf's CREATE DATABASE on start succeeds (databases need no creating); other InfluxQL is refused", async () => {
  // Telegraf's outputs.influxdb: POST /query with q in the form body (or the URL), and a 200
  // answer without an error in results[0] counts as created.
  const form = await fetch(`${n.url}/query`, {
    method: 'POST',
    body: 'q=CREATE+DATABASE+%22telegraf%22',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
  assert.equal(form.status, 200);
  assert.deepEqual(await form.json(), { results: [{ statement_id: 0 }] });
  const url = await fetch(`${n.url}/query?q=${encodeURIComponent('create database mydb')}`, { method: 'POST' });
  assert.equal(url.status, 200);
  assert.deepEqual(await url.json(), { results: [{ statement_id: 0 }] });
  const other = await fetch(`${n.url}/query?q=${encodeURIComponent('SELECT * FROM cpu')}`);
  assert.equal(other.status, 400);
  assert.match(((await other.json()) as any).error, /CREATE DATABASE/);
});

test('both endpoints are rate limited like POST /metrics', async () => {
  const limited = await startTestNode({ rate_limit: '1', rate_limit_window: '10s' });
  try {
    const h = { authorization: 'Token influx-client' };
    const a = await fetch(`${limited.url}/write`, { method: 'POST', body: 'rl value=1', headers: h });
    assert.equal(a.status, 204);
    const b = await fetch(`${limited.url}/api/v2/write?bucket=x`, { method: 'POST', body: 'rl value=1', headers: h });
    assert.equal(b.status, 429);
    assert.ok(Number(b.headers.get('retry-after')) >= 1);
    assert.deepEqual(await b.json(), { error: 'Rate limit exceeded' });
  } finally {
    await limited.stop();
    removeDir(limited.dir);
  }
});
