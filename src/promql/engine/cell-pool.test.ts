// Tests of CellPool: buffers come back with presence cleared over what is asked, the smallest
// fitting one is reused, and what is kept stays bounded.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CellPool } from './cell-pool.js';

describe('CellPool', () => {
  it('hands out buffers of at least n cells with presence 0, reusing those given back', () => {
    const pool = new CellPool();
    const a = pool.take(5000);
    assert.ok(a.vs.length >= 5000 && a.present.length === a.vs.length);
    a.present.fill(1);
    a.vs.fill(7);
    pool.give([a]);
    const b = pool.take(3000);
    assert.equal(b, a);
    assert.ok(b.present.subarray(0, 3000).every((x) => x === 0));
  });

  it('takes the smallest buffer that fits', () => {
    const pool = new CellPool();
    const big = pool.take(100_000);
    const small = pool.take(5000);
    pool.give([big, small]);
    assert.equal(pool.take(4000), small);
    assert.equal(pool.take(4000 * 2), big);
    assert.equal(pool.size, 0);
  });

  it('keeps at most max buffers, none above maxCells', () => {
    const pool = new CellPool(2, 1 << 14);
    pool.give([pool.take(10), pool.take(10), pool.take(10)]);
    assert.equal(pool.size, 2);
    pool.take(10);
    pool.take(10);
    pool.give([pool.take(1 << 15)]);
    assert.equal(pool.size, 0);
  });
});
