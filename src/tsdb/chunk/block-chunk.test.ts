// Tests of block chunks: bit-exact round trips of arbitrary and realistic samples, seek, the
// documented byte layout, encoder choices, input limits, and corrupt input from disk.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  BlockChunkDecoder,
  BlockChunkIterator,
  CorruptChunkError,
  ENCODING_DECIMAL_PACKED,
  ENCODING_DECIMAL_RC,
  ENCODING_XOR,
  blockChunkCount,
  encodeBlockChunk,
} from './block-chunk.js';
import { encodeDecimal } from './block-encoder.js';
import { arraysOf, assertBlockYields, decimalSamplesArb } from './block-test-fixtures.js';
import { HI, LO, STALE, pairOf, samplesArb, samplesOf, type Samples } from './xor-test-fixtures.js';

function encode(s: Samples): Uint8Array {
  const { ts, vs } = arraysOf(s);
  return encodeBlockChunk(ts, vs, s.ts.length);
}

/** One decimal encoding forced: 'rc' (2) or 'packed' (3, or 2 when packing cannot hold the chunk). */
function encodeAs(s: Samples, only: 'rc' | 'packed'): Uint8Array {
  const { ts, vs } = arraysOf(s);
  return encodeDecimal(ts, vs, s.ts.length, only);
}

/** Decodes `bytes` fully; returns the sample count, or rethrows anything but CorruptChunkError. */
function drain(it: BlockChunkIterator, bytes: Uint8Array): number {
  try {
    it.reset(bytes);
    let k = 0;
    let prev = -Infinity;
    while (it.next()) {
      const t = it.atT();
      assert.ok(Number.isSafeInteger(t) && t >= prev, `timestamp ${t} after ${prev}`);
      prev = t;
      k++;
    }
    return k;
  } catch (e) {
    if (e instanceof CorruptChunkError) return -1;
    throw e;
  }
}

