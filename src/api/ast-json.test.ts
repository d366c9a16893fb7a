import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { formatFloatPlain } from './ast-json.js';

test('formatFloatPlain writes numbers as Go FormatFloat(v, f, -1, 64)', () => {
  assert.equal(formatFloatPlain(1), '1');
  assert.equal(formatFloatPlain(0.5), '0.5');
  assert.equal(formatFloatPlain(1e21), '1000000000000000000000');
  assert.equal(formatFloatPlain(1.5e-7), '0.00000015');
  assert.equal(formatFloatPlain(-2.5e22), '-25000000000000000000000');
  assert.equal(formatFloatPlain(-0), '-0');
  assert.equal(formatFloatPlain(Infinity), '+Inf');
  assert.equal(formatFloatPlain(-Infinity), '-Inf');
  assert.equal(formatFloatPlain(NaN), 'NaN');
});

test('formatFloatPlain never writes an exponent and reads back as the same number', () => {
  fc.assert(
    fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (v) => {
      const s = formatFloatPlain(v);
      assert.doesNotMatch(s, /e/i);
      assert.ok(Object.is(Number(s), v), `${v} printed as ${s}`);
    }),
  );
});
