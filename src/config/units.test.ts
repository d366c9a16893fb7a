import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { formatBytes, formatDuration, parseBytes, parseDuration } from './units.js';

test('parseDuration reads Prometheus-style durations', () => {
  assert.equal(parseDuration('1s'), 1000);
  assert.equal(parseDuration('10m'), 600_000);
  assert.equal(parseDuration('1h30m'), 5_400_000);
  assert.equal(parseDuration('15d'), 15 * 86_400_000);
  assert.equal(parseDuration('100y'), 100 * 31_536_000_000);
  assert.equal(parseDuration('250ms'), 250);
  assert.equal(parseDuration('0'), 0);
  for (const bad of ['', '10', 'abc', '10x', '1h 2m', '-1s']) {
    assert.throws(() => parseDuration(bad), /invalid duration/, bad);
  }
});

test('formatDuration round-trips through parseDuration', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 2 ** 45 }), (ms) => {
      assert.equal(parseDuration(formatDuration(ms)), ms);
    }),
  );
});

test('parseBytes reads sizes with decimal and binary units', () => {
  assert.equal(parseBytes('10MiB'), 10 * 1024 * 1024);
  assert.equal(parseBytes('512KB'), 512_000);
  assert.equal(parseBytes('1048576'), 1048576);
  assert.equal(parseBytes('1 gib'), 1024 ** 3);
  for (const bad of ['', 'MiB', '10 parsecs', '-1']) assert.throws(() => parseBytes(bad), /invalid size/, bad);
  assert.equal(parseBytes(formatBytes(10 * 1024 * 1024)), 10 * 1024 * 1024);
  assert.equal(formatBytes(1000), '1000B');
});
