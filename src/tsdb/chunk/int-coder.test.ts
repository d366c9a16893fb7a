// Tests of IntCoder through the range coder: any safe integer round-trips in any mix, and narrow
// distributions cost close to their entropy.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { IntCoder } from './int-coder.js';
import { ByteSink, RangeDecoder, RangeEncoder } from './range-coder.js';
import { mulberry32 } from './xor-test-fixtures.js';

function roundTrip(xs: readonly number[]): { decoded: number[]; bytes: number } {
  const out = new ByteSink();
  const enc = new RangeEncoder(out);
  const a = new IntCoder();
  const b = new IntCoder();
  xs.forEach((x, i) => (i % 3 === 0 ? a : b).encode(enc, x));
  enc.finish();
  const dec = new RangeDecoder();
  assert.ok(dec.reset(out.buf, 0, out.len));
  const da = new IntCoder();
  const db = new IntCoder();
  const decoded = xs.map((_, i) => (i % 3 === 0 ? da : db).decode(dec));
  assert.equal(dec.position, out.len, 'decoder reads exactly the bytes written');
  assert.equal(dec.invalid, false);
  return { decoded, bytes: out.len };
}

describe('IntCoder', () => {
  it('round-trips any safe integers', () => {
    const ints = fc.oneof(
      fc.maxSafeInteger(),
      fc.integer({ min: -300, max: 300 }),
      fc.constantFrom(0, 1, -1, 2 ** 53 - 1, -(2 ** 53 - 1), 2 ** 32, -(2 ** 32), 2 ** 24 - 1, 4095, 4096),
    );
    fc.assert(
      fc.property(fc.array(ints, { maxLength: 300 }), (xs) => {
        assert.deepEqual(roundTrip(xs).decoded, xs);
      }),
      { numRuns: 300 },
    );
  });

  it('codes uniform 0…199 in under 7.9 bits each (entropy 7.64)', () => {
    const rnd = mulberry32(1);
    const xs = Array.from({ length: 20_000 }, () => Math.floor(rnd() * 200));
    const { decoded, bytes } = roundTrip(xs);
    assert.deepEqual(decoded, xs);
    assert.ok((bytes * 8) / xs.length < 7.9, `${(bytes * 8) / xs.length} bits`);
  });

  it('codes a run of zeros in almost nothing', () => {
    const xs = new Array<number>(10_000).fill(0);
    assert.ok(roundTrip(xs).bytes < 16);
  });
});
