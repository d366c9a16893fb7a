import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { BlockReader } from './block-reader.js';
import { writeBlock } from './block-writer.js';
import { MAX_TIME, MIN_TIME, expectedOrder, seriesSetArb, withTempDir } from './block-test-fixtures.js';

test('every series, label, chunk meta and chunk byte comes back', async () => {
  await withTempDir(async (root) => {
    await fc.assert(
      fc.asyncProperty(seriesSetArb, fc.string({ maxLength: 8 }), async (input, tenant) => {
        const blocks = join(root, 'blocks');
        const meta = await writeBlock(blocks, { tenant, minTime: MIN_TIME, maxTime: MAX_TIME }, input);
        const want = expectedOrder(input);
        const b = await BlockReader.open(join(blocks, meta.ulid));
        try {
          assert.equal(b.meta.tenant, tenant);
          assert.deepEqual(b.meta, meta);
          assert.equal(b.numSeries, want.length);
          assert.equal(meta.stats.numSeries, want.length);
          assert.equal(meta.stats.numChunks, want.reduce((n, s) => n + s.chunks.length, 0));
          assert.equal(meta.stats.numSamples, want.reduce((n, s) => n + s.chunks.reduce((m, c) => m + c.numSamples, 0), 0));
          const names = new Map<string, Set<string>>();
          for (let id = 0; id < want.length; id++) {
            const w = want[id]!;
            const got = b.series(id);
            assert.deepEqual(got.labels, w.labels);
            assert.equal(got.chunks.length, w.chunks.length);
            for (let i = 0; i < w.chunks.length; i++) {
              const wc = w.chunks[i]!;
              const gc = got.chunks[i]!;
              assert.deepEqual({ minT: gc.minT, maxT: gc.maxT, numSamples: gc.numSamples }, { minT: wc.minT, maxT: wc.maxT, numSamples: wc.numSamples });
              assert.deepEqual(Buffer.from(b.chunk(gc)), Buffer.from(wc.data));
            }
            for (const l of w.labels) {
              if (!names.has(l.name)) names.set(l.name, new Set());
              names.get(l.name)!.add(l.value);
              assert.ok(b.postings(l.name, l.value).includes(id));
            }
          }
          assert.deepEqual(b.labelNames(), [...names.keys()].sort());
          for (const [name, values] of names) assert.deepEqual(b.labelValues(name), [...values].sort());
          assert.deepEqual(b.labelValues('not_there'), []);
          assert.deepEqual([...b.postings('not_there', 'x')], []);
          assert.throws(() => b.series(want.length), RangeError);
        } finally {
          await b.close();
        }
      }),
      { numRuns: 60 },
    );
    // Nothing but finished blocks is left behind.
    for (const name of await readdir(join(root, 'blocks'))) assert.doesNotMatch(name, /\.tmp$/);
  });
});

test('an empty block round-trips', async () => {
  await withTempDir(async (root) => {
    const meta = await writeBlock(root, { tenant: 't', minTime: 0, maxTime: 0 }, []);
    assert.deepEqual(meta.stats, { numSeries: 0, numChunks: 0, numSamples: 0 });
    const b = await BlockReader.open(join(root, meta.ulid));
    assert.deepEqual(b.labelNames(), []);
    assert.deepEqual([...b.postingsForMatchers([])], []);
    await b.close();
  });
});

test('chunks read in any order come back whole (read-ahead windows, chunks larger than a window)', async () => {
  await withTempDir(async (root) => {
    let r = 12345;
    const rnd = (): number => ((r = (Math.imul(r, 1103515245) + 12345) >>> 0) / 2 ** 32);
    const sizes = [1, 30, 700, 4091, 4096, 5000, 70_000, 300_000];
    const input = Array.from({ length: 60 }, (_, s) => ({
      labels: [{ name: '__name__', value: `s${String(s).padStart(3, '0')}` }],
      chunks: Array.from({ length: 1 + (s % 3) }, (_, c) => {
        const data = new Uint8Array(sizes[(s * 3 + c) % sizes.length]!);
        for (let i = 0; i < data.length; i++) data[i] = Math.floor(rnd() * 256);
        return { minT: c * 10, maxT: c * 10 + 5, numSamples: 1, data };
      }),
    }));
    const meta = await writeBlock(root, { tenant: 't', minTime: 0, maxTime: 100 }, input);
    const b = await BlockReader.open(join(root, meta.ulid));
    try {
      const all: Array<{ ref: { minT: number; maxT: number; numSamples: number; ref: number }; data: Uint8Array }> = [];
      for (let id = 0; id < input.length; id++) {
        const got = b.series(id);
        got.chunks.forEach((c, k) => all.push({ ref: c, data: input[id]!.chunks[k]!.data }));
      }
      const orders = [all, [...all].reverse(), [...all].sort(() => rnd() - 0.5), [...all, ...all]];
      const kept: Array<[Uint8Array, Uint8Array]> = [];
      for (const order of orders) {
        for (const { ref, data } of order) {
          const got = b.chunk(ref);
          assert.deepEqual(Buffer.from(got), Buffer.from(data));
          kept.push([got, data]);
        }
      }
      // Chunks returned earlier are not overwritten by later reads.
      for (const [got, data] of kept) assert.ok(Buffer.from(got).equals(Buffer.from(data)));
    } finally {
      await b.close();
    }
  });
});
