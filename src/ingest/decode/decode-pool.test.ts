// The decode pool against the real decoders in real worker threads: the same batches as decoding
// on the main thread (values bit for bit, staleness NaNs included), refusals passed through, one
// Labels object per series across requests and workers, and jobs spread over the workers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compressSync } from 'snappy';
import { batchEntries } from '../series-batch.js';
import { WriteRequest } from '../remote-write/write-request-fixtures.js';
import { autoDecodeWorkers, DecodePool } from './decode-pool.js';
import { decoderOf } from './decoders.js';
import type { Decoded, DecodeContext, DecodeSettings } from './decoder.js';
import { testLimits } from '../validate-fixtures.js';

const NOW = Date.UTC(2026, 10, 25, 12);
const LIMITS = testLimits();
const SETTINGS: DecodeSettings = { limits: LIMITS, maxBytes: 1 << 20, maxMetrics: 1000 };
const STALE = new Float64Array(new BigUint64Array([0x7ff0000000000002n]).buffer)[0]!;

const seed = Buffer.from(
  JSON.stringify({
    metrics: [
      { name: 'cpu', value: 1.5, tags: { host: 'a' }, timestamp: NOW - 1000, type: 'counter', help: 'h' },
      { name: 'cpu', value: 2.5, tags: { host: 'b' }, timestamp: NOW - 900 },
      { name: 'mem', value: 3, tags: { host: 'a' }, timestamp: NOW - 800 },
    ],
  }),
);
const importBody = Buffer.from(
  `{"metric":{"__name__":"up","job":"x"},"values":[1,"NaN",0],"timestamps":[${NOW - 3},${NOW - 2},${NOW - 1}]}\n\n` +
    `{"metric":{"__name__":"up","job":"y"},"values":[5],"timestamps":[${NOW - 5}]}\n`,
);
const influxBody = Buffer.from(`weather,city=x temp=1.5,hum=3i ${NOW - 10}\nbad line\nweather,city=y temp=2 ${NOW - 9}\n`);
const rwBody = compressSync(
  Buffer.from(
    WriteRequest.encode(
      WriteRequest.fromObject({
        timeseries: [
          { labels: [{ name: '__name__', value: 'x' }, { name: 'a', value: '1' }], samples: [{ value: STALE, timestamp: NOW - 2 }, { value: 7, timestamp: NOW - 1 }] },
          { labels: [{ name: '__name__', value: 'y' }], samples: [{ value: -0, timestamp: NOW - 1 }] },
        ],
      }),
    ).finish(),
  ),
);

const CASES: [string, Buffer, DecodeContext][] = [
  ['json', seed, { now: NOW, params: {} }],
  ['import', importBody, { now: NOW, params: {} }],
  ['influx', influxBody, { now: NOW, params: { precision: 'ms', db: 'd' } }],
  ['remote_write', rwBody, { now: NOW, params: {} }],
];

/** Bit pattern of value i, read from the array itself (a number read out may lose a NaN's payload). */
function bitsAt(vs: ArrayLike<number>, i: number): string {
  if (vs instanceof Float64Array) return new BigUint64Array(vs.buffer, vs.byteOffset + 8 * i, 1)[0]!.toString(16);
  return new BigUint64Array(new Float64Array([vs[i]!]).buffer)[0]!.toString(16);
}

/** The batch with values as bit patterns, so NaN payloads and -0 compare exactly. */
function comparable(d: Decoded): unknown {
  if (!d.ok) return d;
  const { lineOf, ...extra } = d.extra;
  const { start, vs } = d.batch;
  return {
    entries: batchEntries(d.batch).map((e, k) => ({ ...e, vs: e.vs.map((_, i) => bitsAt(vs, start[k]! + i)) })),
    extra: { ...extra, lineOf: lineOf === undefined ? undefined : [...lineOf] },
  };
}

test('worker decoding gives what main-thread decoding gives, for every protocol', async () => {
  const pool = new DecodePool({ workers: 2, minBytes: 0, settings: SETTINGS });
  try {
    for (const [protocol, body, ctx] of CASES) {
      const inline = decoderOf(protocol)(body, ctx, SETTINGS);
      assert.equal(inline.ok, true, protocol);
      for (let i = 0; i < 2; i++) assert.deepEqual(comparable(await pool.decode(protocol, body, ctx)), comparable(inline), protocol);
    }
    const rw = await pool.decode('remote_write', rwBody, { now: NOW, params: {} });
    assert.ok(rw.ok);
    assert.equal(bitsAt(rw.batch.vs, 0), '7ff0000000000002');
    // Refusals come back as the main thread would give them.
    const bad = Buffer.from('{"metrics":[{"name":"","value":"x"}]}');
    assert.deepEqual(await pool.decode('json', bad, { now: NOW, params: {} }), decoderOf('json')(bad, { now: NOW, params: {} }, SETTINGS));
    assert.deepEqual(pool.perThread.get('main'), 0);
    assert.ok(pool.perThread.get('worker-0')! > 0 && pool.perThread.get('worker-1')! > 0, JSON.stringify([...pool.perThread]));
  } finally {
    await pool.close();
  }
});

test('the same series decoded by different workers and requests is one Labels object', async () => {
  const pool = new DecodePool({ workers: 2, minBytes: 0, settings: SETTINGS });
  try {
    const ctx = { now: NOW, params: {} };
    const all = await Promise.all(Array.from({ length: 8 }, () => pool.decode('json', seed, ctx)));
    const first = all[0]!;
    assert.ok(first.ok);
    for (const d of all) {
      assert.ok(d.ok);
      for (let k = 0; k < 3; k++) assert.equal(d.batch.labels[k], first.batch.labels[k]);
    }
    assert.ok(pool.perThread.get('worker-0')! > 0 && pool.perThread.get('worker-1')! > 0);
  } finally {
    await pool.close();
  }
});

test('small bodies stay on the main thread; 0 workers decode everything there', async () => {
  const pool = new DecodePool({ workers: 1, minBytes: 1 << 20, settings: SETTINGS });
  const none = new DecodePool({ workers: 0, minBytes: 0, settings: SETTINGS });
  try {
    const ctx = { now: NOW, params: {} };
    assert.ok((await pool.decode('json', seed, ctx)).ok);
    assert.ok((await none.decode('json', seed, ctx)).ok);
    assert.equal(pool.perThread.get('main'), 1);
    assert.equal(pool.perThread.get('worker-0'), 0);
    assert.equal(none.perThread.get('main'), 1);
  } finally {
    await pool.close();
    await none.close();
  }
});

test('a protocol with its own threshold goes by it, the others by minBytes', async () => {
  const pool = new DecodePool({ workers: 1, minBytes: 0, minBytesByProtocol: { influx: 1 << 20 }, settings: SETTINGS });
  try {
    const ctx = { now: NOW, params: { precision: 'ms', db: 'd' } };
    assert.ok((await pool.decode('influx', influxBody, ctx)).ok);
    assert.equal(pool.perThread.get('main'), 1);
    assert.ok((await pool.decode('json', seed, { now: NOW, params: {} })).ok);
    assert.equal(pool.perThread.get('worker-0'), 1);
  } finally {
    await pool.close();
  }
});

test('auto decode workers: one per core from three cores on, none on one or two', () => {
  assert.equal(autoDecodeWorkers(1), 0);
  assert.equal(autoDecodeWorkers(2), 0);
  assert.equal(autoDecodeWorkers(3), 3);
  assert.equal(autoDecodeWorkers(8), 8);
});
