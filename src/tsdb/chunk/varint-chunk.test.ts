// Tests of the head's decimal varint chunk (encoding 8): round trips of arbitrary samples (values
// compared bit by bit), decimals with changing exponents, the documented bytes, limits, corrupt
// input, and its size next to XOR on the shapes pushed most.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { HeadChunkIterator } from './head-chunk.js';
import { VarintAppender } from './varint-test-fixtures.js';
import { ENCODING_VARINT, VARINT_MAX_SAMPLES, mantissaAt } from './varint-format.js';
import { VarintIterator } from './varint-iterator.js';
import { CorruptChunkError, XorAppender } from './xor-chunk.js';
import { assertYields, encode, mulberry32, pairOf, samplesArb, samplesOf, specialPairs } from './xor-test-fixtures.js';

function encodeVarint(s: ReturnType<typeof samplesOf>): VarintAppender {
  return encode(s, 0, s.ts.length, new VarintAppender());
}

describe('VarintAppender + VarintIterator', () => {
  it('round-trips arbitrary samples bit-exactly (NaN payloads, -0, infinities, denormals)', () => {
    const reused = new VarintIterator();
    fc.assert(
      fc.property(samplesArb(), (s) => {
        const app = encodeVarint(s);
        const n = s.ts.length;
        assert.equal(app.count, n);
        assert.equal(app.minT, s.ts[0]);
        assert.equal(app.maxT, s.ts[n - 1]);
        const bytes = app.bytes();
        assert.equal(bytes.length, app.sizeBytes());
        assert.ok(app.allocatedBytes() >= app.sizeBytes());
        assert.equal(bytes[0], ENCODING_VARINT);
        assert.equal((bytes[1]! << 8) | bytes[2]!, n);
        assertYields(new VarintIterator(bytes), s);
        reused.reset(bytes.slice());
        assertYields(reused, s);
        assertYields(new HeadChunkIterator(bytes), s);
      }),
      { numRuns: 1000 },
    );
  });

  it('round-trips decimals whose number of decimals changes, and values too large for a mantissa', () => {
    const values = fc.oneof(
      fc.integer({ min: -1e9, max: 1e9 }).chain((m) => fc.integer({ min: 0, max: 12 }).map((e) => m / 10 ** e)),
      fc.constantFrom(0.1 + 0.2, 2 ** 49, -(2 ** 49), 2 ** 60, 1e-9, 123456789.123, 0.000000001, -0),
    );
    fc.assert(
      fc.property(fc.array(values, { minLength: 1, maxLength: 200 }), (vs) => {
        const s = samplesOf(
          vs.map((_, i) => 1_700_000_000_000 + i * 15_000),
          vs.map((v) => pairOf(v)),
        );
        assertYields(new VarintIterator(encodeVarint(s).bytes()), s);
      }),
      { numRuns: 500 },
    );
  });

  it('keeps -0 and stale markers as raw bits, and only exact decimals as mantissas', () => {
    assert.ok(Number.isNaN(mantissaAt(-0, 2)));
    assert.ok(Number.isNaN(mantissaAt(0.1 + 0.2, 9)));
    assert.equal(mantissaAt(12.34, 2), 1234);
    assert.ok(Number.isNaN(mantissaAt(12.34, 1)));
    const s = samplesOf([1, 2, 3, 4], [pairOf(1.5), specialPairs[0]!, pairOf(-0), pairOf(2.25)]);
    assertYields(new VarintIterator(encodeVarint(s).bytes()), s);
  });

  it('matches the example in docs/format/chunks.md byte for byte', () => {
    const app = new VarintAppender();
    app.append(1000, 1.5);
    app.append(11000, 1.75);
    app.append(21000, 1.75);
    assert.equal(Buffer.from(app.bytes()).toString('hex'), '080003d00f051e904e07de0200');
    assert.equal(Buffer.from(new VarintAppender().bytes()).toString('hex'), '080000');
  });

  it('refuses bad timestamps with RangeError and leaves the chunk unchanged', () => {
    const app = new VarintAppender();
    app.append(1000, 1);
    const before = Buffer.from(app.bytes()).toString('hex');
    assert.throws(() => app.append(999, 2), RangeError);
    assert.throws(() => app.append(1.5, 2), RangeError);
    assert.throws(() => app.append(Number.MAX_SAFE_INTEGER + 2, 2), RangeError);
    assert.equal(Buffer.from(app.bytes()).toString('hex'), before);
    const full = new VarintAppender();
    for (let i = 0; i < VARINT_MAX_SAMPLES; i++) full.append(i, i);
    assert.throws(() => full.append(VARINT_MAX_SAMPLES, 0), RangeError);
    assert.equal(new VarintIterator(full.bytes()).count, VARINT_MAX_SAMPLES);
  });

  it('is smaller than XOR on 2-decimal gauges and integer counters, under half on gauges (120 samples at 10 s)', () => {
    const rnd = mulberry32(7);
    const shapes: Record<string, number[]> = { gauge: [], walk: [], counter: [] };
    let cents = 5000;
    let c = 0;
    for (let i = 0; i < 120; i++) {
      shapes['gauge']!.push(Math.round(rnd() * 10000) / 100);
      cents = Math.max(0, cents + Math.round((rnd() - 0.5) * 300));
      shapes['walk']!.push(cents / 100);
      shapes['counter']!.push((c += Math.floor(rnd() * 200)));
    }
    const sizes: string[] = [];
    for (const [name, vs] of Object.entries(shapes)) {
      const x = new XorAppender();
      const d = new VarintAppender();
      vs.forEach((v, i) => {
        x.append(1_700_000_000_000 + i * 10_000, v);
        d.append(1_700_000_000_000 + i * 10_000, v);
      });
      sizes.push(`${name} ${d.sizeBytes()} vs XOR ${x.sizeBytes()}`);
      const factor = name === 'counter' ? 1 : 2;
      assert.ok(d.sizeBytes() * factor < x.sizeBytes(), `${name}: ${d.sizeBytes()} bytes, XOR ${x.sizeBytes()}`);
    }
    console.log(`head chunk bytes for 120 samples: ${sizes.join(', ')}`);
  });
});

