// The one-go read of predicted series: what it takes and where it stops, and (property) that a
// body decoded with it gives exactly what the general decoder gives the same body with a cold
// cache, whatever was changed since the series were cached.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { compressSync } from 'snappy';
import { BytesCache } from '../bytes-cache.js';
import { batchEntries } from '../series-batch.js';
import { decodeWriteRequest, type DecodeResult } from './parse.js';
import { PredictedOut, scanPredictedSeries, type CachedSeries } from './predicted-series.js';
import { decodeWireWriteRequest } from './write-request.js';
import { WriteRequest } from './write-request-fixtures.js';
import { testLimits } from '../validate-fixtures.js';

const NOW = Date.UTC(2026, 10, 27, 12);

type Msg = { timeseries: { labels: { name: string; value: string }[]; samples: { value: number; timestamp: number }[]; exemplars?: Uint8Array[] }[]; metadata?: object[] };
const raw = (msg: Msg) => Buffer.from(WriteRequest.encode(WriteRequest.fromObject(msg)).finish());
const series = (name: string, host: string, value: number, timestamp: number) => ({
  labels: [{ name: '__name__', value: name }, { name: 'host', value: host }],
  samples: [{ value, timestamp }],
});

/** A cache holding the series of `msg` in its order, as the general decoder leaves it. */
function cacheOf(msg: Msg): BytesCache<CachedSeries | string> {
  const cache = new BytesCache<CachedSeries | string>(1024);
  const req = decodeWireWriteRequest(raw(msg));
  for (const s of req.series) {
    if (cache.find(req.bytes, s.labelsFrom, s.labelsTo, s.labelsTo, s.labelsTo) < 0) {
      cache.add(req.bytes, s.labelsFrom, s.labelsTo, s.labelsTo, s.labelsTo, { labels: [], ref: 0, scope: null });
    }
  }
  // The same body again, as the sender's next one: its first series found after the last one
  // links them, so the body after that is predicted from its first series on.
  for (const s of req.series) cache.find(req.bytes, s.labelsFrom, s.labelsTo, s.labelsTo, s.labelsTo);
  return cache;
}

/** Where the one-go read stops in `msg`, as an index of its TimeSeries (length = all taken). */
function stopsAt(cache: BytesCache<CachedSeries | string>, msg: Msg): number {
  const b = raw(msg);
  const at = scanPredictedSeries(b, new DataView(b.buffer, b.byteOffset, b.byteLength), 0, cache, new PredictedOut(4), NOW, testLimits());
  const starts = decodeWireWriteRequest(b).series.map((s) => s.labelsFrom);
  if (at === b.length) return msg.timeseries.length;
  const k = starts.findIndex((s) => s > at);
  return k < 0 ? msg.timeseries.length : k;
}

test('takes cached series with one sample each and stops at the first other TimeSeries', () => {
  const base: Msg = { timeseries: [series('a', 'h1', 1, NOW), series('a', 'h2', 2, NOW), series('b', 'h1', 3, NOW)] };
  const again = (edit: (m: Msg) => void): number => {
    const m = structuredClone(base);
    edit(m);
    return stopsAt(cacheOf(base), m);
  };
  // The previous body again with new values and times (0 is left out on the wire, as proto3 does).
  assert.equal(again((m) => m.timeseries.forEach((s, i) => (s.samples[0] = { value: i === 1 ? 0 : 7.25, timestamp: NOW + 5000 }))), 3);
  assert.equal(again((m) => (m.timeseries[1] = series('a', 'h9', 2, NOW))), 1, 'a series not cached');
  assert.equal(again((m) => m.timeseries[2]!.samples.push({ value: 4, timestamp: NOW + 1 })), 2, 'two samples');
  assert.equal(again((m) => (m.timeseries[1]!.exemplars = [Uint8Array.of(1)])), 1, 'an exemplar');
  assert.equal(again((m) => (m.timeseries[0]!.samples[0]!.timestamp = NOW + 3_600_000)), 0, 'a refused time (reported by the general decoder)');
  assert.equal(again((m) => (m.timeseries[0]!.samples[0]!.timestamp = -5)), 0, 'a negative time (10 varint bytes)');
  assert.equal(again((m) => m.timeseries.reverse()), 3, 'another order: cached series not predicted are looked up by hash');
  assert.equal(again((m) => m.timeseries[1]!.labels.push({ name: 'zone', value: 'z' })), 1, 'the predicted labels and one more');
  assert.equal(again((m) => (m.metadata = [{ type: 1, metricFamilyName: 'a', help: '', unit: '' }])), 3, 'metadata after the series is left to the general decoder');
});

const results = (r: DecodeResult) =>
  r.ok
    ? { ok: true, entries: batchEntries(r.batch).map((e) => ({ labels: e.labels, ts: [...e.ts], vs: [...e.vs].map((v) => (Number.isNaN(v) ? 'NaN' : v)) })), samples: r.batch.samples, metadata: [...r.batch.metadata], ex: r.batch.droppedExemplars }
    : r;

test('property: with the cache warm, any later body decodes exactly as the general decoder decodes it cold', () => {
  const name = fc.constantFrom('up', 'cpu_seconds_total', 'mem_bytes', 'x');
  const one = fc.record({ name, host: fc.constantFrom('a', 'b', 'c', 'db-01', ''), value: fc.oneof(fc.double(), fc.constant(0)), dt: fc.integer({ min: -1_000_000, max: 1_000_000 }) });
  fc.assert(
    fc.property(
      fc.array(one, { minLength: 1, maxLength: 12 }),
      fc.array(fc.tuple(fc.nat(20), fc.nat(4), one), { maxLength: 4 }),
      fc.boolean(),
      (first, edits, withMetadata) => {
        const msg = (xs: typeof first): Msg => ({ timeseries: xs.map((x) => series(x.name, x.host, x.value, NOW + x.dt)) });
        const l = testLimits();
        const m1 = msg(first);
        // Twice, as a sender's first two bodies: the second links its first series after its last.
        for (let k = 0; k < 2; k++) decodeWriteRequest(compressSync(raw(m1)), { now: NOW, limits: l, maxBytes: 1 << 20 });
        // The next body: the same series with new samples, then some changes.
        const second = first.map((x) => ({ ...x, dt: x.dt + 10_000 }));
        const m2 = msg(second);
        for (const [at, kind, x] of edits) {
          if (m2.timeseries.length === 0) {
            m2.timeseries.push(series(x.name, x.host, x.value, NOW + x.dt));
            continue;
          }
          const k = at % m2.timeseries.length;
          if (kind === 0) m2.timeseries[k] = series(x.name, x.host, x.value, NOW + x.dt);
          else if (kind === 1) m2.timeseries[k]!.samples.push({ value: x.value, timestamp: NOW + x.dt + 20_000 });
          else if (kind === 2) m2.timeseries.splice(k, 1);
          else if (kind === 3) m2.timeseries.splice(k, 0, series(x.name, x.host, x.value, NOW + x.dt));
          else m2.timeseries[k]!.samples[0]!.timestamp = NOW + 86_400_000 * 20;
        }
        if (withMetadata) m2.metadata = [{ type: 2, metricFamilyName: 'mem_bytes', help: 'h', unit: '' }];
        const body = compressSync(raw(m2));
        const warm = decodeWriteRequest(body, { now: NOW, limits: l, maxBytes: 1 << 20 });
        const cold = decodeWriteRequest(body, { now: NOW, limits: testLimits(), maxBytes: 1 << 20 });
        assert.deepEqual(results(warm), results(cold));
      },
    ),
    { numRuns: 400 },
  );
});
