// Remote write decoding: samples, metadata, skipped exemplars/histograms, validation of the whole
// batch, and a fuzz test (random, truncated and mutated bytes never throw, always a 4xx message).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { compressSync, uncompressSync } from 'snappy';
import { labelsToRecord } from '../../storage/index.js';
import { batchEntries } from '../series-batch.js';
import { decodeWriteRequest, snappyLength } from './parse.js';
import { WriteRequest } from './write-request-fixtures.js';
import { testLimits } from '../validate-fixtures.js';

const NOW = Date.UTC(2026, 10, 25, 12);
const LIMITS = testLimits();
const OPTS = { now: NOW, limits: LIMITS, maxBytes: 1 << 20 };

function encode(msg: object): Buffer {
  return compressSync(WriteRequest.encode(WriteRequest.fromObject(msg)).finish());
}

const l = (name: string, value: string) => ({ name, value });

test('samples, metadata and label handling of a WriteRequest', () => {
  const body = encode({
    timeseries: [
      {
        // Unsorted, with an empty value (dropped, as in Prometheus).
        labels: [l('job', 'node'), l('__name__', 'up'), l('instance', 'a:9100'), l('empty', '')],
        samples: [{ value: 1, timestamp: NOW - 2000 }, { value: 0, timestamp: NOW - 1000 }],
      },
      { labels: [l('__name__', 'temp_celsius')], samples: [{ value: -273.15, timestamp: NOW }] },
    ],
    metadata: [
      { type: 1, metricFamilyName: 'http_requests_total', help: 'Requests.', unit: '' },
      { type: 3, metricFamilyName: 'latency_seconds', help: 'Latency.', unit: 'seconds' },
      { type: 6, metricFamilyName: 'build_info', help: '', unit: '' },
    ],
  });
  const r = decodeWriteRequest(body, OPTS);
  assert.ok(r.ok, JSON.stringify(r));
  const b = r.batch;
  assert.equal(b.samples, 3);
  assert.deepEqual(
    batchEntries(b).map((s) => ({ labels: labelsToRecord(s.labels), ts: s.ts, vs: s.vs })),
    [
      { labels: { __name__: 'up', instance: 'a:9100', job: 'node' }, ts: [NOW - 2000, NOW - 1000], vs: [1, 0] },
      { labels: { __name__: 'temp_celsius' }, ts: [NOW], vs: [-273.15] },
    ],
  );
  assert.deepEqual(b.labels[0]!.map((x) => x.name), ['__name__', 'instance', 'job']);
  assert.deepEqual(Object.fromEntries(b.metadata), {
    http_requests_total: { type: 'counter', help: 'Requests.', unit: '' },
    latency_seconds: { type: 'histogram', help: 'Latency.', unit: 'seconds' },
    build_info: { type: 'unknown', help: '', unit: '' },
  });
});

test('staleness markers keep their NaN bits; int64 timestamps beyond 2^32 decode exactly', () => {
  const stale = new Float64Array(new BigUint64Array([0x7ff0000000000002n]).buffer)[0]!;
  const r = decodeWriteRequest(encode({ timeseries: [{ labels: [l('__name__', 'x')], samples: [{ value: stale, timestamp: NOW }] }] }), OPTS);
  assert.ok(r.ok);
  const vs = r.batch.vs as Float64Array;
  assert.ok(vs instanceof Float64Array);
  assert.equal(new BigUint64Array(vs.buffer, vs.byteOffset, 1)[0], 0x7ff0000000000002n);
  assert.equal(r.batch.ts[0], NOW);
});

test('exemplars and native histograms (fields unknown to remote write 1.0) are skipped and counted; the samples stay', () => {
  // Field 3 (Exemplar) and 4 (Histogram) as raw bytes: a 1.0 receiver does not parse them.
  const r = decodeWriteRequest(
    encode({
      timeseries: [
        { labels: [l('__name__', 'a')], samples: [{ value: 1, timestamp: NOW }], exemplars: [Buffer.from([0x08, 0x01])] },
        { labels: [l('__name__', 'h')], histograms: [Buffer.from([0x08, 0x01]), Buffer.from([])] },
      ],
    }),
    OPTS,
  );
  assert.ok(r.ok);
  assert.equal(r.batch.samples, 1);
  assert.equal(r.batch.droppedExemplars, 1);
  assert.equal(r.batch.droppedHistograms, 2);
  assert.equal(r.batch.labels.length, 1);
});

