import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Matcher, labelsFromRecord } from '../storage/index.js';
import { intersect, PostingsIndex, union } from './postings.js';

const sortedSet = fc.uniqueArray(fc.integer({ min: 0, max: 200 })).map((a) => a.sort((x, y) => x - y));

test('intersect and union equal set operations', () => {
  fc.assert(
    fc.property(sortedSet, sortedSet, (a, b) => {
      assert.deepEqual(intersect(a, b), a.filter((x) => b.includes(x)));
      assert.deepEqual(union([a, b]), [...new Set([...a, ...b])].sort((x, y) => x - y));
    }),
  );
});

test('candidates never miss a matching series', () => {
  const label = fc.record({ job: fc.constantFrom('a', 'b', 'c'), env: fc.constantFrom('', 'prod', 'dev') });
  const matcher = fc.record({
    type: fc.constantFrom('=', '!=', '=~', '!~'),
    name: fc.constantFrom('job', 'env', 'missing'),
    value: fc.constantFrom('', 'a', 'b', 'prod', 'a|b', 'p.*', '.*', '.+'),
  });
  fc.assert(
    fc.property(fc.array(label, { maxLength: 30 }), fc.array(matcher, { maxLength: 3 }), (rows, ms) => {
      const idx = new PostingsIndex();
      const sets = rows.map((r) => labelsFromRecord(Object.fromEntries(Object.entries(r).filter(([, v]) => v !== ''))));
      sets.forEach((l, i) => idx.add(i + 1, l));
      const matchers = ms.map((m) => new Matcher(m.type as '=', m.name, m.value));
      const cand = new Set(idx.candidates(matchers));
      sets.forEach((l, i) => {
        const ok = matchers.every((m) => m.matches(l.find((x) => x.name === m.name)?.value ?? ''));
        if (ok) assert.ok(cand.has(i + 1), `series ${i + 1} matches but was not a candidate`);
      });
    }),
  );
});
