// Round trips and fuzzing of the WAL record frame and payload codecs.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { crc32 } from 'node:zlib';
import fc from 'fast-check';
import { StorageError, type Label } from '../../storage/index.js';
import {
  decodeMetadata,
  decodeSamples,
  decodeSeries,
  encodeMetadata,
  encodeSamples,
  encodeSeries,
  frameRecord,
  recordCrc,
  RECORD_HEADER_BYTES,
  type RefMetadata,
  type RefSeries,
  type SampleBatch,
} from './record.js';
import { WalCorruptionError } from './wal-error.js';

// Decoded objects are plain, so generated ones must be too for deepEqual.
const plain = { noNullPrototype: true } as const;
const str = fc.string({ unit: 'binary', maxLength: 12 });
const anyStr = fc.oneof(str, fc.string({ unit: 'grapheme', maxLength: 40 }), fc.constant(''));

const labelsArb = fc
  .uniqueArray(fc.record({ name: anyStr, value: anyStr }, plain), { selector: (l) => l.name, maxLength: 8 })
  .map((ls: Label[]) => ls.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)));

const seriesArb = fc.array(fc.record({ ref: fc.maxSafeNat(), tenant: anyStr, labels: labelsArb }, plain), { maxLength: 20 });

const metaArb = fc.array(
  fc.record({ tenant: anyStr, metricName: anyStr, type: anyStr, help: anyStr, unit: anyStr }, plain),
  { maxLength: 20 },
);

const timestampArb = fc.oneof(
  fc.maxSafeInteger(),
  fc.integer({ min: 1_600_000_000_000, max: 1_800_000_000_000 }),
  fc.integer({ min: -5000, max: 5000 }),
  fc.constantFrom(Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER, 0, 2 ** 30, -(2 ** 30), 2 ** 31, -(2 ** 31) - 1),
);

/** A float64 given by its bit pattern, so that every NaN payload and -0 occur. */
const bitsArb = fc.tuple(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 0xffffffff }));
const special = [
  [0x00000002, 0x7ff00000], // Prometheus staleness marker (a signalling NaN)
  [0x00000001, 0xfff80000], // quiet NaN with payload and sign
  [0x00000000, 0x80000000], // -0
  [0x00000000, 0x7ff00000], // +Inf
] as const;

interface Samples {
  refs: Float64Array;
  ts: number[];
  vs: Float64Array;
}

const samplesArb = fc
  .array(fc.tuple(fc.maxSafeNat(), timestampArb, fc.oneof(bitsArb, fc.constantFrom(...special))), { maxLength: 100 })
  .map((rows): Samples => {
    const bits = new Uint32Array(rows.length * 2);
    rows.forEach(([, , [lo, hi]], i) => {
      bits[2 * i] = lo;
      bits[2 * i + 1] = hi;
    });
    return {
      refs: Float64Array.from(rows, (r) => r[0]),
      ts: rows.map((r) => r[1]),
      vs: new Float64Array(bits.buffer),
    };
  });

/** Float64 arrays compared by bytes: NaN payloads must match bit for bit. */
function sameBits(a: Float64Array, b: Float64Array, n: number): boolean {
  return Buffer.compare(
    Buffer.from(a.buffer, a.byteOffset, n * 8),
    Buffer.from(b.buffer, b.byteOffset, n * 8),
  ) === 0;
}

test('series payload round-trips', () => {
  fc.assert(
    fc.property(seriesArb, (series: RefSeries[]) => {
      assert.deepEqual(decodeSeries(encodeSeries(series)), series);
    }),
    { numRuns: 500 },
  );
});

test('metadata payload round-trips', () => {
  fc.assert(
    fc.property(metaArb, (meta: RefMetadata[]) => {
      assert.deepEqual(decodeMetadata(encodeMetadata(meta)), meta);
    }),
    { numRuns: 500 },
  );
});

test('samples payload round-trips bit-exactly', () => {
  fc.assert(
    fc.property(samplesArb, ({ refs, ts, vs }) => {
      const n = ts.length;
      const out = decodeSamples(encodeSamples(refs, ts, vs, n));
      assert.equal(out.n, n);
      assert.deepEqual(Array.from(out.refs.subarray(0, n)), Array.from(refs));
      assert.deepEqual(Array.from(out.ts.subarray(0, n)), ts);
      assert.ok(sameBits(out.vs, vs, n), 'values differ in their bits');
    }),
    { numRuns: 1000 },
  );
});

