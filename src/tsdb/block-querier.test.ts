// Tests of BlockQuerier's sample iterator over real blocks: next / seek over several chunks in any
// [mint, maxt] match a linear scan of the samples (values bit-exact), and a damaged chunk reports
// corruption once and surfaces as BlockCorruptionError.

import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { Matcher } from '../storage/index.js';
import { BlockQuerier } from './block-querier.js';
import { BlockCorruptionError, BlockReader, writeBlock, type BlockChunkInput } from './block/index.js';
import { encodeBlockChunk } from './chunk/block-chunk.js';

/** Series s: 1–4 chunks of 1 … 300 samples, timestamps with gaps and jitter, decimal or raw values. */
function seriesSamples(s: number): { ts: number[]; vs: number[]; chunks: BlockChunkInput[] } {
  let r = s * 7919 + 1;
  const rnd = (): number => ((r = (Math.imul(r, 1103515245) + 12345) >>> 0) / 2 ** 32);
  const ts: number[] = [];
  const vs: number[] = [];
  const chunks: BlockChunkInput[] = [];
  let t = 1000 + Math.floor(rnd() * 5000);
  const nChunks = 1 + (s % 4);
  for (let c = 0; c < nChunks; c++) {
    const n = 1 + Math.floor(rnd() * (c === 1 ? 3 : 300));
    const cts = new Float64Array(n);
    const cvs = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      t += rnd() < 0.05 ? 60_000 : 10_000 + Math.floor(rnd() * 30);
      cts[i] = t;
      cvs[i] = s % 3 === 0 ? Math.sin(t) : Math.round(rnd() * 1e4) / 100;
      ts.push(t);
      vs.push(cvs[i]!);
    }
    chunks.push({ minT: cts[0]!, maxT: cts[n - 1]!, numSamples: n, data: encodeBlockChunk(cts, cvs, n) });
  }
  return { ts, vs, chunks };
}

describe('BlockQuerier sample iterators', () => {
  const SERIES = 12;
  const all = Array.from({ length: SERIES }, (_, s) => seriesSamples(s));
  let dir = '';
  let reader: BlockReader;
  const maxTime = Math.max(...all.map((x) => x.ts[x.ts.length - 1]!)) + 1;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ms-block-querier-'));
    const meta = await writeBlock(
      dir,
      { tenant: 'default', minTime: 0, maxTime },
      all.map((x, s) => ({ labels: [{ name: '__name__', value: `m${String(s).padStart(2, '0')}` }], chunks: x.chunks })),
    );
    reader = await BlockReader.open(join(dir, meta.ulid));
  });
  after(async () => {
    await reader.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('next and seek match a linear scan in any range', () => {
    const ops = fc.array(fc.oneof(fc.constant<'next'>('next'), fc.double({ min: -0.1, max: 1.1, noNaN: true })), { maxLength: 40 });
    fc.assert(
      fc.property(fc.nat(SERIES - 1), fc.double({ min: -0.1, max: 1.1, noNaN: true }), fc.double({ min: -0.1, max: 1.1, noNaN: true }), ops, (s, x, y, script) => {
        const { ts, vs } = all[s]!;
        const at = (f: number): number => Math.round(ts[0]! + f * (ts[ts.length - 1]! - ts[0]!));
        const mint = at(Math.min(x, y));
        const maxt = at(Math.max(x, y));
        const inRange: number[] = [];
        for (let i = 0; i < ts.length; i++) if (ts[i]! >= mint && ts[i]! <= maxt) inRange.push(i);
        const series = new BlockQuerier(reader, mint, maxt).select([new Matcher('=', '__name__', `m${String(s).padStart(2, '0')}`)]);
        if (inRange.length === 0 && series.length === 0) return;
        assert.equal(series.length, 1);
        const it = series[0]!.iterator();
        let k = -1; // position in inRange
        for (const op of script) {
          if (op === 'next') {
            k = k + 1 < inRange.length ? k + 1 : inRange.length;
            assert.equal(it.next(), k < inRange.length);
          } else {
            const t = at(op);
            if (k < inRange.length && !(k >= 0 && ts[inRange[k]!]! >= t)) {
              let j = k < 0 ? 0 : k;
              while (j < inRange.length && ts[inRange[j]!]! < t) j++;
              k = j;
            }
            assert.equal(it.seek(t), k < inRange.length, `seek ${t}`);
          }
          if (k >= 0 && k < inRange.length) {
            assert.equal(it.atT(), ts[inRange[k]!]);
            assert.ok(Object.is(it.atV(), vs[inRange[k]!]));
          }
        }
        // Draining yields the rest in order.
        if (k < inRange.length) {
          let n = 0;
          while (it.next()) n++;
          assert.equal(n, inRange.length - 1 - k);
        }
      }),
      { numRuns: 400 },
    );
  });

  it('reads every sample of every series in order', () => {
    const q = new BlockQuerier(reader, 0, maxTime);
    const got = q.select([new Matcher('=~', '__name__', 'm.*')]);
    assert.equal(got.length, SERIES);
    got.forEach((series, s) => {
      const it = series.iterator();
      const { ts, vs } = all[s]!;
      for (let i = 0; i < ts.length; i++) {
        assert.ok(it.next());
        assert.equal(it.atT(), ts[i]);
        assert.ok(Object.is(it.atV(), vs[i]));
      }
      assert.equal(it.next(), false);
      assert.equal(it.next(), false);
    });
  });

  it('turns a chunk that does not decode into BlockCorruptionError and reports it once', async () => {
    // A block whose only chunk has a bad encoding byte (its CRC is right: damage before writing).
    const bad = await mkdtemp(join(tmpdir(), 'ms-block-querier-bad-'));
    try {
      const data = Uint8Array.of(9, 1, 2, 3);
      const meta = await writeBlock(bad, { tenant: 'default', minTime: 0, maxTime: 100 }, [{ labels: [{ name: '__name__', value: 'x' }], chunks: [{ minT: 1, maxT: 2, numSamples: 2, data }] }]);
      const r = await BlockReader.open(join(bad, meta.ulid));
      const seen: Error[] = [];
      const it = new BlockQuerier(r, 0, 100, (e) => seen.push(e)).select([new Matcher('=', '__name__', 'x')])[0]!.iterator();
      assert.throws(() => it.next(), BlockCorruptionError);
      assert.equal(seen.length, 1);
      await r.close();
    } finally {
      await rm(bad, { recursive: true, force: true });
    }
  });
});