describe('encodeBlockChunk + BlockChunkIterator', () => {
  it('round-trips arbitrary samples bit-exactly', () => {
    const it = new BlockChunkIterator();
    fc.assert(
      fc.property(samplesArb(), (s) => {
        it.reset(encode(s));
        assertBlockYields(it, s);
      }),
      { numRuns: 400 },
    );
  });

  it('round-trips decimal series with raw values mixed in, in each encoding', () => {
    const it = new BlockChunkIterator();
    fc.assert(
      fc.property(decimalSamplesArb(), (s) => {
        for (const bytes of [encode(s), encodeAs(s, 'rc'), encodeAs(s, 'packed')]) {
          it.reset(bytes);
          assertBlockYields(it, s);
        }
        if (s.ts.length > 1) assert.equal(encodeAs(s, 'rc')[0], ENCODING_DECIMAL_RC);
      }),
      { numRuns: 400 },
    );
  });

  it('round-trips arbitrary samples in each decimal encoding, and decodes them in one call', () => {
    const dec = new BlockChunkDecoder();
    fc.assert(
      fc.property(samplesArb(), (s) => {
        for (const bytes of [encodeAs(s, 'rc'), encodeAs(s, 'packed'), encode(s)]) {
          const n = blockChunkCount(bytes);
          assert.equal(n, s.ts.length);
          const ts = new Float64Array(n + 1);
          const vs = new Float64Array(n + 1);
          assert.equal(dec.decode(bytes, ts, vs), n);
          const u = new Uint32Array(vs.buffer);
          for (let i = 0; i < n; i++) {
            assert.equal(ts[i], s.ts[i]);
            assert.deepEqual([u[2 * i + HI]!, u[2 * i + LO]!], [s.bits[2 * i]!, s.bits[2 * i + 1]!], `value ${i} of encoding ${bytes[0]}`);
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('writes raw values into any view of a caller buffer, reused or not', () => {
    const dec = new BlockChunkDecoder();
    const buf = new ArrayBuffer(8 * 24);
    const ts = new Float64Array(20);
    const short = samplesOf([1, 2, 3], [pairOf(0.5), STALE, pairOf(1.5)]);
    const long = samplesOf(
      Array.from({ length: 10 }, (_, i) => 1000 * i),
      Array.from({ length: 10 }, (_, i) => (i === 7 ? STALE : pairOf(i / 4))),
    );
    for (const [s, off] of [[short, 0], [long, 0], [short, 8], [long, 16], [long, 0]] as const) {
      const vs = new Float64Array(buf, off, s.ts.length);
      assert.equal(dec.decode(encodeAs(s, 'packed'), ts, vs), s.ts.length);
      const u = new Uint32Array(buf, off, 2 * s.ts.length);
      for (let i = 0; i < s.ts.length; i++) assert.deepEqual([u[2 * i + HI], u[2 * i + LO]], [s.bits[2 * i], s.bits[2 * i + 1]]);
    }
  });

  it('packs extreme integers: huge and tiny floats, long gaps, wide mantissa steps', () => {
    const big = Number.MAX_SAFE_INTEGER;
    const cases: Samples[] = [
      samplesOf([0, 1, 2, 3], [pairOf(big), pairOf(-big), pairOf(big), pairOf(0)]),
      samplesOf([-(2 ** 51), -5, 0, 2 ** 52], [pairOf(1e300), pairOf(5e-324), pairOf(-1e-300), pairOf(2 ** 52)]),
      samplesOf([1, 2, 2, 2, 2 ** 40, 2 ** 40 + 1], [pairOf(0.1), pairOf(0.2), pairOf(0.3), pairOf(1e15), pairOf(-1e15), pairOf(0.5)]),
      samplesOf(Array.from({ length: 300 }, (_, i) => i * 1000 + Math.floor(i / 7) * 2 ** 40), Array.from({ length: 300 }, (_, i) => pairOf(i % 3 === 0 ? 2 ** 50 - i : -i))),
    ];
    for (const s of cases) {
      const { ts, vs } = arraysOf(s);
      encodeBlockChunk(ts, vs, s.ts.length); // checks the input
      const bytes = encodeAs(s, 'packed');
      assert.equal(bytes[0], ENCODING_DECIMAL_PACKED);
      assertBlockYields(new BlockChunkIterator(bytes), s);
    }
  });

  it('seeks like a linear scan, never backwards', () => {
    const it = new BlockChunkIterator();
    const ops = fc.array(fc.oneof(fc.constant<'next'>('next'), fc.integer({ min: 0, max: 1000 })), { maxLength: 30 });
    fc.assert(
      fc.property(fc.oneof(samplesArb(60), decimalSamplesArb(60)), ops, (s, script) => {
        it.reset(encode(s));
        const ts = s.ts;
        const n = ts.length;
        let i = -1;
        const lo = ts[0]!;
        const span = ts[n - 1]! - lo;
        for (const op of script) {
          if (op === 'next') {
            i = i + 1 < n ? i + 1 : n;
            assert.equal(it.next(), i < n);
          } else {
            const t = lo + Math.floor((span * op) / 900) - 1; // some targets before and after the chunk
            if (i < n && !(i >= 0 && ts[i]! >= t)) {
              let j = i < 0 ? 0 : i;
              while (j < n && ts[j]! < t) j++;
              i = j;
            }
            assert.equal(it.seek(t), i < n);
          }
          if (i >= 0 && i < n) assert.equal(it.atT(), ts[i]);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('writes the documented layout', () => {
    // Two samples (1 000, 1.5) and (11 000, 2.25): scale 2, mantissas 150 and 225.
    const ts = new Float64Array([1000, 11000]);
    const vs = new Float64Array([1.5, 2.25]);
    const hex = Buffer.from(encodeDecimal(ts, vs, 2, 'rc')).toString('hex');
    // Header (9 bytes), then range-coded dod 10 000 and mantissa delta 75, then the coder's flush.
    assert.equal(hex, '0202d00f0002ac0200' + '8d38443160000000');
    // The same header with encoding 3, then two constant streams: timestamp 10 000, value delta 75.
    const packed = Buffer.from(encodeBlockChunk(ts, vs, 2)).toString('hex');
    assert.equal(packed, '0302d00f0002ac0200' + '00a09c01' + '009601');
    // Three samples 10 s apart: grid timestamps (step 10 000: two constant-0 streams), value deltas
    // 75 and −1 in one packed block of width 7 from base −1 (zigzag 01): 76 and 0, LSB first.
    const three = encodeBlockChunk(new Float64Array([1000, 11000, 21000]), new Float64Array([1.5, 2.25, 2.24]), 3);
    assert.equal(three[0], ENCODING_DECIMAL_PACKED);
    assert.equal(Buffer.from(three).toString('hex'), '0303d00f01904e0002ac0200' + '0000' + '0000' + '0107014c00');
    assert.deepEqual([...encodeBlockChunk(new Float64Array(0), new Float64Array(0), 0)], [ENCODING_DECIMAL_RC, 0]);
    assert.deepEqual([...encodeBlockChunk(new Float64Array([5]), new Float64Array([-0.5]), 1)], [2, 1, 10, 0, 1, 9, 0]);
  });

  it('keeps the staleness marker, other NaN payloads, -0 and Inf bit-exact inside decimal chunks', () => {
    const n = 500;
    const pairs: Array<[number, number]> = [];
    const ts: number[] = [];
    for (let i = 0; i < n; i++) {
      ts.push(1_700_000_000_000 + i * 15_000);
      pairs.push(i === 3 ? STALE : i === 100 ? [0x80000000, 0] : i === 200 ? pairOf(-Infinity) : i === 499 ? [0xfff00000, 0xdeadbeef] : pairOf((i % 37) / 4));
    }
    const s = samplesOf(ts, pairs);
    const bytes = encode(s);
    assert.equal(bytes[0], ENCODING_DECIMAL_RC);
    assert.ok(bytes.length < 200, `${bytes.length} bytes`);
    assertBlockYields(new BlockChunkIterator(bytes), s);
  });

  it('falls back to XOR for values that are not decimal', () => {
    const ts: number[] = [];
    const pairs: Array<[number, number]> = [];
    for (let i = 0; i < 300; i++) {
      ts.push(i * 1000);
      pairs.push(pairOf(Math.sin(i) * 1e-3));
    }
    const s = samplesOf(ts, pairs);
    const bytes = encode(s);
    assert.equal(bytes[0], ENCODING_XOR);
    const it = new BlockChunkIterator(bytes);
    assertBlockYields(it, s);
    it.reset(bytes);
    assert.ok(it.seek(150_500));
    assert.equal(it.atT(), 151_000);
  });

  it('keeps values whose integer deltas would not be exact', () => {
    const big = Number.MAX_SAFE_INTEGER;
    const s = samplesOf([0, 1, 2, 3], [pairOf(big), pairOf(-big), pairOf(big), pairOf(0)]);
    assertBlockYields(new BlockChunkIterator(encode(s)), s);
  });

  it('rejects timestamps it cannot store', () => {
    const vs = new Float64Array(3);
    assert.throws(() => encodeBlockChunk(new Float64Array([1, 0.5, 2]), vs, 3), RangeError);
    assert.throws(() => encodeBlockChunk(new Float64Array([2, 1, 3]), vs, 3), RangeError);
    assert.throws(() => encodeBlockChunk(new Float64Array([-(2 ** 52), 2 ** 52, 2 ** 52]), vs, 3), RangeError);
    assert.throws(() => encodeBlockChunk(new Float64Array([1, 2]), vs, 3), RangeError);
  });
});

describe('BlockChunkIterator on corrupt input', () => {
  const samples = fc.sample(fc.oneof(samplesArb(80), decimalSamplesArb(300)), { numRuns: 60, seed: 7 });
  const valid: Uint8Array[] = [...samples.map(encode), ...samples.map((s) => encodeAs(s, 'rc')), ...samples.map((s) => encodeAs(s, 'packed'))];

  it('throws CorruptChunkError or decodes ordered samples for random bytes', () => {
    const it = new BlockChunkIterator();
    fc.assert(
      fc.property(fc.constantFrom(1, 2, 3, 4, 0), fc.uint8Array({ maxLength: 64 }), (enc, rest) => {
        drain(it, Uint8Array.of(enc, ...rest));
      }),
      { numRuns: 2000 },
    );
  });

  it('never accepts a truncated chunk', () => {
    const it = new BlockChunkIterator();
    for (const bytes of valid) {
      for (let len = 0; len < bytes.length; len++) {
        const cut = bytes.subarray(0, len);
        // XOR chunks may legitimately end in padding bits; decimal chunks are checked to the byte.
        if (bytes[0] !== ENCODING_XOR) assert.equal(drain(it, cut), -1, `cut at ${len} of encoding ${bytes[0]}, ${bytes.length} bytes`);
        else drain(it, cut);
      }
    }
  });

  it('throws CorruptChunkError or decodes ordered samples for mutated chunks', () => {
    const it = new BlockChunkIterator();
    fc.assert(
      fc.property(fc.nat(valid.length - 1), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 4 }), (k, muts) => {
        const bytes = valid[k]!.slice();
        for (const [at, x] of muts) bytes[at % bytes.length]! ^= x;
        drain(it, bytes);
      }),
      { numRuns: 2000 },
    );
  });

  it('rejects trailing bytes, unknown encodings and impossible headers', () => {
    const it = new BlockChunkIterator();
    const good = encodeBlockChunk(new Float64Array([1, 2, 3]), new Float64Array([1, 2, 3]), 3);
    assert.equal(drain(it, good), 3);
    assert.equal(drain(it, Uint8Array.of(...good, 0)), -1);
    assert.equal(drain(it, new Uint8Array(0)), -1);
    assert.equal(drain(it, Uint8Array.of(9, 0)), -1);
    assert.equal(drain(it, Uint8Array.of(2, 0, 0)), -1);
    assert.equal(drain(it, Uint8Array.of(2, 0xff, 0xff, 0xff, 0x7f)), -1, 'count above the limit');
    const modes = good.slice();
    modes[3] = 0x80; // t0 = 1 is one byte, so the modes byte is at 3
    assert.equal(drain(it, modes), -1);
  });
});
