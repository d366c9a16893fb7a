// PromQL conformance: every file of ../shared/promqltest (or PROMQLTEST_DIR) runs through the
// engine on the real storage. Prints passed / failed / skipped per file. The engine is being
// built: the test fails when a file passes fewer evals than baseline.json records (a ratchet),
// so progress is kept; PROMQLTEST_UPDATE=1 rewrites the baseline after an improvement.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readSkipList, runFile } from './runner.js';
import { parseTestFile } from './test-file.js';

const DIR = process.env.PROMQLTEST_DIR ?? fileURLToPath(new URL('../../../../shared/promqltest', import.meta.url));
const BASELINE = fileURLToPath(new URL('../../../test/promqltest/baseline.json', import.meta.url));

test('PromQL test files from Prometheus', async (t) => {
  if (!existsSync(DIR)) {
    t.skip(`no PromQL test corpus at ${DIR} (set PROMQLTEST_DIR)`);
    return;
  }
  const baseline = existsSync(BASELINE) ? (JSON.parse(readFileSync(BASELINE, 'utf8')) as Record<string, number>) : {};
  const skips = readSkipList(readFileSync(join(DIR, 'README.md'), 'utf8'));
  const files = readdirSync(DIR).filter((f) => f.endsWith('.test')).sort();
  const passed: Record<string, number> = {};
  const regressions: string[] = [];
  let total = { pass: 0, fail: 0, skip: 0 };
  for (const f of files) {
    const outcomes = await runFile(f, parseTestFile(f, readFileSync(join(DIR, f), 'utf8')), skips);
    const c = { pass: 0, fail: 0, skip: 0 };
    for (const o of outcomes) c[o.status]++;
    total = { pass: total.pass + c.pass, fail: total.fail + c.fail, skip: total.skip + c.skip };
    passed[f] = c.pass;
    t.diagnostic(`${f}: ${c.pass} passed, ${c.fail} failed, ${c.skip} skipped`);
    if (process.env.PROMQLTEST_VERBOSE) {
      for (const o of outcomes) if (o.status !== 'pass') t.diagnostic(`  ${f}:${o.line} ${o.status}: ${o.reason}`);
    }
    if (process.env.PROMQLTEST_VERBOSE === 'skips') {
      for (const o of outcomes) if (o.status === 'skip') t.diagnostic(`  ${f}:${o.line} skip: ${o.reason}`);
    }
    if (c.pass < (baseline[f] ?? 0)) regressions.push(`${f}: ${c.pass} passed, the baseline is ${baseline[f]}`);
  }
  t.diagnostic(`all files: ${total.pass} passed, ${total.fail} failed, ${total.skip} skipped (native histograms; delayed name removal)`);
  if (process.env.PROMQLTEST_UPDATE) writeFileSync(BASELINE, JSON.stringify(passed, null, 2) + '\n');
  assert.deepEqual(regressions, [], 'fewer evals pass than before');
});
