// Retry timing: Retry-After in both forms, and backoff bounds for any attempt and random draw.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseRetryAfter, retryDelay } from './backoff.js';

test('Retry-After is read as delay-seconds or an HTTP date; anything else is ignored', () => {
  const now = Date.parse('2026-11-25T18:00:00Z');
  assert.equal(parseRetryAfter('3', now), 3000);
  assert.equal(parseRetryAfter(' 0 ', now), 0);
  assert.equal(parseRetryAfter('Wed, 25 Nov 2026 18:00:05 GMT', now), 5000);
  assert.equal(parseRetryAfter('Wed, 25 Nov 2026 17:00:00 GMT', now), 0);
  assert.equal(parseRetryAfter('-1', now), undefined);
  assert.equal(parseRetryAfter('1.5', now), undefined);
  assert.equal(parseRetryAfter('soon', now), undefined);
  assert.equal(parseRetryAfter(null, now), undefined);
});

test('backoff stays within [0, min(max, base * 2^attempt)); Retry-After is never undercut', () => {
  const o = { baseDelayMs: 100, maxDelayMs: 5000 };
  fc.assert(
    fc.property(fc.nat(64), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), fc.option(fc.nat(120_000), { nil: undefined }), (attempt, r, after) => {
      const d = retryDelay(attempt, after, o, () => r);
      if (after === undefined) {
        assert.ok(d >= 0 && d < Math.min(5000, 100 * 2 ** attempt), `${d}`);
      } else {
        assert.ok(d >= after && d < after + 100, `${d}`);
      }
    }),
  );
});
