// Tests of ChunksIterator: over arbitrary runs of head chunks (equal timestamps within and across
// chunks, both encodings) and windows [mint, maxt], any sequence of next / seek / fill calls gives
// the window's samples with equal timestamps collapsed to the last one written, as a plain model
// of that rule does.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { VarintAppender } from './chunk/varint-test-fixtures.js';
import { XorAppender } from './chunk/xor-chunk.js';
import { ChunksIterator } from './series-iterator.js';

interface Case {
  ts: number[];
  vs: number[];
  /** Chunk boundaries: chunk k holds samples [cuts[k], cuts[k+1]). */
  cuts: number[];
  xor: boolean[];
  mint: number;
  maxt: number;
}

const caseArb: fc.Arbitrary<Case> = fc
  .tuple(
    fc.integer({ min: 1_700_000_000_000, max: 1_700_000_100_000 }),
    fc.array(fc.tuple(fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 20_000 })), fc.integer({ min: -5000, max: 5000 })), { minLength: 1, maxLength: 500 }),
    fc.array(fc.nat(), { maxLength: 6 }),
    fc.array(fc.boolean(), { minLength: 8, maxLength: 8 }),
    fc.double({ min: -0.1, max: 1.1, noNaN: true }),
    fc.double({ min: -0.1, max: 1.1, noNaN: true }),
  )
  .map(([t0, steps, cutAt, xor, a, b]) => {
    const ts: number[] = [];
    const vs: number[] = [];
    let t = t0;
    for (const [d, v] of steps) {
      ts.push((t += d));
      vs.push(v / 100);
    }
    const n = ts.length;
    const cuts = [...new Set([0, ...cutAt.map((c) => c % n), n])].sort((x, y) => x - y);
    const span = ts[n - 1]! - ts[0]! + 2;
    const [lo, hi] = a <= b ? [a, b] : [b, a];
    return { ts, vs, cuts, xor, mint: Math.floor(ts[0]! - 1 + lo * span), maxt: Math.floor(ts[0]! - 1 + hi * span) };
  });

/** The window's samples, equal timestamps collapsed to the last one. */
function model(c: Case): { ts: number[]; vs: number[] } {
  const ts: number[] = [];
  const vs: number[] = [];
  for (let i = 0; i < c.ts.length; i++) {
    const t = c.ts[i]!;
    if (t < c.mint || t > c.maxt) continue;
    if (ts.length > 0 && ts[ts.length - 1] === t) vs[vs.length - 1] = c.vs[i]!;
    else {
      ts.push(t);
      vs.push(c.vs[i]!);
    }
  }
  return { ts, vs };
}

function chunksOf(c: Case): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let k = 0; k + 1 < c.cuts.length; k++) {
    if (c.xor[k % c.xor.length]) {
      const app = new XorAppender();
      for (let i = c.cuts[k]!; i < c.cuts[k + 1]!; i++) app.append(c.ts[i]!, c.vs[i]!);
      out.push(app.bytes());
    } else {
      const app = new VarintAppender();
      for (let i = c.cuts[k]!; i < c.cuts[k + 1]!; i++) app.append(c.ts[i]!, c.vs[i]!);
      out.push(app.close());
    }
  }
  return out;
}

type Op = { kind: 'next' } | { kind: 'seek'; at: number } | { kind: 'fill'; size: number; off: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.constant<Op>({ kind: 'next' }),
  fc.double({ min: -0.1, max: 1.1, noNaN: true }).map((at): Op => ({ kind: 'seek', at })),
  fc.tuple(fc.oneof(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 300 })), fc.nat(3)).map(([size, off]): Op => ({ kind: 'fill', size: size + off, off })),
);

describe('ChunksIterator', () => {
  it('gives the window with equal timestamps collapsed, whatever mix of next, seek and fill reads it', () => {
    fc.assert(
      fc.property(caseArb, fc.array(opArb, { maxLength: 16 }), (c, ops) => {
        const want = model(c);
        const n = want.ts.length;
        const it = new ChunksIterator(chunksOf(c), c.mint, c.maxt);
        // Reference position: -1 before the first sample, n once exhausted.
        let i = -1;
        const refNext = () => (i < n ? ++i < n : false);
        for (const op of ops) {
          if (op.kind === 'next') assert.equal(it.next(), refNext(), 'next()');
          else if (op.kind === 'seek') {
            const t = Math.floor(c.ts[0]! - 1 + op.at * (c.ts[c.ts.length - 1]! - c.ts[0]! + 2));
            let ok: boolean;
            if (i >= 0 && i < n && want.ts[i]! >= t) ok = true;
            else {
              ok = false;
              while (refNext()) {
                if (want.ts[i]! >= t) {
                  ok = true;
                  break;
                }
              }
            }
            assert.equal(it.seek(t), ok, `seek(${t})`);
          } else {
            const ts = new Float64Array(op.size);
            const vs = new Float64Array(op.size);
            const end = it.fill(ts, vs, op.off);
            let w = op.off;
            while (w < op.size && refNext()) {
              assert.equal(ts[w], want.ts[i], `fill: timestamp ${w}`);
              assert.equal(vs[w], want.vs[i], `fill: value ${w}`);
              w++;
            }
            assert.equal(end, w, 'fill: samples written');
          }
          if (i >= 0 && i < n) {
            assert.equal(it.atT(), want.ts[i], 'atT() after the call');
            assert.equal(it.atV(), want.vs[i], 'atV() after the call');
          }
        }
        while (refNext()) {
          assert.ok(it.next(), `sample ${i} after the calls`);
          assert.equal(it.atT(), want.ts[i]);
          assert.equal(it.atV(), want.vs[i]);
        }
        assert.equal(it.next(), false, 'exhausted with the model');
      }),
      { numRuns: 2000 },
    );
  });

  it('bulk-reads a whole series in one fill, as next() does', () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const want = model(c);
        const it = new ChunksIterator(chunksOf(c), c.mint, c.maxt);
        const ts = new Float64Array(want.ts.length + 5);
        const vs = new Float64Array(want.ts.length + 5);
        assert.equal(it.fill(ts, vs, 2), want.ts.length + 2);
        assert.deepEqual([...ts.subarray(2, want.ts.length + 2)], want.ts);
        assert.deepEqual([...vs.subarray(2, want.vs.length + 2)], want.vs);
        assert.equal(it.next(), false);
      }),
      { numRuns: 500 },
    );
  });
});
