// Tests of packed integer streams: exact round trips at every width (1 … 53 bits, negative bases,
// constant streams, partial last blocks), the size estimate matching the bytes written, and
// truncated or impossible streams rejected with CorruptChunkError.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { CorruptChunkError } from './block-format.js';
import { MAX_WIDTH, PACK_BLOCK, packedStreamSize, readPackedStream, writePackedStream } from './packed-stream.js';
import { ByteSink } from './range-coder.js';

const MAX = Number.MAX_SAFE_INTEGER;

/** Integers of one block-ish spread: a base anywhere, offsets below 2^width. */
const streamArb = fc
  .record({
    width: fc.integer({ min: 0, max: MAX_WIDTH }),
    count: fc.integer({ min: 1, max: 3 * PACK_BLOCK + 5 }),
    seed: fc.integer(),
    negative: fc.boolean(),
  })
  .map(({ width, count, seed, negative }) => {
    let r = seed >>> 0;
    const rnd = (): number => ((r = (Math.imul(r, 1103515245) + 12345) >>> 0) / 2 ** 32);
    const span = Math.min(MAX, 2 ** width - 1);
    const base = negative ? -Math.floor(span / 2) : 0;
    const xs = new Float64Array(count);
    for (let i = 0; i < count; i++) xs[i] = Math.max(-MAX, Math.min(MAX, base + Math.floor(rnd() * span)));
    return xs;
  });

function write(xs: Float64Array): Uint8Array {
  const out = new ByteSink(16);
  writePackedStream(out, xs, xs.length);
  return out.bytes();
}

describe('packed integer streams', () => {
  it('round-trip at every width, and take the bytes packedStreamSize predicts', () => {
    fc.assert(
      fc.property(streamArb, fc.integer({ min: 0, max: 3 }), (xs, at) => {
        const size = packedStreamSize(xs, xs.length);
        if (size === Infinity) return; // a block ending within 2^w of 2^53: the encoder does not pack it
        const bytes = write(xs);
        assert.equal(bytes.length, size);
        const out = new Float64Array(at + xs.length);
        assert.equal(readPackedStream(bytes, 0, bytes.length, out, at, xs.length), bytes.length);
        assert.deepEqual(out.subarray(at), xs);
      }),
      { numRuns: 500 },
    );
  });

  it('stores a constant stream as one varint and extreme integers exactly', () => {
    assert.deepEqual([...write(new Float64Array(1000).fill(-1))], [0, 1]);
    const xs = new Float64Array([MAX, 0, 1, MAX - 1, 2 ** 52]);
    assert.equal(packedStreamSize(xs, xs.length), 2 + 1 + Math.ceil((5 * 53) / 8));
    const out = new Float64Array(xs.length);
    const bytes = write(xs);
    readPackedStream(bytes, 0, bytes.length, out, 0, xs.length);
    assert.deepEqual(out, xs);
    assert.equal(packedStreamSize(new Float64Array([-MAX, MAX]), 2), Infinity, 'a spread above 2^53 - 1 cannot be packed');
    assert.equal(packedStreamSize(new Float64Array([1, MAX]), 2), Infinity, 'base + 2^53 - 1 is beyond 2^53 - 1');
    // A block claiming integers beyond 2^53 - 1: base 1, width 53.
    assert.throws(() => readPackedStream(Uint8Array.of(1, 53, 2, ...new Array(7).fill(0)), 0, 10, new Float64Array(1), 0, 1), CorruptChunkError);
  });

  it('rejects truncated streams, unknown kinds and widths above 53', () => {
    fc.assert(
      fc.property(streamArb, (xs) => {
        if (packedStreamSize(xs, xs.length) === Infinity) return;
        const bytes = write(xs);
        const out = new Float64Array(xs.length);
        for (let len = 0; len < bytes.length; len++) {
          assert.throws(() => readPackedStream(bytes, 0, len, out, 0, xs.length), CorruptChunkError);
        }
      }),
      { numRuns: 100 },
    );
    const out = new Float64Array(4);
    assert.throws(() => readPackedStream(Uint8Array.of(2, 0), 0, 2, out, 0, 4), CorruptChunkError);
    assert.throws(() => readPackedStream(Uint8Array.of(1, 54, 0, 0, 0, 0, 0, 0, 0, 0), 0, 10, out, 0, 1), CorruptChunkError);
    assert.throws(() => readPackedStream(Uint8Array.of(0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01), 0, 10, out, 0, 1), CorruptChunkError);
  });
});
