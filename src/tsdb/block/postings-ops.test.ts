import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { Matcher, labelValue, type MatchType } from '../../storage/index.js';
import { BlockReader } from './block-reader.js';
import { writeBlock } from './block-writer.js';
import { MAX_TIME, MIN_TIME, NAMES, VALUES, expectedOrder, seriesSetArb, withTempDir } from './block-test-fixtures.js';
import { intersectPostings, subtractPostings, unionPostings } from './postings-ops.js';

const REGEXES = ['.*', '.+', 'x|y', 'fo.*', '', 'é|😀', 'x.y', 'a b|foo', '[xy]?', '(?:)|foobar', 'zzz'];

const matcherArb: fc.Arbitrary<Matcher> = fc
  .record({
    type: fc.constantFrom<MatchType>('=', '!=', '=~', '!~'),
    name: fc.constantFrom(...NAMES, 'absent'),
    plain: fc.constantFrom(...VALUES, 'zzz'),
    re: fc.constantFrom(...REGEXES),
  })
  .map(({ type, name, plain, re }) => new Matcher(type, name, type === '=' || type === '!=' ? plain : re));

test('postingsForMatchers equals a brute-force filter over all series', async () => {
  await withTempDir(async (root) => {
    await fc.assert(
      fc.asyncProperty(seriesSetArb, fc.array(fc.array(matcherArb, { maxLength: 4 }), { minLength: 1, maxLength: 12 }), async (input, sets) => {
        const meta = await writeBlock(root, { tenant: 't', minTime: MIN_TIME, maxTime: MAX_TIME }, input);
        const all = expectedOrder(input);
        const b = await BlockReader.open(join(root, meta.ulid));
        try {
          for (const ms of sets) {
            const want: number[] = [];
            for (let id = 0; id < all.length; id++) {
              if (ms.every((m) => m.matches(labelValue(all[id]!.labels, m.name)))) want.push(id);
            }
            assert.deepEqual([...b.postingsForMatchers(ms)], want, ms.map(String).join(', '));
          }
        } finally {
          await b.close();
        }
      }),
      { numRuns: 80 },
    );
  });
});

const sortedIds = fc.uniqueArray(fc.nat({ max: 300 }), { maxLength: 60 }).map((a) => Uint32Array.from(a.sort((x, y) => x - y)));

test('intersect, subtract and union agree with sets', () => {
  fc.assert(
    fc.property(sortedIds, sortedIds, fc.array(sortedIds, { maxLength: 5 }), (a, b, lists) => {
      const sb = new Set(b);
      assert.deepEqual([...intersectPostings(a, b)], [...a].filter((x) => sb.has(x)));
      assert.deepEqual([...subtractPostings(a, b)], [...a].filter((x) => !sb.has(x)));
      const u = new Set<number>();
      for (const l of lists) for (const x of l) u.add(x);
      assert.deepEqual([...unionPostings(lists, 301)], [...u].sort((x, y) => x - y));
      assert.deepEqual([...unionPostings(lists, 1_000_000)], [...u].sort((x, y) => x - y));
    }),
  );
});
