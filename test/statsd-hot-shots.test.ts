// StatsD / DogStatsD through a real client: hot-shots over UDP (one datagram per metric, and
// buffered into multi-line datagrams) and over TCP, into a node flushing every 200 ms; the
// aggregated series are read back through /api/v1/query with their exact values.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { StatsD, type ClientOptions } from 'hot-shots';
import { removeDir, startTestNode, type TestNode } from './node-harness.js';

let n: TestNode;
const clients: StatsD[] = [];

before(async () => {
  n = await startTestNode({ statsd_flush_interval: '200ms', statsd_buckets: '0.1,0.5,1,5', statsd_percentiles: '0.5,0.9,0.99' }, undefined, { statsd: true });
  assert.ok(n.node.statsdPort !== null && n.node.statsdPort > 0);
});
after(async () => {
  await Promise.all(clients.map((c) => new Promise<void>((r) => c.close(() => r()))));
  await n.stop();
  removeDir(n.dir);
});

/** A hot-shots client on the node's StatsD port (client-side aggregation off: the node aggregates). */
function client(opts: ClientOptions = {}): StatsD {
  const c = new StatsD({
    host: '127.0.0.1',
    port: n.node.statsdPort!,
    aggregation: false,
    errorHandler: (e) => assert.fail(e),
    ...opts,
  });
  clients.push(c);
  return c;
}

/** Calls a hot-shots method and resolves once the client handed the metric to its socket. */
function sent(call: (cb: (err?: Error) => void) => void): Promise<void> {
  return new Promise((resolve, reject) => call((err) => (err ? reject(err) : resolve())));
}

async function query(promql: string): Promise<Record<string, number>> {
  const r = await fetch(`${n.url}/api/v1/query?query=${encodeURIComponent(promql)}`);
  const body = (await r.json()) as any;
  assert.equal(r.status, 200, JSON.stringify(body));
  const out: Record<string, number> = {};
  for (const s of body.data.result) out[JSON.stringify(s.metric)] = Number(s.value[1]);
  return out;
}

