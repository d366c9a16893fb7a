// Tests of BitReader alone: 32-bit peeks at every offset (including the last bytes of a buffer),
// and how it treats reads past the end and malformed varints, as a decoder of disk data must.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { BitReader, peekBits32 } from './bit-reader.js';

/** Bit `k` of `buf` (most significant first), 0 past the end: the obvious reference. */
function bitAt(buf: Uint8Array, k: number): number {
  const b = buf[k >>> 3];
  return b === undefined ? 0 : (b >>> (7 - (k & 7))) & 1;
}

describe('BitReader', () => {
  it('peeks the same 32 bits as a bit-by-bit reference at every position', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 12 }), (buf) => {
        for (let pos = 0; pos <= buf.length * 8 + 8; pos++) {
          let want = 0;
          for (let k = 0; k < 32; k++) want = (want << 1) | bitAt(buf, pos + k);
          assert.equal(peekBits32(buf, pos), want, `pos ${pos}`);
        }
      }),
    );
  });

  it('reads, peeks and skips within the end bound', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 12 }), fc.nat(), fc.array(fc.integer({ min: 0, max: 32 }), { maxLength: 20 }), (buf, e, sizes) => {
        const end = e % (buf.length * 8 + 1);
        const r = new BitReader(buf, 0, end);
        let pos = 0;
        for (const n of sizes) {
          let want = 0;
          for (let k = 0; k < n; k++) want = want * 2 + (pos + k < end ? bitAt(buf, pos + k) : 0);
          let peek = 0;
          for (let k = 0; k < 32; k++) peek = (peek << 1) | (pos + k < end ? bitAt(buf, pos + k) : 0);
          assert.equal(r.peek32(), peek);
          if (pos + n > end) {
            r.readBits(n);
            assert.equal(r.overrun, true);
            return;
          }
          assert.equal(r.readBits(n), want);
          pos += n;
          assert.equal(r.bitPosition, pos);
        }
        assert.equal(r.overrun, false);
        r.skip(r.bitsLeft + 1);
        assert.equal(r.overrun, true);
        assert.equal(r.bitsLeft, 0);
      }),
    );
  });

  it('flags reads past the end instead of throwing', () => {
    const r = new BitReader(new Uint8Array([0xff]), 0, 5);
    assert.equal(r.readBits(3), 0b111);
    assert.equal(r.readBits(3), 0);
    assert.equal(r.overrun, true);
    assert.equal(r.readBit(), 0);
    r.reset(new Uint8Array([0x80]));
    assert.equal(r.overrun, false);
    assert.equal(r.readBit(), 1);
  });

  it('rejects over-long or oversized varints with NaN', () => {
    const r = new BitReader(new Uint8Array(12).fill(0xff));
    assert.ok(Number.isNaN(r.readUvarint()));
    r.reset(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]));
    assert.ok(Number.isNaN(r.readUvarint()), '2^56 - 1 is above 2^53 - 1');
    r.reset(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]));
    assert.ok(Number.isNaN(r.readVarint()), '-(2^55) is beyond the safe range');
  });

  it('reads 32-bit words as int32', () => {
    const r = new BitReader(new Uint8Array([0xff, 0xff, 0xff, 0xfe, 0x80]));
    assert.equal(r.readInt32(), -2);
    assert.equal(r.readBit(), 1);
    assert.equal(r.readInt32(), 0);
    assert.equal(r.overrun, true);
  });
});