test('samples from an offset encode as the same entries cut out', () => {
  fc.assert(
    fc.property(samplesArb, fc.nat(), fc.nat(), ({ refs, ts, vs }, a, b) => {
      const len = ts.length;
      const from = len === 0 ? 0 : a % (len + 1);
      const n = len - from === 0 ? 0 : b % (len - from + 1);
      const cut = encodeSamples(refs.slice(from, from + n), ts.slice(from, from + n), vs.slice(from, from + n), n);
      assert.deepEqual(encodeSamples(refs, ts, vs, n, from), cut);
    }),
    { numRuns: 500 },
  );
  assert.throws(() => encodeSamples([1, 2], [1, 2], [1, 2], 2, 1), RangeError);
});

test('samples decode into reused arrays and accept plain arrays', () => {
  const into: SampleBatch = { refs: new Float64Array(16), ts: new Float64Array(16), vs: new Float64Array(16), n: 0 };
  const p = encodeSamples([1, 2, 3], [1000, 999, 1_700_000_000_000], [0.5, -1, Infinity], 3);
  const out = decodeSamples(p, into);
  assert.equal(out, into);
  assert.equal(out.n, 3);
  assert.deepEqual(Array.from(out.ts.subarray(0, 3)), [1000, 999, 1_700_000_000_000]);
  assert.deepEqual(Array.from(out.vs.subarray(0, 3)), [0.5, -1, Infinity]);
  // Too small: fresh arrays.
  const small: SampleBatch = { refs: new Float64Array(1), ts: new Float64Array(1), vs: new Float64Array(1), n: 0 };
  assert.notEqual(decodeSamples(p, small), small);
  assert.equal(decodeSamples(encodeSamples([], [], [], 0)).n, 0);
});

test('timestamps far apart use the int64 encoding', () => {
  const ts = [-Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER];
  const p = encodeSamples([1, 2], ts, [1, 2], 2);
  assert.equal(p[0], 1);
  assert.deepEqual(Array.from(decodeSamples(p).ts), ts);
  assert.equal(encodeSamples([1, 2], [5, 6], [1, 2], 2)[0], 0);
});

test('encoders refuse what they could not read back', () => {
  assert.throws(() => encodeSamples([1], [1.5], [0], 1), RangeError);
  assert.throws(() => encodeSamples([-1], [1], [0], 1), RangeError);
  assert.throws(() => encodeSamples([2 ** 53], [1], [0], 1), RangeError);
  assert.throws(() => encodeSamples([1], [1], [0], 2), RangeError);
  const unsorted = [{ name: 'b', value: '' }, { name: 'a', value: '' }];
  assert.throws(() => encodeSeries([{ ref: 1, tenant: 't', labels: unsorted }]), RangeError);
  assert.throws(
    () => encodeSeries([{ ref: 1, tenant: 't', labels: [{ name: 'a', value: 'x\ud800y' }] }]),
    (e: unknown) => e instanceof StorageError && /lone surrogate/.test(e.message),
  );
  // A surrogate pair is fine.
  const ok = [{ ref: 1, tenant: 't', labels: [{ name: 'a', value: 'x\ud83d\ude00y' }] }];
  assert.deepEqual(decodeSeries(encodeSeries(ok)), ok);
});

test('record frame: type, length, CRC-32/IEEE of type and payload', () => {
  const payload = Buffer.from('123456789');
  const f = frameRecord(7, payload);
  assert.equal(f.length, RECORD_HEADER_BYTES + 9);
  assert.equal(f[0], 7);
  assert.equal(f.readUInt32LE(1), 9);
  assert.equal(f.readUInt32LE(5), crc32(Buffer.concat([Buffer.of(7), payload])));
  assert.equal(recordCrc(7, payload), f.readUInt32LE(5));
  // The standard check value of CRC-32/IEEE.
  assert.equal(crc32(payload), 0xcbf43926);
});

type Decoder = (p: Uint8Array) => unknown;

