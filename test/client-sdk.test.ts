// The client SDK against a real node: batching, helpers, gzip, 429 Retry-After honoured,
// refused batches not retried, and the drop counter when the node is unreachable.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { gunzipSync } from 'node:zlib';
import { ClientClosedError, MetricStreamClient } from '../src/client/index.js';
import { exportLines, freePort, removeDir, startTestNode } from './node-harness.js';

async function stats(url: string): Promise<Record<string, number>> {
  return (await (await fetch(`${url}/metrics`)).json()) as Record<string, number>;
}

test('push, counter, gauge and histogram reach the node in batches of maxBatch; counts match the server', async () => {
  const n = await startTestNode({ rate_limit: '0' });
  const ms = new MetricStreamClient({ url: n.url, authorization: 'sdk-a', maxBatch: 40, flushIntervalMs: 60_000 });
  try {
    const t0 = Date.now() - 60_000;
    ms.push(Array.from({ length: 100 }, (_, i) => ({ name: 'sdk_push', value: i, tags: { host: 'h1' }, timestamp: t0 + i })));
    const c = ms.counter('sdk_requests_total', { route: '/' }, 'Requests served');
    c.inc();
    c.inc(4);
    const g = ms.gauge('sdk_temperature', { room: 'a' });
    g.set(20);
    g.dec(1.5);
    const h = ms.histogram('sdk_latency_seconds');
    h.observe(0.25);
    await ms.flush();
    const s = ms.stats();
    // 100 pushed + 1 histogram observation + the counter and the gauge collected at flush.
    assert.equal(s.sent, 103);
    assert.deepEqual([s.dropped, s.failed, s.retries, s.buffered], [0, 0, 0, 0]);
    const server = await stats(n.url);
    assert.equal(server.metrics_received, s.sent);
    assert.equal(server.batches_processed, s.batches);
    assert.ok(s.batches >= 3, `batches ${s.batches}`);

    const push = await exportLines(n.url, 'sdk_push');
    assert.deepEqual(push[0]!.values, Array.from({ length: 100 }, (_, i) => i));
    assert.deepEqual(push[0]!.timestamps, Array.from({ length: 100 }, (_, i) => t0 + i));
    assert.deepEqual((await exportLines(n.url, 'sdk_requests_total'))[0]!.values, [5]);
    assert.deepEqual((await exportLines(n.url, 'sdk_temperature'))[0]!.values, [18.5]);
    assert.deepEqual((await exportLines(n.url, 'sdk_latency_seconds'))[0]!.values, [0.25]);
    const meta = (await (await fetch(`${n.url}/api/v1/metadata?metric=sdk_requests_total`)).json()) as any;
    assert.deepEqual(meta.data.sdk_requests_total[0], { type: 'counter', help: 'Requests served', unit: '' });
  } finally {
    await ms.close();
    await n.stop();
    removeDir(n.dir);
  }
});

test('a 429 is retried only after its Retry-After: the node sees allowed, allowed, denied, allowed', async () => {
  const n = await startTestNode({ rate_limit: '2', rate_limit_window: '2s' });
  const ms = new MetricStreamClient({ url: n.url, authorization: 'sdk-limited', maxBatch: 1, retryBaseDelayMs: 20 });
  try {
    const t0 = Date.now() - 1000;
    ms.push([1, 2, 3].map((v) => ({ name: 'sdk_limited', value: v, timestamp: t0 + v })));
    await ms.flush();
    const s = ms.stats();
    assert.equal(s.sent, 3);
    assert.equal(s.retries, 1);
    assert.equal(s.failed, 0);
    const st = (await (await fetch(`${n.url}/api/v1/status/clients?client=sdk-limited`)).json()) as any;
    const recent = st.data.clients[0].recent as { time: string; allowed: boolean }[];
    assert.deepEqual(recent.map((r) => r.allowed), [true, true, false, true]);
    // Retry-After is whole seconds and at least 1: a backoff-only retry would have come within ~20 ms.
    const gap = Date.parse(recent[3]!.time) - Date.parse(recent[2]!.time);
    assert.ok(gap >= 1000, `retried after ${gap} ms`);
    const server = await stats(n.url);
    assert.equal(server.rate_limited_requests, 1);
    assert.equal(server.metrics_received, 3);
    assert.equal((await exportLines(n.url, 'sdk_limited'))[0]!.values.length, 3);
  } finally {
    await ms.close();
    await n.stop();
    removeDir(n.dir);
  }
});

