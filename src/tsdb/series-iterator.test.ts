// Tests of ChunksIterator: over arbitrary runs of head chunks (equal timestamps within and across
// chunks, both encodings) and windows [mint, maxt], any sequence of next / seek / fill calls gives
// the window's samples with equal timestamps collapsed to the last one written, as a plain model
// of that rule does: decoding each chunk, or reading closed chunks' decoded copies (DecodedChunks)
// from a cache of any size, while other readers of the same cache take slots over in between.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { DecodedChunks, SLOT_BYTES } from './chunk/decoded-chunks.js';
import { VarintAppender } from './chunk/varint-test-fixtures.js';
import { XorAppender } from './chunk/xor-chunk.js';
import { Head } from './head.js';
import { HeadQuerier } from './head-querier.js';
import { MemSeries } from './mem-series.js';
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
    // Sometimes the window starts exactly at a sample (where each chunk is sought to).
    fc.option(fc.nat()),
  )
  .map(([t0, steps, cutAt, xor, a, b, at]) => {
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
    const maxt = Math.floor(ts[0]! - 1 + hi * span);
    const mint = at === null ? Math.floor(ts[0]! - 1 + lo * span) : Math.min(ts[at % n]!, maxt);
    return { ts, vs, cuts, xor, mint, maxt };
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

type Op = { kind: 'next' } | { kind: 'seek'; at: number; sample?: number } | { kind: 'fill'; size: number; off: number } | { kind: 'other' };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.constant<Op>({ kind: 'next' }),
  fc.constant<Op>({ kind: 'other' }),
  fc.double({ min: -0.1, max: 1.1, noNaN: true }).map((at): Op => ({ kind: 'seek', at })),
  // Exactly at a sample's timestamp (equal ones included).
  fc.nat().map((sample): Op => ({ kind: 'seek', at: 0, sample })),
  fc.tuple(fc.oneof(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 300 })), fc.nat(3)).map(([size, off]): Op => ({ kind: 'fill', size: size + off, off })),
);

/**
 * No cache, or one of `slots` slots for the first `closed` chunks; `clear`: the 'other' op also
 * turns it off (1) or empties it and gives it new pages (2).
 */
const cacheArb = fc.option(fc.record({ slots: fc.oneof(fc.integer({ min: 0, max: 3 }), fc.constant(64)), closed: fc.nat(8), clear: fc.integer({ min: 0, max: 2 }) }), { freq: 3 });