/** Waits (up to 10 s: flushes come every 200 ms) until the query returns exactly `expected`. */
async function settles(promql: string, expected: Record<string, number>): Promise<void> {
  const deadline = Date.now() + 10_000;
  let got: Record<string, number> = {};
  while (Date.now() < deadline) {
    got = await query(promql);
    try {
      assert.deepEqual(got, expected);
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  assert.deepEqual(got, expected, promql);
}

const key = (labels: Record<string, string>) => JSON.stringify(labels);

test('counters: increments add up across flushes into one cumulative series per tag set', async () => {
  const c = client();
  await sent((cb) => c.increment('hs.requests', 1, cb));
  await sent((cb) => c.increment('hs.requests', 4, cb));
  await sent((cb) => c.increment('hs.requests', 1, { route: '/a' }, cb));
  await settles('hs_requests', { [key({ __name__: 'hs_requests' })]: 5, [key({ __name__: 'hs_requests', route: '/a' })]: 1 });
  // Later increments land on top of what was already flushed.
  await sent((cb) => c.increment('hs.requests', 10, cb));
  await settles('hs_requests', { [key({ __name__: 'hs_requests' })]: 15, [key({ __name__: 'hs_requests', route: '/a' })]: 1 });
  const meta = (await (await fetch(`${n.url}/api/v1/metadata?metric=hs_requests`)).json()) as any;
  assert.equal(meta.data.hs_requests[0].type, 'counter');
});

test('sample rates: a counter sent at @0.1 counts ten, a timer at @0.5 two observations', async (t) => {
  // hot-shots drops a sampled metric when Math.random() >= rate; pin it so every call is sent.
  t.mock.method(Math, 'random', () => 0);
  const c = client();
  await sent((cb) => c.increment('hs.sampled', 1, 0.1, cb));
  await sent((cb) => c.increment('hs.sampled', 2, 0.1, cb));
  await sent((cb) => c.timing('hs.sampled_lat', 300, 0.5, cb));
  t.mock.restoreAll();
  await settles('hs_sampled', { [key({ __name__: 'hs_sampled' })]: 30 });
  await settles('hs_sampled_lat_count', { [key({ __name__: 'hs_sampled_lat_count' })]: 2 });
  await settles('hs_sampled_lat_sum', { [key({ __name__: 'hs_sampled_lat_sum' })]: 0.6 });
});

test('gauges: last value, deltas with gaugeDelta, a plain value resets', async () => {
  const c = client();
  await sent((cb) => c.gauge('hs.queue', 10, cb));
  await sent((cb) => c.gaugeDelta('hs.queue', 5, cb));
  await sent((cb) => c.gaugeDelta('hs.queue', -2.5, cb));
  await settles('hs_queue', { [key({ __name__: 'hs_queue' })]: 12.5 });
  await sent((cb) => c.gauge('hs.queue', 3, cb));
  await settles('hs_queue', { [key({ __name__: 'hs_queue' })]: 3 });
  const meta = (await (await fetch(`${n.url}/api/v1/metadata?metric=hs_queue`)).json()) as any;
  assert.equal(meta.data.hs_queue[0].type, 'gauge');
});

test('timers (ms → seconds), histograms and distributions: buckets, sum, count and interval quantiles', async () => {
  // Buffered: all lines of one kind travel in one datagram, so they fall into one flush interval
  // and the interval's quantiles cover all of them.
  const c = client({ maxBufferSize: 8192, bufferFlushInterval: 20 });
  for (const ms of [50, 80, 200, 450, 700, 900, 1500, 3000, 4000, 7000]) c.timing('hs.lat', ms, { env: 'test' });
  for (const v of [0.2, 2, 20]) c.histogram('hs.size', v);
  for (const v of [1, 2, 3, 4]) c.distribution('hs.dist', v);
  await sent((cb) => c.increment('hs.buffer_marker', 1, cb));
  const lat = (name: string, extra: Record<string, string> = {}) => key({ __name__: name, env: 'test', ...extra });
  await settles('{__name__=~"hs_lat.*"}', {
    [lat('hs_lat', { quantile: '0.5' })]: 0.7,
    [lat('hs_lat', { quantile: '0.9' })]: 4,
    [lat('hs_lat', { quantile: '0.99' })]: 7,
    [lat('hs_lat_bucket', { le: '0.1' })]: 2,
    [lat('hs_lat_bucket', { le: '0.5' })]: 4,
    [lat('hs_lat_bucket', { le: '1' })]: 6,
    [lat('hs_lat_bucket', { le: '5' })]: 9,
    [lat('hs_lat_bucket', { le: '+Inf' })]: 10,
    [lat('hs_lat_count')]: 10,
    [lat('hs_lat_sum')]: 0.05 + 0.08 + 0.2 + 0.45 + 0.7 + 0.9 + 1.5 + 3 + 4 + 7,
  });
  // histogram and distribution values are stored as sent (no unit conversion).
  await settles('hs_size_bucket', {
    [key({ __name__: 'hs_size_bucket', le: '0.1' })]: 0,
    [key({ __name__: 'hs_size_bucket', le: '0.5' })]: 1,
    [key({ __name__: 'hs_size_bucket', le: '1' })]: 1,
    [key({ __name__: 'hs_size_bucket', le: '5' })]: 2,
    [key({ __name__: 'hs_size_bucket', le: '+Inf' })]: 3,
  });
  await settles('hs_dist', { [key({ __name__: 'hs_dist', quantile: '0.5' })]: 2, [key({ __name__: 'hs_dist', quantile: '0.9' })]: 4, [key({ __name__: 'hs_dist', quantile: '0.99' })]: 4 });
  await settles('hs_dist_sum', { [key({ __name__: 'hs_dist_sum' })]: 10 });
  // The classic histogram works with PromQL's histogram_quantile.
  await settles('histogram_quantile(0.5, hs_lat_bucket)', { [key({ env: 'test' })]: 0.5 + (1 - 0.5) * ((5 - 4) / (6 - 4)) });
});

test('sets: distinct members per flush interval', async () => {
  const c = client({ maxBufferSize: 8192, bufferFlushInterval: 20 });
  for (const u of ['alice', 'bob', 'alice', 'carol', 'bob']) c.set('hs.users', u);
  c.unique('hs.users', 'dave', { app: 'x' });
  await sent((cb) => c.increment('hs.buffer_marker', 1, cb));
  await settles('max_over_time(hs_users[1m])', { [key({ app: 'x' })]: 1, [key({})]: 3 });
  // Intervals without members count 0.
  await settles('hs_users', { [key({ __name__: 'hs_users', app: 'x' })]: 0, [key({ __name__: 'hs_users' })]: 0 });
});

test('DogStatsD tags: object, array and global tags become labels; valueless tags are dropped', async () => {
  const c = client({ globalTags: { region: 'eu-west' } });
  await sent((cb) => c.increment('hs.tagged', 1, { 'service.name': 'api', env: 'prod' }, cb));
  await sent((cb) => c.increment('hs.tagged', 2, ['env:prod', 'service.name:api', 'canary'], cb));
  await settles('hs_tagged', { [key({ __name__: 'hs_tagged', env: 'prod', region: 'eu-west', service_name: 'api' })]: 3 });
});

test('TCP: hot-shots over TCP, newline-separated lines on the same port', async () => {
  const c = client({ protocol: 'tcp' });
  await sent((cb) => c.increment('hs.tcp_hits', 7, { via: 'tcp' }, cb));
  await sent((cb) => c.gauge('hs.tcp_gauge', 42, cb));
  await sent((cb) => c.timing('hs.tcp_lat', 250, cb));
  await settles('hs_tcp_hits', { [key({ __name__: 'hs_tcp_hits', via: 'tcp' })]: 7 });
  await settles('hs_tcp_gauge', { [key({ __name__: 'hs_tcp_gauge' })]: 42 });
  await settles('hs_tcp_lat_count', { [key({ __name__: 'hs_tcp_lat_count' })]: 1 });
});