test('one invalid series refuses the whole request with every problem listed', () => {
  const r = decodeWriteRequest(
    encode({
      timeseries: [
        { labels: [l('__name__', 'ok')], samples: [{ value: 1, timestamp: NOW }] },
        { labels: [l('job', 'x')], samples: [{ value: 1, timestamp: NOW }] },
        { labels: [l('__name__', 'old')], samples: [{ value: 1, timestamp: NOW - 30 * 86_400_000 }] },
        { labels: [l('__name__', 'future')], samples: [{ value: 1, timestamp: NOW + 3_600_000 }] },
        { labels: [l('__name__', 'dup'), l('a', '1'), l('a', '2')], samples: [{ value: 1, timestamp: NOW }] },
        { labels: [l('__name__', 'long'), l('a', 'x'.repeat(3000))], samples: [{ value: 1, timestamp: NOW }] },
        { labels: [l('__name__', 'res'), l('__meta', 'x')], samples: [{ value: 1, timestamp: NOW }] },
      ],
    }),
    OPTS,
  );
  assert.ok(!r.ok);
  assert.equal(r.status, 400);
  assert.match(r.message, /^6 of 7 series and metadata entries are invalid, nothing was stored; \{job="x"\}: series has no "__name__" label/);
  assert.deepEqual(r.details.map((d) => d.series), [1, 2, 3, 4, 5, 6]);
  assert.match(r.details[1]!.message, /older than the retention period/);
  assert.match(r.details[2]!.message, /in the future/);
  assert.match(r.details[3]!.message, /appears more than once/);
  assert.match(r.details[4]!.message, /3000 bytes, the limit is 2048/);
  assert.match(r.details[5]!.message, /reserved/);
});

test('bodies that are not snappy, not a WriteRequest, empty or too large are refused with a message', () => {
  assert.deepEqual(decodeWriteRequest(Buffer.alloc(0), OPTS), { ok: false, status: 400, message: 'request body is empty; send a snappy-compressed protobuf WriteRequest', details: [] });
  const notSnappy = decodeWriteRequest(Buffer.from('{"json":true}'), OPTS);
  assert.ok(!notSnappy.ok && notSnappy.status === 400 && /snappy/.test(notSnappy.message));
  const notProto = decodeWriteRequest(compressSync(Buffer.from([0x0a, 0xff, 0xff, 0x03])), OPTS);
  assert.ok(!notProto.ok && notProto.status === 400 && /not a valid protobuf WriteRequest/.test(notProto.message), JSON.stringify(notProto));
  const big = decodeWriteRequest(compressSync(Buffer.alloc(2 << 20)), OPTS);
  assert.ok(!big.ok && big.status === 413 && /decompresses to 2097152 bytes, the limit is 1048576 bytes/.test(big.message));
  assert.equal(snappyLength(Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff])), -1);
});

test('fuzz: random, truncated and mutated bodies never throw and always get a 4xx with a message or a valid batch', () => {
  const good = encode({
    timeseries: [
      { labels: [l('__name__', 'up'), l('job', 'node')], samples: [{ value: 1, timestamp: NOW }, { value: 2, timestamp: NOW + 1 }] },
      { labels: [l('__name__', 'x')], samples: [{ value: 3, timestamp: NOW }], exemplars: [Buffer.from([1, 2])] },
    ],
    metadata: [{ type: 2, metricFamilyName: 'up', help: 'h', unit: '' }],
  });
  const raw = uncompressSync(good, { asBuffer: true }) as Buffer;
  const bodies = fc.oneof(
    fc.uint8Array({ maxLength: 300 }),
    fc.nat(good.length).map((n) => good.subarray(0, n)),
    fc.array(fc.tuple(fc.nat(good.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 5 }).map((m) => {
      const b = Buffer.from(good);
      for (const [i, v] of m) b[i] = v;
      return b;
    }),
    // Valid snappy around broken protobuf: truncated or mutated messages.
    fc.nat(raw.length).map((n) => compressSync(raw.subarray(0, n))),
    fc.array(fc.tuple(fc.nat(raw.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 5 }).map((m) => {
      const b = Buffer.from(raw);
      for (const [i, v] of m) b[i] = v;
      return compressSync(b);
    }),
  );
  fc.assert(
    fc.property(bodies, (body) => {
      const r = decodeWriteRequest(body, OPTS);
      if (r.ok) {
        for (const s of batchEntries(r.batch)) {
          assert.equal(s.labels.filter((x) => x.name === '__name__').length, 1);
          assert.equal(s.ts.length, s.vs.length);
          for (const t of s.ts) assert.ok(Number.isSafeInteger(t));
        }
      } else {
        assert.ok(r.status === 400 || r.status === 413);
        assert.ok(r.message.length > 0);
      }
    }),
    { numRuns: 3000 },
  );
});

test('a label name sent twice is refused even when one of its values is empty (the spec: names unique within a series)', () => {
  // Prometheus's receiver checks duplicates on the labels as sent (HasDuplicateLabelNames), before
  // empty values are dropped; either order of the empty and the non-empty value.
  for (const labels of [
    [l('__name__', 'dup_empty'), l('x', ''), l('x', '2')],
    [l('__name__', 'dup_empty'), l('x', '2'), l('x', '')],
    [l('__name__', 'dup_empty'), l('x', ''), l('x', '')],
  ]) {
    const r = decodeWriteRequest(encode({ timeseries: [{ labels, samples: [{ value: 1, timestamp: NOW }] }] }), OPTS);
    assert.equal(r.ok, false, JSON.stringify(labels));
    if (!r.ok) {
      assert.equal(r.status, 400);
      assert.match(r.message, /label "x" appears more than once/);
    }
  }
});
