// Tests of XorIterator: seek semantics against a model, reading a chunk while it is still being
// appended to, and decoding random, truncated and bit-flipped bytes (chunks will come from disk).

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { BitWriter } from './bit-writer.js';
import { CorruptChunkError, ENCODING_XOR, XorAppender, XorIterator } from './xor-chunk.js';
import { HI, LO, assertYields, encode, f64, hex, samplesArb, samplesOf, specialPairs, u32 } from './xor-test-fixtures.js';

describe('XorIterator', () => {
  it('seeks to the first sample at or after t and never backwards', () => {
    type Op = { seek: boolean; t: number };
    const arb = samplesArb(120).chain((s) => {
      const n = s.ts.length;
      const near = fc.tuple(fc.nat(n - 1), fc.integer({ min: -2, max: 2 })).map(([i, d]) => s.ts[i]! + d);
      const target = fc.oneof(near, fc.maxSafeInteger(), fc.constantFrom(-Infinity, Infinity));
      const op: fc.Arbitrary<Op> = fc.oneof(fc.record({ seek: fc.constant(true), t: target }), fc.record({ seek: fc.constant(false), t: fc.constant(0) }));
      return fc.tuple(fc.constant(s), fc.array(op, { maxLength: 40 }));
    });
    fc.assert(
      fc.property(arb, ([s, ops]) => {
        const n = s.ts.length;
        const it = encode(s).iterator();
        let cur = -1; // model of the iterator's position
        for (const op of ops) {
          let want: boolean;
          if (op.seek) {
            if (cur < n && !(cur >= 0 && s.ts[cur]! >= op.t)) {
              cur++;
              while (cur < n && s.ts[cur]! < op.t) cur++;
            }
            want = cur < n;
            assert.equal(it.seek(op.t), want, `seek(${op.t})`);
          } else {
            cur = Math.min(cur + 1, n);
            want = cur < n;
            assert.equal(it.next(), want, 'next()');
          }
          if (want) {
            assert.equal(it.atT(), s.ts[cur]);
            f64[0] = it.atV();
            assert.equal(hex(u32[HI]!, u32[LO]!), hex(s.bits[2 * cur]!, s.bits[2 * cur + 1]!));
          }
        }
      }),
      { numRuns: 500 },
    );
  });

  it('reads a chunk while it is being appended to', () => {
    fc.assert(
      fc.property(samplesArb(400).chain((s) => fc.tuple(fc.constant(s), fc.nat(s.ts.length), fc.nat(s.ts.length))), ([s, k, readFirst]) => {
        const n = s.ts.length;
        const app = encode(s, 0, k, new XorAppender(8));
        const early = app.bytes();
        const earlyCopy = early.slice();
        assert.equal(app.bytes(), early, 'snapshot reused while nothing was appended');
        const before = new XorIterator(early);
        const during = app.iterator();
        // Advance `during` part way, then append the rest (growing the buffer), then finish both.
        const m = Math.min(readFirst, k);
        for (let i = 0; i < m; i++) assert.ok(during.next());
        encode(s, k, n, app);
        assert.equal(during.count, k);
        for (let i = m; i < k; i++) {
          assert.ok(during.next());
          assert.equal(during.atT(), s.ts[i]);
        }
        assert.equal(during.next(), false, 'sees no sample appended after it was made');
        assertYields(before, s, k);
        const late = app.bytes();
        // A snapshot decoded only after later appends and bytes() calls still holds exactly its samples.
        assert.deepEqual(early, earlyCopy);
        assertYields(new XorIterator(early), s, k);
        if (k < n) assert.notEqual(late, early);
        assertYields(new XorIterator(late), s);
        assertYields(app.iterator(before), s);
      }),
      { numRuns: 300 },
    );
  });
});

