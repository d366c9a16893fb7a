// Tests of BitWriter (read back through BitReader): every write must read back the same at any
// bit offset and across buffer growth, in the documented bit and varint layouts.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { BitReader } from './bit-reader.js';
import { BitWriter } from './bit-writer.js';

type Op =
  | { kind: 'bits'; value: number; nbits: number }
  | { kind: 'bits64'; hi: number; lo: number; nbits: number }
  | { kind: 'uvarint'; value: number }
  | { kind: 'varint'; value: number };

const u32 = fc.integer({ min: -0x80000000, max: 0x7fffffff }).map((x) => x >>> 0);
const mask32 = (v: number, n: number): number => (n === 32 ? v >>> 0 : (v & ((1 << n) - 1)) >>> 0);

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('bits' as const), value: u32, nbits: fc.integer({ min: 0, max: 32 }) }),
  fc.record({ kind: fc.constant('bits64' as const), hi: u32, lo: u32, nbits: fc.integer({ min: 0, max: 64 }) }),
  fc.record({ kind: fc.constant('uvarint' as const), value: fc.oneof(fc.maxSafeNat(), fc.nat(300)) }),
  fc.record({
    kind: fc.constant('varint' as const),
    value: fc.oneof(fc.maxSafeInteger(), fc.integer({ min: -300, max: 300 }), fc.constantFrom(Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER, -64, -128, 64, 63, -63)),
  }),
);

describe('BitWriter / BitReader', () => {
  it('reads back any sequence of writes', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 200 }), fc.integer({ min: 1, max: 40 }), (ops, initial) => {
        const w = new BitWriter(initial);
        for (const op of ops) {
          if (op.kind === 'bits') w.writeBits(op.value, op.nbits);
          else if (op.kind === 'bits64') w.writeBits64(op.hi, op.lo, op.nbits);
          else if (op.kind === 'uvarint') w.writeUvarint(op.value);
          else w.writeVarint(op.value);
        }
        const bytes = w.bytes();
        assert.equal(bytes.length, w.byteLength);
        assert.ok(w.capacity >= bytes.length);
        const r = new BitReader(bytes, 0, w.bitLength);
        for (const op of ops) {
          if (op.kind === 'bits') {
            assert.equal(r.readBits(op.nbits), mask32(op.value, op.nbits));
          } else if (op.kind === 'bits64') {
            if (op.nbits > 32) {
              assert.equal(r.readBits(op.nbits - 32), mask32(op.hi, op.nbits - 32));
              assert.equal(r.readBits(32), op.lo);
            } else {
              assert.equal(r.readBits(op.nbits), mask32(op.lo, op.nbits));
            }
          } else if (op.kind === 'uvarint') {
            assert.equal(r.readUvarint(), op.value);
          } else {
            assert.equal(r.readVarint(), op.value === 0 ? 0 : op.value);
          }
        }
        assert.equal(r.bitsLeft, 0);
        assert.equal(r.overrun, false);
      }),
      { numRuns: 300 },
    );
  });

  it('writes bits most significant first and pads with zeros', () => {
    const w = new BitWriter(1);
    w.writeBit(1);
    w.writeBits(0b01, 2);
    w.writeBits(0xabcd, 16);
    assert.equal(w.bitLength, 19);
    assert.deepEqual([...w.bytes()], [0b10110101, 0b01111001, 0b10100000]);
  });

  it('encodes varints as Go encoding/binary does', () => {
    const hex = (f: (w: BitWriter) => void): string => {
      const w = new BitWriter();
      f(w);
      return Buffer.from(w.bytes()).toString('hex');
    };
    assert.equal(hex((w) => w.writeUvarint(300)), 'ac02');
    assert.equal(hex((w) => w.writeVarint(-1)), '01');
    assert.equal(hex((w) => w.writeVarint(1)), '02');
    assert.equal(hex((w) => w.writeVarint(-64)), '7f');
    assert.equal(hex((w) => w.writeVarint(-65)), '8101');
    assert.equal(hex((w) => w.writeVarint(1000)), 'd00f');
    // zigzag(-(2^53 - 1)) = 2^54 - 3 and zigzag(2^53 - 1) = 2^54 - 2: both above 2^53, still exact.
    assert.equal(hex((w) => w.writeVarint(-Number.MAX_SAFE_INTEGER)), 'fdffffffffffff1f');
    assert.equal(hex((w) => w.writeVarint(Number.MAX_SAFE_INTEGER)), 'feffffffffffff1f');
  });

  it('keeps earlier views valid while writing on and growing', () => {
    const w = new BitWriter(8);
    w.writeBits(0xdeadbeef, 32);
    const view = w.bytes();
    for (let i = 0; i < 100; i++) w.writeBits(0xffffffff, 32);
    assert.deepEqual([...view], [0xde, 0xad, 0xbe, 0xef]);
    assert.equal(w.byteLength, 404);
  });

  it('rejects setByte outside the bytes written in full', () => {
    const w = new BitWriter();
    w.writeBits(0, 17);
    w.setByte(1, 0xff);
    assert.equal(w.bytes()[1], 0xff);
    assert.throws(() => w.setByte(2, 1), /not among the 2 bytes written in full/);
    assert.throws(() => w.setByte(-1, 1), RangeError);
  });
});