/** Decoding either works (and then survives re-encoding) or throws WalCorruptionError. */
function decodesOrRejects(name: string, decode: Decoder, reencode: (v: unknown) => Uint8Array, bytes: Uint8Array): void {
  let v: unknown;
  try {
    v = decode(bytes);
  } catch (e) {
    if (e instanceof WalCorruptionError) return;
    throw new Error(`${name} threw ${String(e)} on ${Buffer.from(bytes).toString('hex')}`);
  }
  const again = decode(reencode(v));
  if (name === 'samples') {
    const a = v as SampleBatch;
    const b = again as SampleBatch;
    assert.equal(a.n, b.n);
    assert.deepEqual(Array.from(a.refs.subarray(0, a.n)), Array.from(b.refs.subarray(0, b.n)));
    assert.deepEqual(Array.from(a.ts.subarray(0, a.n)), Array.from(b.ts.subarray(0, b.n)));
    assert.ok(sameBits(a.vs, b.vs, a.n));
  } else {
    assert.deepEqual(again, v);
  }
}

const codecs: [string, Decoder, (v: unknown) => Uint8Array, fc.Arbitrary<Uint8Array>][] = [
  ['series', decodeSeries, (v) => encodeSeries(v as RefSeries[]), seriesArb.map(encodeSeries)],
  ['metadata', decodeMetadata, (v) => encodeMetadata(v as RefMetadata[]), metaArb.map(encodeMetadata)],
  [
    'samples',
    (p) => decodeSamples(p),
    (v) => {
      const s = v as SampleBatch;
      return encodeSamples(s.refs, s.ts, s.vs, s.n);
    },
    samplesArb.map((s) => encodeSamples(s.refs, s.ts, s.vs, s.ts.length)),
  ],
];

/** A valid payload with a few random edits: flipped bytes, a cut, inserted or appended bytes. */
function mutated(valid: fc.Arbitrary<Uint8Array>): fc.Arbitrary<Uint8Array> {
  const edit = fc.oneof(
    fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bits: fc.integer({ min: 1, max: 255 }) }),
    fc.record({ kind: fc.constant('set' as const), at: fc.nat(), bits: fc.constantFrom(0, 0x7f, 0x80, 0xff) }),
    fc.record({ kind: fc.constant('cut' as const), at: fc.nat(), bits: fc.constant(0) }),
    fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bits: fc.integer({ min: 0, max: 255 }) }),
  );
  return fc.tuple(valid, fc.array(edit, { minLength: 1, maxLength: 4 })).map(([p, edits]) => {
    let b = Buffer.from(p);
    for (const e of edits) {
      const at = b.length === 0 ? 0 : e.at % b.length;
      if (e.kind === 'flip' && b.length > 0) b[at]! ^= e.bits;
      else if (e.kind === 'set' && b.length > 0) b[at] = e.bits;
      else if (e.kind === 'cut') b = b.subarray(0, at);
      else if (e.kind === 'insert') b = Buffer.concat([b.subarray(0, at), Buffer.of(e.bits), b.subarray(at)]);
    }
    return b;
  });
}

for (const [name, decode, reencode, valid] of codecs) {
  test(`${name} decoder: random bytes decode correctly or throw WalCorruptionError`, () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => decodesOrRejects(name, decode, reencode, bytes)),
      { numRuns: 3000 },
    );
  });

  test(`${name} decoder: mutated payloads decode correctly or throw WalCorruptionError`, () => {
    fc.assert(
      fc.property(mutated(valid), (bytes) => decodesOrRejects(name, decode, reencode, bytes)),
      { numRuns: 3000 },
    );
  });
}

test('decoders reject counts that cannot fit instead of allocating them', () => {
  // uvarint 2^53 - 1 as a count, nothing after it.
  const huge = Buffer.of(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x0f);
  assert.throws(() => decodeSeries(huge), WalCorruptionError);
  assert.throws(() => decodeMetadata(huge), WalCorruptionError);
  assert.throws(() => decodeSamples(Buffer.concat([Buffer.of(0), huge])), WalCorruptionError);
  // 9-byte varint.
  assert.throws(() => decodeSeries(Buffer.alloc(9, 0x80)), /longer than 8 bytes/);
  // Invalid UTF-8 and trailing bytes.
  assert.throws(() => decodeMetadata(Buffer.of(1, 1, 0xff, 0, 0, 0, 0)), /not valid UTF-8/);
  assert.throws(() => decodeMetadata(Buffer.of(0, 0)), /bytes after the last entry/);
});
