// POST /v1/metrics over HTTP: answers in the request's encoding (ExportMetricsServiceResponse with
// partial_success, google.rpc.Status for errors, both read back with protobufjs), 400/413/415/429
// and what each stores, a curl-style gzip JSON request, and a fuzz run of random and mutated
// bodies: never a 5xx, every 4xx with a message and nothing stored.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { ExportMetricsServiceRequest, ExportMetricsServiceResponse, Status } from '../src/ingest/otlp/otlp-proto-fixtures.js';
import { freePort, removeDir, startChildNode, startTestNode, tempDir, type TestNode } from './node-harness.js';

let n: TestNode;

before(async () => {
  n = await startTestNode({ rate_limit: '0', max_body_size: '65536' });
});
after(async () => {
  await n.stop();
  removeDir(n.dir);
});

const PB = { 'content-type': 'application/x-protobuf' };
const JSON_CT = { 'content-type': 'application/json' };

async function post(body: Buffer | string, headers: Record<string, string>) {
  const r = await fetch(`${n.url}/v1/metrics`, { method: 'POST', body, headers });
  return { status: r.status, headers: r.headers, body: Buffer.from(await r.arrayBuffer()) };
}

async function q(query: string, time = Date.now() + 1000): Promise<Record<string, number>> {
  const r = await fetch(`${n.url}/api/v1/query?query=${encodeURIComponent(query)}&time=${time / 1000}`);
  const body = (await r.json()) as { data: { result: { metric: Record<string, string>; value: [number, string] }[] } };
  assert.equal(r.status, 200, `${query}: ${JSON.stringify(body)}`);
  const out: Record<string, number> = {};
  for (const s of body.data.result) out[JSON.stringify(s.metric)] = Number(s.value[1]);
  return out;
}

/** Samples stored in all series, whatever their time (read through the export API). */
async function storedSamples(): Promise<number> {
  const r = await fetch(`${n.url}/api/v1/export`);
  assert.equal(r.status, 200);
  let count = 0;
  for (const line of (await r.text()).split('\n')) if (line !== '') count += (JSON.parse(line) as { values: unknown[] }).values.length;
  return count;
}

const ns = (ms: number) => `${ms}000000`;

function gaugeRequest(name: string, points: { t: number; v: number; attrs?: Record<string, string> }[]) {
  return {
    resourceMetrics: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'http-test' } }] },
        scopeMetrics: [
          {
            metrics: [
              {
                name,
                gauge: {
                  dataPoints: points.map((p) => ({
                    timeUnixNano: ns(p.t),
                    asDouble: p.v,
                    attributes: Object.entries(p.attrs ?? {}).map(([key, v]) => ({ key, value: { stringValue: v } })),
                  })),
                },
              },
            ],
          },
        ],
      },
    ],
  };
}

const pb = (msg: object) => Buffer.from(ExportMetricsServiceRequest.encode(ExportMetricsServiceRequest.fromObject(msg)).finish());

test('curl-style JSON with gzip: 200 with an empty ExportMetricsServiceResponse, series stored', async () => {
  const t = Date.now() - 1000;
  const r = await post(gzipSync(JSON.stringify(gaugeRequest('curl.temp', [{ t, v: 21.5, attrs: { room: 'lab' } }]))), { ...JSON_CT, 'content-encoding': 'gzip' });
  assert.equal(r.status, 200, r.body.toString());
  assert.equal(r.headers.get('content-type'), 'application/json');
  assert.deepEqual(JSON.parse(r.body.toString()), {});
  assert.deepEqual(await q('curl_temp'), { [JSON.stringify({ __name__: 'curl_temp', job: 'http-test', room: 'lab' })]: 21.5 });
});

