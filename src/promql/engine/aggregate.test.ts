// topk/bottomk's selection of the k best without sorting a whole group must give what a stable
// sort of the group followed by its first k gives, NaN and infinities included.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { bottomkOrder, firstK, topkOrder } from './aggregate.js';
import type { Sample } from './value.js';

const value = fc.oneof(fc.constantFrom(NaN, Infinity, -Infinity, 0, -0, 1, 2), fc.double(), fc.integer({ min: -3, max: 3 }));

test('firstK equals the first k of a stable sort, for topk and bottomk orders', () => {
  const orders = { topk: topkOrder, bottomk: bottomkOrder };
  fc.assert(
    fc.property(fc.array(value, { maxLength: 300 }), fc.integer({ min: 1, max: 40 }), fc.constantFrom<'topk' | 'bottomk'>('topk', 'bottomk'), (vs, k, op) => {
      const samples: Sample[] = vs.map((v, i) => ({ labels: [{ name: 'i', value: String(i) }], t: 0, v }));
      const order = orders[op];
      const want = samples.slice().sort(order).slice(0, k);
      const got = firstK(samples, k, order);
      assert.deepEqual(
        got.map((s) => s.labels[0]!.value),
        want.map((s) => s.labels[0]!.value),
      );
    }),
    { numRuns: 2000 },
  );
});
