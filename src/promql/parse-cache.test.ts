// Tests of ParseCache: the same tree for the same text, errors never kept, bounded by count and
// text length, least recently used dropped first.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ParseCache } from './parse-cache.js';
import { ParseError } from './parse-error.js';
import { parseExpr } from './parser.js';
import { formatExpr } from './printer.js';

describe('ParseCache', () => {
  it('answers a text parsed before with the same tree, equal to a fresh parse', () => {
    const c = new ParseCache();
    const q = 'histogram_quantile(0.99, sum by (le) (rate(h_bucket{job=~"a|b"}[5m])))';
    const a = c.parse(q);
    assert.equal(c.parse(q), a);
    assert.deepEqual(a, parseExpr(q));
    assert.equal(formatExpr(a), formatExpr(parseExpr(q)));
  });

  it('throws the parse error every time and keeps nothing for it', () => {
    const c = new ParseCache();
    for (let i = 0; i < 2; i++) assert.throws(() => c.parse('sum(rate(x[5m])'), ParseError);
    assert.throws(() => c.parse('rate(x)'), /expected type range vector/);
    assert.equal(c.size, 0);
  });

  it('holds at most max trees, dropping the least recently used', () => {
    const c = new ParseCache(2);
    const a = c.parse('a');
    c.parse('b');
    assert.equal(c.parse('a'), a); // a is now the most recently used
    c.parse('c'); // drops b
    assert.equal(c.size, 2);
    assert.equal(c.parse('a'), a);
    const b = c.parse('b');
    assert.notEqual(b, undefined);
    assert.equal(c.size, 2);
  });

  it('parses long texts every time', () => {
    const c = new ParseCache(10, 8);
    const q = 'sum(rate(x[5m]))';
    assert.notEqual(c.parse(q), c.parse(q));
    assert.equal(c.size, 0);
  });
});