describe('XorIterator on corrupt input', () => {
  /** Decodes everything (alternating next and seek); only CorruptChunkError may escape. */
  function decodeAnything(bytes: Uint8Array, seekTo: number): void {
    let it: XorIterator;
    try {
      it = new XorIterator(bytes);
    } catch (e) {
      assert.ok(e instanceof CorruptChunkError, String(e));
      return;
    }
    const n = it.count;
    let steps = 0;
    let prev = -Infinity;
    try {
      if (it.seek(seekTo)) {
        steps++;
        prev = it.atT();
        assert.ok(prev >= seekTo);
      }
      while (it.next()) {
        steps++;
        assert.ok(steps <= n, 'never yields more samples than the header counts');
        assert.ok(it.atT() >= prev, 'timestamps never decrease');
        prev = it.atT();
        it.atV();
      }
    } catch (e) {
      assert.ok(e instanceof CorruptChunkError, String(e));
      assert.equal(it.next(), false, 'exhausted after an error');
    }
  }

  it('rejects wrong headers', () => {
    assert.throws(() => new XorIterator(new Uint8Array([1, 0])), CorruptChunkError);
    assert.throws(() => new XorIterator(new Uint8Array([2, 0, 0])), /encoding is 2/);
    assert.throws(() => new XorIterator(new Uint8Array(0)), { code: 'corrupt_chunk' });
  });

  it('throws CorruptChunkError on a truncated chunk', () => {
    const s = samplesOf([1, 2, 3], specialPairs);
    const bytes = encode(s).bytes();
    const it = new XorIterator(bytes.subarray(0, bytes.length - 2));
    assert.ok(it.next());
    assert.throws(() => {
      while (it.next());
    }, /bitstream ends inside sample/);
  });

  it('always rejects a valid chunk cut short', () => {
    // The last byte of a chunk always holds bits of its last sample, so any cut must be noticed.
    fc.assert(
      fc.property(samplesArb(100).chain((s) => fc.tuple(fc.constant(s), fc.nat())), ([s, c]) => {
        const bytes = encode(s).bytes();
        const cut = bytes.subarray(0, 3 + (c % (bytes.length - 3)));
        assert.throws(() => {
          const it = new XorIterator(cut);
          while (it.next());
        }, CorruptChunkError);
      }),
      { numRuns: 500 },
    );
  });

  it('survives random bytes', () => {
    const header = fc.tuple(fc.constantFrom(0, 1, 1, 1, 2), fc.nat(255), fc.nat(255));
    fc.assert(
      fc.property(header, fc.uint8Array({ maxLength: 300 }), fc.maxSafeInteger(), ([enc, c1, c2], body, seekTo) => {
        const bytes = new Uint8Array(3 + body.length);
        bytes.set([enc, c1, c2]);
        bytes.set(body, 3);
        decodeAnything(bytes, seekTo);
        decodeAnything(bytes.subarray(0, Math.min(bytes.length, 2)), seekTo);
      }),
      { numRuns: 3000 },
    );
  });

  it('survives truncated and bit-flipped chunks', () => {
    const arb = samplesArb(200).chain((s) =>
      fc.tuple(fc.constant(s), fc.array(fc.nat(), { minLength: 1, maxLength: 8 }), fc.nat(), fc.boolean()),
    );
    fc.assert(
      fc.property(arb, ([s, flips, cut, truncate]) => {
        const good = encode(s).bytes().slice();
        const bad = truncate ? good.subarray(0, cut % (good.length + 1)) : good;
        for (const f of flips) {
          const bit = f % (bad.length * 8 || 1);
          if (bad.length > 0) bad[bit >>> 3] = bad[bit >>> 3]! ^ (0x80 >>> (bit & 7));
        }
        decodeAnything(bad, s.ts[0]!);
        decodeAnything(bad, -Infinity);
      }),
      { numRuns: 1000 },
    );
  });
});

it('refuses a corrupt chunk whose timestamps leave the safe integer range instead of decoding it wrong', () => {
  const w = new BitWriter();
  w.writeVarint(Number.MAX_SAFE_INTEGER - 10);
  w.writeBits64(0, 0, 64);
  w.writeUvarint(1000);
  w.writeBit(0);
  const body = w.bytes();
  const chunk = new Uint8Array(3 + body.length);
  chunk[0] = ENCODING_XOR;
  chunk[2] = 2;
  chunk.set(body, 3);
  const it = new XorIterator(chunk);
  assert.equal(it.next(), true);
  assert.throws(() => it.next(), CorruptChunkError);
});
