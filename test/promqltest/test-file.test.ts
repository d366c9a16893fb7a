// The .test reader against every file of ../shared/promqltest (or PROMQLTEST_DIR): each parses,
// with the number of evals the corpus README lists; and the value notation expands as specified.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expandValues, parseTestFile, STALE_NAN } from './test-file.js';

export const PROMQLTEST_DIR = process.env.PROMQLTEST_DIR ?? fileURLToPath(new URL('../../../../shared/promqltest', import.meta.url));

test('value notation expands as Prometheus expands it', () => {
  const v = (items: string) => expandValues(items.split(' ')).map((p) => (p === null ? '_' : p.kind === 'float' ? p.v : p.kind));
  assert.deepEqual(v('0+10x3'), [0, 10, 20, 30]);
  assert.deepEqual(v('1x2 _ stale -Inf'), [1, 1, 1, '_', 'stale', -Infinity]);
  assert.deepEqual(v('5-2x2 _x2 .5'), [5, 3, 1, '_', '_', 0.5]);
  const tenths = v('0+0.1x3');
  assert.equal(tenths[3], 0.1 + 0.1 + 0.1);
  assert.ok(Object.is(new Float64Array([STALE_NAN])[0], STALE_NAN));
});

test('every corpus file parses, with the eval count its README lists', (t) => {
  if (!existsSync(PROMQLTEST_DIR)) {
    t.skip(`no PromQL test corpus at ${PROMQLTEST_DIR} (set PROMQLTEST_DIR)`);
    return;
  }
  const readme = readFileSync(join(PROMQLTEST_DIR, 'README.md'), 'utf8');
  const files = readdirSync(PROMQLTEST_DIR).filter((f) => f.endsWith('.test'));
  assert.ok(files.length >= 14);
  for (const f of files) {
    const cmds = parseTestFile(f, readFileSync(join(PROMQLTEST_DIR, f), 'utf8'));
    const evals = cmds.filter((c) => c.kind === 'eval').length;
    const listed = new RegExp(`\\| ${f.replace('.', '\\.')} \\| \\d+ \\| (\\d+) \\|`).exec(readme);
    assert.ok(listed, `${f} not in README`);
    assert.equal(evals, Number(listed[1]), `${f}: ${evals} evals parsed, README lists ${listed[1]}`);
  }
});
