// Tests of the XOR chunk's encoding: round trips of arbitrary samples (values compared bit by bit),
// the documented byte layout, special values, timestamp range and limits, and size on real shapes.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { ENCODING_XOR, XOR_MAX_SAMPLES, XorAppender, XorIterator } from './xor-chunk.js';
import {
  HI,
  LO,
  MAX,
  STALE,
  assertYields,
  encode,
  f64,
  fromBits,
  hex,
  mulberry32,
  pairOf,
  samplesArb,
  samplesOf,
  specialPairs,
  u32,
} from './xor-test-fixtures.js';

describe('XorAppender + XorIterator', () => {
  it('round-trips arbitrary samples bit-exactly', () => {
    const it = new XorIterator();
    fc.assert(
      fc.property(samplesArb(), (s) => {
        const app = encode(s);
        const n = s.ts.length;
        assert.equal(app.count, n);
        assert.equal(app.minT, s.ts[0]);
        assert.equal(app.maxT, s.ts[n - 1]);
        assert.equal(app.lastT, s.ts[n - 1]);
        f64[0] = app.lastV;
        assert.equal(hex(u32[HI]!, u32[LO]!), hex(s.bits[2 * n - 2]!, s.bits[2 * n - 1]!));
        const bytes = app.bytes();
        assert.equal(bytes.length, app.sizeBytes());
        assert.ok(app.allocatedBytes() >= app.sizeBytes());
        assert.equal(bytes[0], ENCODING_XOR);
        assert.equal((bytes[1]! << 8) | bytes[2]!, n);
        assertYields(new XorIterator(bytes), s);
        it.reset(bytes.slice()); // a reused iterator over a compact copy
        assertYields(it, s);
        assertYields(app.iterator(it), s);
      }),
      { numRuns: 1000 },
    );
  });

  it('matches the example in docs/format/chunks.md byte for byte', () => {
    const app = new XorAppender();
    app.append(1000, 1.5);
    app.append(11000, 1.5);
    assert.equal(Buffer.from(app.bytes()).toString('hex'), '010002d00f3ff8000000000000904e00');
    assert.equal(Buffer.from(new XorAppender().bytes()).toString('hex'), '010000');
  });

  it('keeps special values bit-exact', () => {
    const ts = specialPairs.map((_, i) => 1_700_000_000_000 + i * 15_000);
    const s = samplesOf(ts, specialPairs);
    assertYields(encode(s).iterator(), s);
    // Each special value after itself, after a normal value and alone.
    for (const p of specialPairs) {
      const again = samplesOf([1, 2, 2, 3], [p, p, [0x3ff00000, 0], p]);
      assertYields(encode(again).iterator(), again);
      const single = samplesOf([-5], [p]);
      assertYields(encode(single).iterator(), single);
    }
    const app = new XorAppender();
    app.append(0, fromBits(STALE[0], STALE[1]));
    f64[0] = app.lastV;
    assert.deepEqual([u32[HI], u32[LO]], STALE);
    assert.ok(Object.is(encode(samplesOf([0, 1], [[0, 0], [0x80000000, 0]])).lastV, -0));
  });

  it('handles huge value jumps and long runs of equal values cheaply', () => {
    const s = samplesOf([0, 10, 20, 30], [pairOf(1e300), pairOf(-1e-300), pairOf(Number.MAX_VALUE), pairOf(-Number.MIN_VALUE)]);
    assertYields(encode(s).iterator(), s);
    const flat = samplesOf(Array.from({ length: 120 }, (_, i) => 1_700_000_000_000 + i * 10_000), [pairOf(42.5)]);
    const app = encode(flat);
    assertYields(app.iterator(), flat);
    // 3 + 6 (t0) + 8 (v0) + 2 (Δ) bytes, then 2 bits per sample.
    assert.ok(app.sizeBytes() <= 19 + 30, `constant series took ${app.sizeBytes()} bytes`);
  });

  it('puts every timestamp delta-of-delta bucket edge back exactly', () => {
    const dods = [0, 1, -1, 64, -63, 65, -64, 4096, -4095, 4097, -4096, 524288, -524287, 524289, -524288, 2 ** 40, -(2 ** 33)];
    for (const dod of dods) {
      const base = 1_700_000_000_000;
      const d1 = 2 ** 34;
      const ts = [base, base + d1, base + d1 + d1 + dod, base + 3 * d1 + 2 * dod];
      const s = samplesOf(ts, [[0, 0]]);
      assertYields(encode(s).iterator(), s);
    }
  });

  it('supports the whole safe timestamp range', () => {
    const cases = [
      [-MAX, -MAX + 1, 0],
      [-MAX, 0],
      [MAX - 2, MAX - 1, MAX, MAX],
      [0, MAX],
      [-1, 0, MAX - 1],
      [-(2 ** 40), -(2 ** 40) + 5, -7, -7, -6],
    ];
    for (const ts of cases) {
      const s = samplesOf(ts, [[0x40000000, 0]]);
      assertYields(encode(s).iterator(), s);
    }
  });

  it('rejects bad timestamps with RangeError and leaves the chunk unchanged', () => {
    const app = new XorAppender();
    app.append(1000, 1);
    app.append(2000, 2);
    const before = app.bytes().slice();
    for (const t of [999, 1999, 1.5, NaN, Infinity, -Infinity, 2 ** 53, 1000 + MAX]) {
      assert.throws(() => app.append(t, 3), RangeError, `timestamp ${t}`);
    }
    assert.deepEqual(app.bytes(), before);
    assert.equal(app.count, 2);
    const wide = new XorAppender();
    wide.append(-MAX, 0);
    assert.throws(() => wide.append(1, 0), /more than 2\^53-1 ms after/);
    assert.throws(() => new XorAppender().append(2 ** 53, 0), /not an integer/);
  });

  it(`holds at most ${XOR_MAX_SAMPLES} samples`, () => {
    const app = new XorAppender();
    for (let i = 0; i < XOR_MAX_SAMPLES; i++) app.append(i * 1000, i);
    assert.throws(() => app.append(XOR_MAX_SAMPLES * 1000, 0), /limit is 65535/);
    const it = app.iterator();
    assert.equal(it.count, XOR_MAX_SAMPLES);
    let n = 0;
    while (it.next()) {
      assert.equal(it.atV(), n);
      n++;
    }
    assert.equal(n, XOR_MAX_SAMPLES);
  });

  it('reports NaN bounds and yields nothing when empty', () => {
    const app = new XorAppender();
    assert.equal(app.count, 0);
    assert.ok(Number.isNaN(app.minT) && Number.isNaN(app.maxT) && Number.isNaN(app.lastT) && Number.isNaN(app.lastV));
    const it = app.iterator();
    assert.equal(it.next(), false);
    assert.equal(it.seek(-Infinity), false);
    assert.equal(new XorIterator().next(), false);
  });

  it('stays compact on realistic series', () => {
    const rnd = mulberry32(42);
    const t0 = 1_760_000_000_000;
    const gauge = new XorAppender();
    let cents = 5000;
    for (let i = 0; i < 120; i++) {
      cents = Math.min(10000, Math.max(0, cents + Math.round((rnd() - 0.5) * 200)));
      gauge.append(t0 + i * 10_000, cents / 100);
    }
    const counter = new XorAppender();
    let c = 0;
    for (let i = 0; i < 120; i++) {
      c += Math.floor(rnd() * 200);
      counter.append(t0 + i * 10_000, c);
    }
    const jittered = new XorAppender();
    let c2 = 0;
    for (let i = 0; i < 120; i++) {
      c2 += Math.floor(rnd() * 200);
      jittered.append(t0 + i * 10_000 + Math.floor(rnd() * 40), c2);
    }
    const perSample = (a: XorAppender): number => a.sizeBytes() / a.count;
    console.log(
      `bytes/sample over 120 samples at 10 s: random-walk gauge (2 decimals) ${perSample(gauge).toFixed(2)}, ` +
        `counter (+0..199) ${perSample(counter).toFixed(2)}, same counter with 0-40 ms jitter ${perSample(jittered).toFixed(2)}`,
    );
    assert.ok(perSample(gauge) < 8, `gauge: ${perSample(gauge)} bytes/sample`);
    assert.ok(perSample(counter) < 3, `counter: ${perSample(counter)} bytes/sample`);
    assert.ok(perSample(jittered) < 4, `jittered counter: ${perSample(jittered)} bytes/sample`);
  });
});
