import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSelector } from './selector.js';

const show = (s: string) => parseSelector(s).map(String);

test('parses names, matchers and quoted names', () => {
  assert.deepEqual(show('up'), ['__name__="up"']);
  assert.deepEqual(show('cpu_usage{host="server1", region!="eu"}'), ['__name__="cpu_usage"', 'host="server1"', 'region!="eu"']);
  assert.deepEqual(show('{job=~"a|b",env!~\'dev.*\',}'), ['job=~"a|b"', 'env!~"dev.*"']);
  assert.deepEqual(show('{"my.metric", "le"="1"}'), ['__name__="my.metric"', 'le="1"']);
  assert.deepEqual(show('x{a="q\\"\\n\\u00e9"}'), ['__name__="x"', 'a="q\\"\\né"']);
});

test('regex matchers are anchored', () => {
  const [m] = parseSelector('{job=~"ap"}');
  assert.equal(m!.matches('ap'), true);
  assert.equal(m!.matches('api'), false);
});

test('refuses malformed selectors with a position', () => {
  for (const bad of ['', '{}', '{a=""}', 'x{', 'x{a}', 'x{a="b"', 'x{a=b}', 'x y', '{a=~"("}', 'x{a="b\\q"}']) {
    assert.throws(() => parseSelector(bad), (e: Error) => e.name === 'ParseError', bad);
  }
});

test('reports errors as Prometheus ParseMetricSelector does', () => {
  const cases: [string, string][] = [
    ['sum(x)', '1:4: parse error: unexpected "("'],
    ['', 'unknown position: parse error: unexpected end of input'],
    ['1', '1:1: parse error: unexpected number "1"'],
    ['x{', '1:3: parse error: unexpected end of input inside braces'],
    ['{job=~".*"}', '1:1: parse error: vector selector must contain at least one non-empty matcher'],
  ];
  for (const [q, msg] of cases) assert.throws(() => parseSelector(q), { name: 'ParseError', message: msg }, q);
  assert.deepEqual(show('{job=~"(?i)API"}'), ['job=~"(?i)API"']);
  assert.equal(parseSelector('{job=~"(?i)API"}')[0]!.matches('api'), true);
});
