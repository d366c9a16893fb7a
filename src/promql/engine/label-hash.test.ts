import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { labelsHash, ratioKeeps, xxhash64 } from './label-hash.js';

const bytes = (s: string) => new TextEncoder().encode(s);

test('xxhash64 gives the reference XXH64 values (seed 0)', () => {
  // Expected values printed by the reference C library (libxxhash XXH64) for the same inputs.
  assert.equal(xxhash64(bytes('')), 0xef46db3751d8e999n);
  assert.equal(xxhash64(bytes('a')), 0xd24ec4f1a98c6e5bn);
  assert.equal(xxhash64(bytes('abc')), 0x44bc2cf5ad770999n);
  assert.equal(xxhash64(bytes('0123456789abcdef0123456789abcdef')), 0x642a94958e71e6c5n);
  assert.equal(xxhash64(bytes('Nobody inspects the spammish repetition')), 0xfbcea83c8a378bf1n);
  assert.equal(xxhash64(Uint8Array.from({ length: 100 }, (_, i) => i)), 0x6ac1e58032166597n);
});

test('labelsHash hashes the length-prefixed layout of Prometheus stringlabels', () => {
  const l = (o: Record<string, string>) => Object.entries(o).map(([name, value]) => ({ name, value }));
  assert.equal(labelsHash(l({ __name__: 'http_requests', group: 'canary', instance: '0', job: 'api-server' })), 0xfa6e5aa974a03e59n);
  // A value of 255 bytes or more takes a 4-byte length; multi-byte characters count in bytes.
  assert.equal(labelsHash(l({ __name__: 'm', long: 'x'.repeat(300), u: 'é€' })), 0x13c6d90fcca99a59n);
});

test('limit_ratio with r and r - 1 keeps complementary sets', () => {
  fc.assert(
    // Ratios on a 1/1024 grid, where 1 + (r - 1) is exactly r (elsewhere float rounding blurs the edge, as in Prometheus).
    fc.property(fc.integer({ min: 0, max: 1023 }), fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }), (k, x) => {
      const r = k / 1024;
      return ratioKeeps(r, x) !== ratioKeeps(r - 1, x);
    }),
  );
});
