// Series numbering between decode workers and the main thread: labels cross once, then only
// numbers; the main thread hands one Labels object per series whichever worker decoded it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { Labels } from '../../storage/index.js';
import { SeriesNumbering, SeriesTable, seriesKey } from './series-codec.js';

const ls = (name: string, ...pairs: string[]): Labels => {
  const out = [{ name: '__name__', value: name }];
  for (let i = 0; i < pairs.length; i += 2) out.push({ name: pairs[i]!, value: pairs[i + 1]! });
  return out;
};

test('labels cross once per worker; later batches send numbers only; identity is shared across workers', () => {
  const w0 = new SeriesNumbering(100);
  const w1 = new SeriesNumbering(100);
  const table = new SeriesTable(100);
  const a = ls('cpu', 'host', 'é☃ \u0000x');
  const b = ls('mem', 'host', 'b');
  const first = w0.encode([a, b, a]);
  assert.notEqual(first.defs, null);
  const got0 = table.labels(0, first);
  assert.deepEqual(got0, [a, b, a]);
  assert.equal(got0[0], got0[2]);
  // Equal labels in new objects: same number, no definitions.
  const again = w0.encode([ls('mem', 'host', 'b'), ls('cpu', 'host', 'é☃ \u0000x')]);
  assert.equal(again.defs, null);
  const got0b = table.labels(0, again);
  assert.equal(got0b[0], got0[1]);
  assert.equal(got0b[1], got0[0]);
  // Another worker numbers on its own, but the main thread maps to the same objects.
  const got1 = table.labels(1, w1.encode([b, a]));
  assert.equal(got1[0], got0[1]);
  assert.equal(got1[1], got0[0]);
});

test('a worker past its bound starts over and the main thread follows', () => {
  const w = new SeriesNumbering(3);
  const table = new SeriesTable(1000);
  const mk = (i: number) => ls('m', 'i', String(i));
  table.labels(0, w.encode([mk(1), mk(2)]));
  const e = w.encode([mk(3), mk(4)]);
  assert.equal(e.reset, true);
  assert.deepEqual(table.labels(0, e), [mk(3), mk(4)]);
  assert.deepEqual(table.labels(0, w.encode([mk(4), mk(3)])), [mk(4), mk(3)]);
});

test('random label sets survive the encoding exactly, and keys never collide for different sets', () => {
  const label = fc.tuple(fc.string({ minLength: 1, maxLength: 6 }), fc.string({ maxLength: 8 })).map(([name, value]) => ({ name, value }));
  fc.assert(
    fc.property(fc.array(fc.array(label, { maxLength: 4 }), { minLength: 1, maxLength: 20 }), (sets) => {
      const w = new SeriesNumbering(1000);
      const table = new SeriesTable(1000);
      const got = table.labels(0, w.encode(sets));
      assert.deepEqual(got, sets);
      for (let i = 0; i < sets.length; i++) {
        for (let j = 0; j < sets.length; j++) {
          const same = JSON.stringify(sets[i]) === JSON.stringify(sets[j]);
          assert.equal(seriesKey(sets[i]!) === seriesKey(sets[j]!), same);
          assert.equal(got[i] === got[j], same);
        }
      }
    }),
    { numRuns: 200 },
  );
});

test('series refs carry the worker number: the same numbers with and without them, renumbered after a start over', () => {
  const mk = (i: number) => ls('m', 'i', String(i));
  const sets = [mk(1), mk(2), mk(1), mk(3)];
  const refs = sets.map(() => ({ ref: 0, scope: null as object | null }));
  // The same ref object for equal label sets, as a decoder's cache hands out.
  refs[2] = refs[0]!;
  const plain = new SeriesNumbering(5);
  const withRefs = new SeriesNumbering(5);
  const table = new SeriesTable(1000);
  const a = withRefs.encode(sets, refs);
  assert.deepEqual([...a.ids], [...plain.encode(sets).ids]);
  assert.deepEqual(table.labels(0, a), sets);
  assert.deepEqual(refs.map((r) => r.ref), [...a.ids]);
  const again = withRefs.encode([sets[1]!, sets[0]!], [refs[1]!, refs[0]!]);
  assert.equal(again.defs, null);
  assert.deepEqual([...again.ids], [a.ids[1], a.ids[0]]);
  // Past the bound: numbers start over and refs holding old numbers are not trusted.
  const over = withRefs.encode([mk(4), mk(5), sets[0]!], [{ ref: 0, scope: null }, { ref: 0, scope: null }, refs[0]!]);
  assert.equal(over.reset, true);
  assert.deepEqual(table.labels(0, over), [mk(4), mk(5), sets[0]]);
  assert.equal(refs[0]!.ref, over.ids[2]);
});