describe('ChunksIterator', () => {
  it('gives the window with equal timestamps collapsed, whatever mix of next, seek and fill reads it', () => {
    fc.assert(
      fc.property(caseArb, fc.array(opArb, { maxLength: 16 }), cacheArb, (c, ops, cc) => {
        const want = model(c);
        const n = want.ts.length;
        const chunks = chunksOf(c);
        const cache = cc === null ? null : new DecodedChunks(cc.slots * SLOT_BYTES);
        const it = new ChunksIterator(chunks, c.mint, c.maxt, cache, cc === null ? 0 : cc.closed % (chunks.length + 1));
        // Reference position: -1 before the first sample, n once exhausted.
        let i = -1;
        const refNext = () => (i < n ? ++i < n : false);
        for (const op of ops) {
          if (op.kind === 'next') assert.equal(it.next(), refNext(), 'next()');
          else if (op.kind === 'seek') {
            const t = op.sample !== undefined ? c.ts[op.sample % c.ts.length]! : Math.floor(c.ts[0]! - 1 + op.at * (c.ts[c.ts.length - 1]! - c.ts[0]! + 2));
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
          } else if (op.kind === 'other') {
            // Another query reads copies of the same chunks through the same cache in between:
            // with few slots it takes over the ones this iterator reads. Or the cache is turned
            // off, or emptied and given new pages where the same slot numbers come back.
            if (cache !== null && cc !== null && cc.clear > 0) {
              cache.clear(0);
              if (cc.clear === 2) cache.clear(cc.slots * SLOT_BYTES);
            }
            if (cache !== null) {
              const other = new ChunksIterator(chunks.map((x) => x.slice()), -Infinity, Infinity, cache, chunks.length);
              const big = new Float64Array(c.ts.length);
              other.fill(big, new Float64Array(c.ts.length), 0);
            }
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
      fc.property(caseArb, cacheArb, (c, cc) => {
        const want = model(c);
        const chunks = chunksOf(c);
        const cache = cc === null ? null : new DecodedChunks(cc.slots * SLOT_BYTES);
        // Twice through the same cache: decoded into it, then read from it.
        if (cache !== null) new ChunksIterator(chunks, c.mint, c.maxt, cache, chunks.length).fill(new Float64Array(600), new Float64Array(600), 0);
        const it = new ChunksIterator(chunks, c.mint, c.maxt, cache, chunks.length);
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

describe('DecodedChunks', () => {
  it('keeps copies of closed chunks only, and forgets those the series drops', () => {
    const cache = new DecodedChunks(64 * SLOT_BYTES);
    const s = new MemSeries(1, 't', []);
    const t0 = 1_700_000_000_000;
    for (let i = 0; i < 500; i++) s.append(t0 + i * 10_000, i % 7);
    const read = () => {
      const chunks = s.chunksIn(-Infinity, Infinity);
      const closed = s.openIn(-Infinity, Infinity) ? chunks.length - 1 : chunks.length;
      const it = new ChunksIterator(chunks, -Infinity, Infinity, cache, closed);
      const ts = new Float64Array(600);
      const vs = new Float64Array(600);
      const n = it.fill(ts, vs, 0);
      return { ts: [...ts.subarray(0, n)], vs: [...vs.subarray(0, n)] };
    };
    const first = read();
    assert.equal(first.ts.length, 500);
    assert.equal(cache.size, 4, 'the four closed chunks of 120, not the open one');
    assert.equal(cache.misses, 4);
    assert.deepEqual(read(), first);
    assert.equal(cache.hits, 4);
    assert.equal(cache.misses, 4);
    s.dropChunksBefore(t0 + 240 * 10_000, cache);
    assert.equal(cache.size, 2);
    s.deleteRange(t0, t0 + 300 * 10_000, cache);
    assert.equal(cache.size, 0);
    assert.equal(read().ts.length, 199);
  });

  it('evicts a chunk not read since the hand last passed, keeping those read again', () => {
    const cache = new DecodedChunks(2 * SLOT_BYTES, 1);
    const chunk = (k: number) => {
      const app = new VarintAppender();
      for (let i = 0; i < 5; i++) app.append(k * 100 + i, k);
      return app.close();
    };
    const [a, b, c] = [chunk(1), chunk(2), chunk(3)];
    cache.slot(a);
    cache.slot(b);
    cache.slot(a);
    assert.equal(cache.slot(c), -1, 'full: c is let in on its second miss');
    cache.slot(c);
    assert.equal(cache.size, 2);
    const hits = cache.hits;
    cache.slot(a);
    assert.equal(cache.hits, hits + 1, 'a, read again, stayed');
    cache.slot(b);
    assert.equal(cache.hits, hits + 1, 'b was evicted');
  });

  it('once full, lets chunks in sparingly: a cycle longer than the cache settles on a part of it that hits', () => {
    const chunk = (k: number) => {
      const app = new VarintAppender();
      for (let i = 0; i < 5; i++) app.append(k * 100 + i, k);
      return app.close();
    };
    const cache = new DecodedChunks(100 * SLOT_BYTES);
    const cycle = Array.from({ length: 101 }, (_, k) => chunk(k));
    for (let round = 0; round < 10; round++) for (const c of cycle) cache.slot(c);
    // Plain CLOCK would evict each chunk just before its next read: 0 hits in 1010 reads.
    assert.ok(cache.hits >= 850, `hits ${cache.hits}`);
    const wide = new DecodedChunks(1000 * SLOT_BYTES);
    const big = Array.from({ length: 3000 }, (_, k) => chunk(k));
    for (let round = 0; round < 10; round++) for (const c of big) wide.slot(c);
    assert.ok(wide.hits >= 5000, `a cycle 3x the cache settles on a part that hits: ${wide.hits} of 30000`);
    assert.ok(wide.misses <= 5000, `and decodes into slots less than once a round per chunk: ${wide.misses}`);
  });

  it('once full, keeps the chunks in use through a one-off scan', () => {
    const chunk = (k: number) => {
      const app = new VarintAppender();
      for (let i = 0; i < 5; i++) app.append(k * 100 + i, k);
      return app.close();
    };
    const cache = new DecodedChunks(100 * SLOT_BYTES, 1);
    const hot = Array.from({ length: 100 }, (_, k) => chunk(k));
    for (const c of [...hot, ...hot]) cache.slot(c);
    const hits = cache.hits;
    for (const c of Array.from({ length: 300 }, (_, k) => chunk(1000 + k))) assert.equal(cache.slot(c), -1, 'a chunk seen once is not let in');
    for (const c of hot) assert.ok(cache.slot(c) >= 0);
    assert.equal(cache.hits, hits + 100, 'the chunks in use stayed');
  });

  it('does not keep copies of a series the head let go of while a query held it', () => {
    const head = new Head(64 * SLOT_BYTES);
    const s = head.create('t', [{ name: '__name__', value: 'm' }]);
    for (let i = 0; i < 130; i++) s.append(i * 1000, i);
    const q = new HeadQuerier(head, 't', -Infinity, Infinity);
    const [series] = q.select([]);
    // A head cut drops the series between the query's select and its read (retire closes the open chunk).
    head.remove('t', [s]);
    const ts = new Float64Array(200);
    assert.equal(series!.iterator().fill!(ts, new Float64Array(200), 0), 130);
    assert.equal(head.decoded.size, 0);
  });

  it('holds nothing with no memory, and no chunk longer than a slot', () => {
    const none = new DecodedChunks(0);
    const app = new VarintAppender();
    for (let i = 0; i < 10; i++) app.append(i, i);
    assert.equal(none.slot(app.close()), -1);
    const cache = new DecodedChunks(8 * SLOT_BYTES);
    const long = new VarintAppender();
    for (let i = 0; i < 121; i++) long.append(i, i);
    assert.equal(cache.slot(long.close()), -1);
    assert.equal(cache.size, 0);
  });
});
