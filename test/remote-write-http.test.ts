// POST /api/v1/write over HTTP: what a sender sees for each case the remote write 1.0 spec names
// (204 stored; 4xx final, nothing stored; 429 retried) and a fuzz run of random bodies.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { compressSync } from 'snappy';
import { WriteRequest } from '../src/ingest/remote-write/write-request-fixtures.js';
import { removeDir, startTestNode, type TestNode } from './node-harness.js';

let n: TestNode;
const T = Date.now() - 60_000;

before(async () => {
  n = await startTestNode({ rate_limit: '0', max_body_size: '65536' });
});
after(async () => {
  await n.stop();
  removeDir(n.dir);
});

const l = (name: string, value: string) => ({ name, value });

function body(msg: object): Buffer {
  return compressSync(WriteRequest.encode(WriteRequest.fromObject(msg)).finish());
}

async function write(b: Uint8Array, headers: Record<string, string> = {}, url = n.url) {
  const r = await fetch(`${url}/api/v1/write`, {
    method: 'POST',
    body: b,
    headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy', 'x-prometheus-remote-write-version': '0.1.0', ...headers },
  });
  const text = await r.text();
  return { status: r.status, headers: r.headers, json: text ? JSON.parse(text) : null };
}

async function values(query: string, time: number): Promise<number[]> {
  const r = await fetch(`${n.url}/api/v1/query?query=${encodeURIComponent(query)}&time=${time / 1000}`);
  const j = (await r.json()) as any;
  return j.data.result.map((s: any) => Number(s.value[1]));
}

test('a WriteRequest is stored (204) with its metadata', async () => {
  const r = await write(
    body({
      timeseries: [
        { labels: [l('__name__', 'rw_requests_total'), l('job', 'api')], samples: [{ value: 1, timestamp: T }, { value: 5, timestamp: T + 1000 }] },
        { labels: [l('__name__', 'rw_requests_total'), l('job', 'web')], samples: [{ value: 7, timestamp: T }] },
      ],
      metadata: [{ type: 1, metricFamilyName: 'rw_requests_total', help: 'Requests served.', unit: '' }],
    }),
  );
  assert.equal(r.status, 204);
  assert.deepEqual(await values('rw_requests_total{job="api"}', T + 1000), [5]);
  assert.deepEqual(await values('sum(rw_requests_total)', T), [8]);
  const meta = (await (await fetch(`${n.url}/api/v1/metadata?metric=rw_requests_total`)).json()) as any;
  assert.deepEqual(meta.data.rw_requests_total, [{ type: 'counter', help: 'Requests served.', unit: '' }]);
});

test('invalid requests get a final 4xx in Prometheus error shape and store nothing', async () => {
  const bad = await write(
    body({
      timeseries: [
        { labels: [l('__name__', 'rw_atomic')], samples: [{ value: 1, timestamp: T }] },
        { labels: [l('job', 'no-name')], samples: [{ value: 1, timestamp: T }] },
      ],
    }),
  );
  assert.equal(bad.status, 400);
  assert.equal(bad.json.status, 'error');
  assert.equal(bad.json.errorType, 'bad_data');
  assert.match(bad.json.error, /^1 of 2 series and metadata entries are invalid, nothing was stored; \{job="no-name"\}: series has no "__name__" label/);
  assert.deepEqual(await values('rw_atomic', T), []);

  assert.equal((await write(Buffer.from('not snappy'))).status, 400);
  assert.equal((await write(body({}), { 'content-encoding': 'gzip' })).status, 415);
  const v2 = await write(body({}), { 'content-type': 'application/x-protobuf;proto=io.prometheus.write.v2.Request' });
  assert.equal(v2.status, 415);
  assert.match(v2.json.error, /remote write 1\.0/);
  const big = await write(compressSync(Buffer.alloc(100_000)));
  assert.equal(big.status, 413);
});

test('a sample behind the out-of-order window refuses the request (400, not retried) and nothing of it is stored', async () => {
  assert.equal((await write(body({ timeseries: [{ labels: [l('__name__', 'rw_ooo')], samples: [{ value: 1, timestamp: T + 5000 }] }] }))).status, 204);
  // Inside the window (default 1 h): accepted.
  assert.equal((await write(body({ timeseries: [{ labels: [l('__name__', 'rw_ooo')], samples: [{ value: 2, timestamp: T }] }] }))).status, 204);
  const r = await write(
    body({
      timeseries: [
        { labels: [l('__name__', 'rw_ooo_other')], samples: [{ value: 1, timestamp: T }] },
        { labels: [l('__name__', 'rw_ooo')], samples: [{ value: 3, timestamp: T - 2 * 3_600_000 }] },
      ],
    }),
  );
  assert.equal(r.status, 400);
  assert.match(r.json.error, /(older than the newest sample of that series|older than the in-memory head).*nothing of this request was stored/);
  assert.deepEqual(await values('rw_ooo_other', T), []);
});

test('rate limited senders get 429 with Retry-After (senders retry those)', async () => {
  const limited = await startTestNode({ rate_limit: '1', rate_limit_window: '10s' });
  try {
    const b = body({ timeseries: [{ labels: [l('__name__', 'rw_rl')], samples: [{ value: 1, timestamp: T }] }] });
    assert.equal((await write(b, {}, limited.url)).status, 204);
    const r = await write(b, {}, limited.url);
    assert.equal(r.status, 429);
    assert.ok(Number(r.headers.get('retry-after')) >= 1);
  } finally {
    await limited.stop();
    removeDir(limited.dir);
  }
});

test('fuzz over HTTP: random and mutated bodies always get a 4xx with a message; the node stays up', async () => {
  const good = body({ timeseries: [{ labels: [l('__name__', 'rw_fuzz'), l('a', 'b')], samples: [{ value: 1, timestamp: T }] }] });
  const samples = fc.sample(
    fc.oneof(
      fc.uint8Array({ minLength: 1, maxLength: 200 }),
      fc.array(fc.tuple(fc.nat(good.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }).map((m) => {
        const b = Buffer.from(good);
        for (const [i, v] of m) b[i] = v;
        return b;
      }),
    ),
    { numRuns: 150, seed: 42 },
  );
  for (const b of samples) {
    const r = await write(b);
    if (r.status === 204) continue; // a mutation that is still a valid request
    assert.ok(r.status >= 400 && r.status < 500, `status ${r.status}: ${JSON.stringify(r.json)}`);
    assert.ok(typeof r.json.error === 'string' && r.json.error.length > 0);
  }
  assert.equal((await fetch(`${n.url}/health`)).status, 200);
});