test('partial success: refused points are counted and explained, the rest is stored (protobuf and JSON)', async () => {
  const t = Date.now() - 1000;
  const msg = gaugeRequest('partial.g', [
    { t, v: 1, attrs: { k: 'good' } },
    { t: t + 3_600_000, v: 2, attrs: { k: 'future' } },
  ]);
  let r = await post(pb(msg), PB);
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('content-type'), 'application/x-protobuf');
  const resp = ExportMetricsServiceResponse.toObject(ExportMetricsServiceResponse.decode(r.body), { longs: Number }) as { partialSuccess: { rejectedDataPoints: number; errorMessage: string } };
  assert.equal(resp.partialSuccess.rejectedDataPoints, 1);
  assert.match(resp.partialSuccess.errorMessage, /^1 of 2 data points were refused: partial\.g: timestamp .* is more than 600 s in the future/);
  assert.deepEqual(Object.values(await q('partial_g')), [1]);

  r = await post(JSON.stringify(gaugeRequest('partial.j', [{ t, v: 1 }, { t: t + 3_600_000, v: 2, attrs: { k: 'x' } }])), JSON_CT);
  assert.equal(r.status, 200);
  const j = JSON.parse(r.body.toString()) as { partialSuccess: { rejectedDataPoints: string; errorMessage: string } };
  assert.equal(j.partialSuccess.rejectedDataPoints, '1');
  assert.match(j.partialSuccess.errorMessage, /in the future/);
});

test('storage refusals (a sample too far behind its series) refuse that point only; retried without it', async () => {
  const t = Date.now() - 1000;
  let r = await post(pb(gaugeRequest('ooo.g', [{ t, v: 1, attrs: { s: 'a' } }])), PB);
  assert.equal(r.status, 200);
  // 2 h behind series a's newest sample (the out-of-order window is 1 h); series b is new.
  r = await post(pb(gaugeRequest('ooo.g', [{ t: t - 7_200_000, v: 2, attrs: { s: 'a' } }, { t, v: 3, attrs: { s: 'b' } }])), PB);
  assert.equal(r.status, 200);
  const resp = ExportMetricsServiceResponse.toObject(ExportMetricsServiceResponse.decode(r.body), { longs: Number }) as { partialSuccess: { rejectedDataPoints: number; errorMessage: string } };
  assert.equal(resp.partialSuccess.rejectedDataPoints, 1);
  assert.match(resp.partialSuccess.errorMessage, /^1 of 2 data points were refused: /);
  assert.deepEqual(await q('ooo_g'), {
    [JSON.stringify({ __name__: 'ooo_g', job: 'http-test', s: 'a' })]: 1,
    [JSON.stringify({ __name__: 'ooo_g', job: 'http-test', s: 'b' })]: 3,
  });
});

test('400 with a google.rpc.Status in the request encoding: undecodable bodies and all points refused; nothing stored', async () => {
  const before = await storedSamples();
  let r = await post(Buffer.from([0x0a, 0x05, 0x01]), PB);
  assert.equal(r.status, 400);
  const s = Status.toObject(Status.decode(r.body)) as { code: number; message: string };
  assert.equal(s.code, 3);
  assert.match(s.message, /not a protobuf ExportMetricsServiceRequest: length 5 runs past the end/);

  r = await post('{"resourceMetrics": [', JSON_CT);
  assert.equal(r.status, 400);
  assert.deepEqual(Object.keys(JSON.parse(r.body.toString())), ['code', 'message']);
  assert.match(JSON.parse(r.body.toString()).message, /not valid JSON/);

  r = await post(JSON.stringify(gaugeRequest('all.bad', [{ t: Date.now() + 3_600_000, v: 1 }])), JSON_CT);
  assert.equal(r.status, 400);
  assert.match(JSON.parse(r.body.toString()).message, /all 1 data points were refused, nothing was stored; all\.bad: timestamp/);

  r = await post(gzipSync('not gzip at all').subarray(0, 8), { ...JSON_CT, 'content-encoding': 'gzip' });
  assert.equal(r.status, 400);
  assert.match(JSON.parse(r.body.toString()).message, /not valid gzip/);
  assert.equal(await storedSamples(), before);
});

test('415 for other content types, 413 over the body limit', async () => {
  let r = await post('x', { 'content-type': 'text/plain' });
  assert.equal(r.status, 415);
  assert.match(JSON.parse(r.body.toString()).message, /application\/x-protobuf or application\/json/);
  r = await post(Buffer.alloc(70_000), PB);
  assert.equal(r.status, 413);
  assert.match(Status.toObject(Status.decode(r.body)).message as string, /larger than the limit/);
});