test('a batch the node refuses (400) is not retried; it is counted as failed and reported', async () => {
  const n = await startTestNode();
  const errors: string[] = [];
  const ms = new MetricStreamClient({ url: n.url, onError: (e, count) => errors.push(`${count} ${e.message}`) });
  try {
    ms.push([{ name: '', value: 1 }]);
    await ms.flush();
    assert.deepEqual({ ...ms.stats(), buffered: 0 }, { buffered: 0, sent: 0, dropped: 0, failed: 1, retries: 0, batches: 0 });
    assert.equal(errors.length, 1);
    assert.match(errors[0]!, /^1 server answered 400: .*metric name must not be empty/);
  } finally {
    await ms.close();
    await n.stop();
    removeDir(n.dir);
  }
});

test('with the node unreachable the buffer stays bounded: extra metrics are dropped and counted', async () => {
  const port = await freePort(); // nothing listens there
  const errors: string[] = [];
  const ms = new MetricStreamClient({
    url: `http://127.0.0.1:${port}`,
    maxBuffer: 10,
    maxBatch: 5,
    maxRetries: 2,
    retryBaseDelayMs: 5,
    onError: (e) => errors.push(e.message),
  });
  assert.equal(ms.push(Array.from({ length: 25 }, (_, i) => ({ name: 'sdk_lost', value: i }))), 15);
  assert.equal(ms.stats().dropped, 15);
  assert.equal(ms.stats().buffered, 10);
  assert.equal(ms.push([{ name: 'sdk_lost', value: 99 }]), 1);
  await ms.close();
  const s = ms.stats();
  assert.deepEqual(s, { buffered: 0, sent: 0, dropped: 16, failed: 10, retries: 4, batches: 0 });
  assert.equal(errors.length, 2);
  assert.match(errors[0]!, new RegExp(`^cannot reach http://127\\.0\\.0\\.1:${port}/metrics: .*\\(gave up after 3 attempts\\)$`));
  assert.throws(() => ms.push([{ name: 'x', value: 1 }]), ClientClosedError);
});

test('bodies of gzipMinBytes or more are sent gzip-compressed, smaller ones as they are', async () => {
  const seen: { encoding: string | undefined; metrics: number }[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const enc = req.headers['content-encoding'];
      const body = JSON.parse((enc === 'gzip' ? gunzipSync(raw) : raw).toString()) as { metrics: unknown[] };
      seen.push({ encoding: enc, metrics: body.metrics.length });
      res.end('{"success":true}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const ms = new MetricStreamClient({ url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, gzipMinBytes: 2000 });
  try {
    ms.push([{ name: 'small', value: 1 }]);
    await ms.flush();
    ms.push(Array.from({ length: 100 }, (_, i) => ({ name: 'big_enough_to_compress', value: i })));
    await ms.flush();
    assert.deepEqual(seen, [
      { encoding: undefined, metrics: 1 },
      { encoding: 'gzip', metrics: 100 },
    ]);
  } finally {
    await ms.close();
    server.close();
  }
});

test('without flush() the interval timer sends what is buffered, and counters only when they changed', async () => {
  const n = await startTestNode();
  const ms = new MetricStreamClient({ url: n.url, flushIntervalMs: 50 });
  try {
    const c = ms.counter('sdk_timer_total');
    c.inc(2);
    ms.push([{ name: 'sdk_timer_push', value: 1 }]);
    const deadline = Date.now() + 10_000;
    while (ms.stats().sent < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.equal(ms.stats().sent, 2);
    // Unchanged since: several more ticks send nothing.
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(ms.stats().sent, 2);
    assert.equal((await stats(n.url)).metrics_received, 2);
  } finally {
    await ms.close();
    await n.stop();
    removeDir(n.dir);
  }
});
