// formatNumber's short ways (whole numbers, two decimals) print exactly what the general way
// (shortest round-trip digits, exponent written out) prints.
import assert from 'node:assert/strict';
import test from 'node:test';
import fc from 'fast-check';
import { formatDigits, formatNumber } from './duration.js';

test('formatNumber equals the general shortest-digits printing for every double', () => {
  const values = fc.oneof(
    fc.double(),
    fc.integer({ min: -1e9, max: 1e9 }).map((n) => n / 100),
    fc.integer({ min: -1e9, max: 1e9 }).map((n) => n / 10),
    fc.bigInt({ min: -(10n ** 16n), max: 10n ** 16n }).map((n) => Number(n) / 100),
    fc.integer({ min: -1e6, max: 1e6 }).map((n) => n / 1000),
    fc.constantFrom(0, -0, 1e21, -1e21, 1e20, 0.01, -0.01, 0.1, 0.29, 0.57, 9999999999.99, 1e12 - 0.01, 2 ** 53, Infinity, -Infinity, NaN),
  );
  fc.assert(
    fc.property(values, (v) => {
      assert.equal(formatNumber(v), formatDigits(v), String(v));
      // Shortest round trip: the text reads back as the same number.
      if (Number.isFinite(v)) assert.ok(Object.is(Number(formatNumber(v)), v) || (v === 0 && Number(formatNumber(v)) === 0), String(v));
    }),
    { numRuns: 20_000 },
  );
  assert.equal(formatNumber(53.27), '53.27');
  assert.equal(formatNumber(-0.05), '-0.05');
  assert.equal(formatNumber(0.5), '0.5');
  assert.equal(formatNumber(-0), '-0');
  assert.equal(formatNumber(1e21), '1000000000000000000000');
});