test('rate limited: 429 with Retry-After and a Status body', async () => {
  const limited = await startTestNode({ rate_limit: '1', rate_limit_window: '10s' });
  try {
    const body = pb(gaugeRequest('rl', [{ t: Date.now(), v: 1 }]));
    const first = await fetch(`${limited.url}/v1/metrics`, { method: 'POST', body, headers: PB });
    assert.equal(first.status, 200);
    const r = await fetch(`${limited.url}/v1/metrics`, { method: 'POST', body, headers: PB });
    assert.equal(r.status, 429);
    assert.ok(Number(r.headers.get('retry-after')) >= 1);
    assert.equal(r.headers.get('content-type'), 'application/x-protobuf');
    const s = Status.toObject(Status.decode(Buffer.from(await r.arrayBuffer()))) as { code: number; message: string };
    assert.deepEqual(s, { code: 8, message: 'Rate limit exceeded' });
  } finally {
    await limited.stop();
    removeDir(limited.dir);
  }
});

test('writer behind: while a commit waits on a slow WAL, the pending-commits bound answers 503 + Retry-After with a Status', { timeout: 60_000 }, async () => {
  const dir = tempDir();
  // Every WAL write takes 1.5 s; one request may wait for its commit at a time.
  const slow = await startChildNode(dir, await freePort(), ['--rate-limit', '0', '--log-level', 'warn', '--ingest-max-pending-commits', '1', '--ingest-queue-target', '0'], {
    METRICSTREAM_FAILPOINT_SLOW_WAL: '1500',
  });
  try {
    const send = (name: string) => fetch(`${slow.url}/v1/metrics`, { method: 'POST', body: pb(gaugeRequest(name, [{ t: Date.now() - 1000, v: 1 }])), headers: PB });
    const first = send('slow.a');
    await new Promise((r) => setTimeout(r, 500));
    const second = await send('slow.b');
    assert.equal(second.status, 503);
    assert.ok(Number(second.headers.get('retry-after')) >= 1);
    const s = Status.toObject(Status.decode(Buffer.from(await second.arrayBuffer()))) as { code: number; message: string };
    assert.equal(s.code, 14);
    assert.equal((await first).status, 200);
  } finally {
    slow.child.kill('SIGTERM');
    await new Promise((r) => slow.child.once('exit', r));
    removeDir(dir);
  }
});

test('fuzz over HTTP: random and mutated bodies never get a 5xx; a 4xx has a message and stores nothing', async () => {
  const now = Date.now();
  const good = gaugeRequest('fuzz.g', [
    { t: now - 5000, v: 1, attrs: { a: 'x' } },
    { t: now - 4000, v: 2, attrs: { a: 'y' } },
  ]);
  const goodPb = pb(good);
  const goodJson = JSON.stringify(good);
  const body = fc.oneof(
    fc.uint8Array({ maxLength: 120 }).map((b) => ({ ct: 'protobuf', b: Buffer.from(b) })),
    fc.array(fc.tuple(fc.nat(goodPb.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 3 }).map((m) => {
      const b = Buffer.from(goodPb);
      for (const [i, v] of m) b[i] = v;
      return { ct: 'protobuf', b };
    }),
    fc.nat(goodPb.length).map((k) => ({ ct: 'protobuf', b: goodPb.subarray(0, k) })),
    fc.tuple(fc.nat(goodJson.length), fc.string({ maxLength: 6 })).map(([k, s]) => ({ ct: 'json', b: Buffer.from(goodJson.slice(0, k) + s + goodJson.slice(k + 1)) })),
    fc.jsonValue({ maxDepth: 3 }).map((v) => ({ ct: 'json', b: Buffer.from(JSON.stringify(v) ?? 'null') })),
  );
  await fc.assert(
    fc.asyncProperty(body, async ({ ct, b }) => {
      const before = await storedSamples();
      const r = await post(b, ct === 'json' ? JSON_CT : PB);
      assert.ok(r.status === 200 || r.status === 400, `status ${r.status}: ${r.body.toString()}`);
      if (r.status === 400) {
        const message = ct === 'json' ? (JSON.parse(r.body.toString()) as { message: string }).message : (Status.toObject(Status.decode(r.body)).message as string);
        assert.ok(message.length > 0);
        assert.equal(await storedSamples(), before, 'a refused request stored something');
      }
    }),
    { numRuns: 150 },
  );
});
