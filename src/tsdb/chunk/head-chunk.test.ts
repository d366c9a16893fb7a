// Tests of HeadChunkIterator's bulk read and seek: over arbitrary chunks of either encoding and
// arbitrary sequences of next / seek / fill calls, it gives what next() alone gives, bit for bit,
// and stops where that many next() calls would have left it.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { HeadChunkIterator } from './head-chunk.js';
import { VarintAppender } from './varint-test-fixtures.js';
import { CorruptChunkError } from './xor-format.js';
import { encode, f64, HI, LO, samplesArb, u32, type Samples } from './xor-test-fixtures.js';

/** The samples as a reference walks them: index -1 before the first, n once exhausted. */
class Reference {
  i = -1;
  constructor(private readonly s: Samples) {}
  get n(): number {
    return this.s.ts.length;
  }
  next(): boolean {
    if (this.i < this.n) this.i++;
    return this.i < this.n;
  }
  seek(t: number): boolean {
    if (this.i >= 0 && this.i < this.n && this.s.ts[this.i]! >= t) return true;
    while (this.next()) if (this.s.ts[this.i]! >= t) return true;
    return false;
  }
}

type Op = { kind: 'next' } | { kind: 'seek'; at: number } | { kind: 'fill'; size: number; off: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.constant<Op>({ kind: 'next' }),
  fc.double({ min: 0, max: 1, noNaN: true }).map((at): Op => ({ kind: 'seek', at })),
  fc.tuple(fc.integer({ min: 1, max: 400 }), fc.nat(3)).map(([size, off]): Op => ({ kind: 'fill', size: size + off, off })),
);

function bitsEqual(got: number, s: Samples, i: number, what: string): void {
  f64[0] = got;
  assert.ok(u32[HI] === s.bits[2 * i] && u32[LO] === s.bits[2 * i + 1], `${what}: value bits of sample ${i}`);
}

/** A seek target from a fraction: somewhere in (or just around) the chunk's time span. */
function targetOf(s: Samples, at: number): number {
  const lo = s.ts[0]!;
  const hi = s.ts[s.ts.length - 1]!;
  return Math.floor(lo - 1 + at * (hi - lo + 2));
}

function check(it: HeadChunkIterator, s: Samples, ops: readonly Op[]): void {
  const ref = new Reference(s);
  for (const op of ops) {
    if (op.kind === 'next') {
      assert.equal(it.next(), ref.next(), 'next()');
    } else if (op.kind === 'seek') {
      const t = targetOf(s, op.at);
      assert.equal(it.seek(t), ref.seek(t), `seek(${t})`);
    } else {
      const ts = new Float64Array(op.size);
      const vs = new Float64Array(op.size);
      const end = it.fill(ts, vs, op.off);
      let want = op.off;
      while (want < op.size && ref.next()) {
        assert.equal(ts[want], s.ts[ref.i], `fill: timestamp ${want}`);
        bitsEqual(vs[want]!, s, ref.i, 'fill');
        want++;
      }
      assert.equal(end, want, 'fill: samples written');
    }
    // Wherever it stands, it reads the reference's sample.
    if (ref.i >= 0 && ref.i < ref.n) {
      assert.equal(it.atT(), s.ts[ref.i], 'atT() after the call');
      bitsEqual(it.atV(), s, ref.i, 'atV() after the call');
    }
  }
  // And it goes on from there as the reference does.
  while (ref.next()) {
    assert.ok(it.next(), `sample ${ref.i} after the calls`);
    assert.equal(it.atT(), s.ts[ref.i]);
    bitsEqual(it.atV(), s, ref.i, 'tail');
  }
  assert.equal(it.next(), false, 'exhausted with the reference');
}

describe('HeadChunkIterator fill and seek', () => {
  it('give what next() gives over arbitrary decimal varint chunks and call sequences', () => {
    const it = new HeadChunkIterator();
    fc.assert(
      fc.property(samplesArb(400), fc.array(opArb, { maxLength: 12 }), (s, ops) => {
        const app = encode(s, 0, s.ts.length, new VarintAppender());
        try {
          it.reset(app.bytes());
          check(it, s, ops);
        } finally {
          app.release();
        }
      }),
      { numRuns: 1500 },
    );
  });

  it('give what next() gives over arbitrary XOR chunks', () => {
    const it = new HeadChunkIterator();
    fc.assert(
      fc.property(samplesArb(300), fc.array(opArb, { maxLength: 8 }), (s, ops) => {
        it.reset(encode(s).bytes());
        check(it, s, ops);
      }),
      { numRuns: 300 },
    );
  });

  it('fill meets corrupt bytes as next() does: the same samples, then the same CorruptChunkError', () => {
    fc.assert(
      fc.property(samplesArb(200), fc.array(fc.tuple(fc.nat(), fc.nat(255)), { minLength: 1, maxLength: 4 }), fc.nat(), (s, flips, cut) => {
        const app = encode(s, 0, s.ts.length, new VarintAppender());
        const bytes = app.bytes().slice();
        app.release();
        for (const [at, b] of flips) bytes[3 + (at % Math.max(1, bytes.length - 3))] = b;
        const damaged = bytes.subarray(0, Math.max(3, bytes.length - (cut % 3)));
        const read = (bulk: boolean): { ts: number[]; vs: number[]; err: string | null } => {
          const it = new HeadChunkIterator(damaged);
          const ts: number[] = [];
          const vs: number[] = [];
          try {
            if (bulk) {
              const a = new Float64Array(s.ts.length + 1);
              const b = new Float64Array(s.ts.length + 1);
              const n = it.fill(a, b, 0);
              ts.push(...a.subarray(0, n));
              vs.push(...b.subarray(0, n));
            } else {
              while (it.next()) {
                ts.push(it.atT());
                vs.push(it.atV());
              }
            }
            return { ts, vs, err: null };
          } catch (e) {
            assert.ok(e instanceof CorruptChunkError, String(e));
            return { ts: [], vs: [], err: e.message };
          }
        };
        const one = read(false);
        const bulk = read(true);
        assert.equal(bulk.err, one.err);
        assert.deepEqual(bulk.ts, one.ts);
        assert.deepEqual(bulk.vs, one.vs);
      }),
      { numRuns: 1500 },
    );
  });

  it('fill into full arrays writes nothing and leaves the position', () => {
    const app = new VarintAppender();
    for (let i = 0; i < 5; i++) app.append(1000 + i, i / 10);
    const it = new HeadChunkIterator(app.bytes());
    assert.ok(it.next());
    assert.equal(it.fill(new Float64Array(2), new Float64Array(2), 2), 2);
    assert.equal(it.atT(), 1000);
    const ts = new Float64Array(10);
    const vs = new Float64Array(10);
    assert.equal(it.fill(ts, vs, 0), 4);
    assert.deepEqual([...ts.subarray(0, 4)], [1001, 1002, 1003, 1004]);
    assert.deepEqual([...vs.subarray(0, 4)], [0.1, 0.2, 0.3, 0.4]);
    assert.equal(it.next(), false);
    app.release();
  });
});
