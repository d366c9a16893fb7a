// The hand-written WriteRequest decoder against protobufjs as the reference: random messages
// decode to the same labels, bit-exact samples, counts and metadata; labels split by other
// fields (protobuf merges repeated fields) decode too; malformed input throws WireError only.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import protobuf from 'protobufjs';
import { decodeLabels, decodeWireWriteRequest, WireError } from './write-request.js';
import { WriteRequest } from './write-request-fixtures.js';

const TimeSeries = WriteRequest.root.lookupType('TimeSeries');

// Stored straight into a typed array: an array literal ([v]) would make every NaN the canonical one.
const scratch = new Float64Array(1);
const bits = (v: number) => {
  scratch[0] = v;
  return new BigUint64Array(scratch.buffer)[0];
};

const label = fc.record({ name: fc.string({ maxLength: 12 }), value: fc.string({ maxLength: 90 }) }).map((l) => ({ ...l }));
const sample = fc.record({
  value: fc.oneof(fc.double(), fc.constant(new Float64Array(new BigUint64Array([0x7ff0000000000002n]).buffer)[0]!)),
  timestamp: fc.oneof(fc.integer({ min: -(2 ** 40), max: 2 ** 45 }), fc.constant(0), fc.constant(-1)),
});
const series = fc.record({
  labels: fc.array(label, { maxLength: 6 }),
  samples: fc.array(sample, { maxLength: 4 }),
  exemplars: fc.array(fc.uint8Array({ maxLength: 5 }), { maxLength: 2 }),
  histograms: fc.array(fc.uint8Array({ maxLength: 5 }), { maxLength: 2 }),
});
const metadata = fc.record({ type: fc.nat(7), metricFamilyName: fc.string({ maxLength: 20 }), help: fc.string({ maxLength: 30 }), unit: fc.string({ maxLength: 5 }) }).map((m) => ({ ...m }));

function labelsOf(buf: Buffer, s: { labels: { name: string; value: string }[] | null; labelsFrom: number; labelsTo: number }) {
  return s.labels ?? decodeLabels(buf, s.labelsFrom, s.labelsTo);
}

test('property: random WriteRequests decode as protobufjs decodes them', () => {
  fc.assert(
    fc.property(fc.array(series, { maxLength: 6 }), fc.array(metadata, { maxLength: 3 }), (timeseries, meta) => {
      const bytes = Buffer.from(WriteRequest.encode(WriteRequest.fromObject({ timeseries, metadata: meta })).finish());
      const got = decodeWireWriteRequest(bytes);
      assert.equal(got.series.length, timeseries.length);
      let n = 0;
      for (let k = 0; k < timeseries.length; k++) {
        const want = timeseries[k]!;
        const s = got.series[k]!;
        assert.deepEqual(labelsOf(got.bytes, s), want.labels);
        assert.equal(s.to - s.from, want.samples.length);
        for (let i = 0; i < want.samples.length; i++) {
          assert.equal(got.ts[s.from + i], want.samples[i]!.timestamp);
          assert.equal(bits(got.vs[s.from + i]!), bits(want.samples[i]!.value));
        }
        assert.equal(s.exemplars, want.exemplars.length);
        assert.equal(s.histograms, want.histograms.length);
        n += want.samples.length;
      }
      assert.equal(got.samples, n);
      assert.deepEqual(got.metadata, meta);
    }),
    { numRuns: 400 },
  );
});

test('labels split by samples (merged repeated fields) are decoded in order', () => {
  const enc = (m: object) => TimeSeries.encode(TimeSeries.fromObject(m)).finish();
  const body = Buffer.concat([
    enc({ labels: [{ name: '__name__', value: 'up' }] }),
    enc({ samples: [{ value: 1, timestamp: 5 }] }),
    enc({ labels: [{ name: 'job', value: 'node' }] }),
  ]);
  const bytes = Buffer.from(protobuf.Writer.create().uint32(10).bytes(body).finish());
  const got = decodeWireWriteRequest(bytes);
  assert.deepEqual(got.series[0]!.labels, [{ name: '__name__', value: 'up' }, { name: 'job', value: 'node' }]);
  assert.equal(got.ts[0], 5);
});

test('fuzz: malformed messages throw WireError (never anything else, never hang)', () => {
  const good = Buffer.from(
    WriteRequest.encode(
      WriteRequest.fromObject({ timeseries: [{ labels: [{ name: '__name__', value: 'up' }], samples: [{ value: 1, timestamp: 1700000000000 }] }], metadata: [{ type: 1, metricFamilyName: 'up', help: 'h', unit: '' }] }),
    ).finish(),
  );
  fc.assert(
    fc.property(
      fc.oneof(
        fc.uint8Array({ maxLength: 100 }),
        fc.nat(good.length).map((n) => good.subarray(0, n)),
        fc.array(fc.tuple(fc.nat(good.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }).map((m) => {
          const b = Buffer.from(good);
          for (const [i, v] of m) b[i] = v;
          return b;
        }),
      ),
      (b) => {
        try {
          const r = decodeWireWriteRequest(b);
          for (const s of r.series) labelsOf(r.bytes, s);
        } catch (e) {
          assert.ok(e instanceof WireError, String(e));
        }
      },
    ),
    { numRuns: 3000 },
  );
});