describe('VarintIterator on corrupt input', () => {
  /** Decodes everything (alternating next and seek); only CorruptChunkError may escape. */
  function drain(bytes: Uint8Array): void {
    try {
      const it = new HeadChunkIterator(bytes);
      let k = 0;
      while (k++ % 2 === 0 ? it.next() : it.seek(it.atT())) if (k > 70_000) assert.fail('iterator does not end');
    } catch (e) {
      assert.ok(e instanceof CorruptChunkError, String(e));
    }
  }

  it('throws CorruptChunkError or decodes for random bytes and mutated chunks, never hangs', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 200 }), (bytes) => {
        if (bytes.length > 0) bytes[0] = ENCODING_VARINT;
        drain(bytes);
      }),
      { numRuns: 2000 },
    );
    fc.assert(
      fc.property(samplesArb(60), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }), fc.nat(), (s, flips, cut) => {
        const bytes = encodeVarint(s).bytes().slice();
        for (const [at, b] of flips) bytes[at % bytes.length] = b;
        drain(bytes.subarray(0, bytes.length - (cut % 4)));
      }),
      { numRuns: 1000 },
    );
  });

  it('refuses a truncated chunk, a wrong encoding byte and a short header', () => {
    const app = new VarintAppender();
    for (let i = 0; i < 10; i++) app.append(i * 1000, i / 10);
    const bytes = app.bytes();
    const it = new VarintIterator(bytes.subarray(0, bytes.length - 1));
    assert.throws(() => {
      while (it.next());
    }, CorruptChunkError);
    assert.throws(() => new VarintIterator(new Uint8Array([1, 0, 0])), CorruptChunkError);
    assert.throws(() => new HeadChunkIterator(new Uint8Array([9, 0, 0])), CorruptChunkError);
    assert.throws(() => new VarintIterator(new Uint8Array([8, 0])), CorruptChunkError);
  });
});
