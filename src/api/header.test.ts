import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { header } from './header.js';

test('header finds a value case-insensitively and the first of repeats', () => {
  const req = { rawHeaders: ['Host', 'x', 'Content-Type', 'application/json', 'X-A', '1', 'x-a', '2'] } as unknown as IncomingMessage;
  assert.equal(header(req, 'content-type'), 'application/json');
  assert.equal(header(req, 'x-a'), '1');
  assert.equal(header(req, 'authorization'), undefined);
});
