// Every query in Prometheus's own promqltest files (../shared/promqltest or PROMQLTEST_DIR, read
// in place, never copied) must parse unless the eval expects a failure, and print back stably.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatExpr, parseExpr } from './index.js';

// From the repository root (`../shared/promqltest`), or relative to this file in dist/src/promql.
const candidates = [join(process.cwd(), '..', 'shared', 'promqltest'), fileURLToPath(new URL('../../../../shared/promqltest', import.meta.url))];
const dir = process.env['PROMQLTEST_DIR'] ?? candidates.find((d) => existsSync(d)) ?? candidates[0]!;
const EVAL = /^(eval(?:_fail|_warn|_info|_ordered)?)\s+(?:instant\s+at\s+\S+|range\s+from\s+\S+\s+to\s+\S+\s+step\s+\S+)\s+(.*)$/;

interface Case {
  where: string;
  query: string;
  expectFail: boolean;
}

function cases(): Case[] {
  const out: Case[] = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.test')).sort()) {
    const lines = readFileSync(join(dir, file), 'utf8').split('\n');
    lines.forEach((line, i) => {
      const m = EVAL.exec(line.trim());
      if (m === null) return;
      let expectFail = m[1] === 'eval_fail';
      for (let j = i + 1; j < lines.length; j++) {
        const l = lines[j]!.trim();
        if (l === '' || l.startsWith('#')) break;
        if (l.startsWith('expect fail') || l.startsWith('expected_fail_')) expectFail = true;
      }
      out.push({ where: `${file}:${i + 1}`, query: m[2]!, expectFail });
    });
  }
  return out;
}

test('parses every query of the promqltest corpus', { skip: existsSync(dir) ? false : `no promqltest files at ${dir}` }, () => {
  const all = cases();
  assert.ok(all.length > 1000, `only ${all.length} evals found`);
  let parsed = 0;
  for (const c of all) {
    let text: string;
    try {
      text = formatExpr(parseExpr(c.query));
    } catch (e) {
      // Failures those files expect are evaluation errors, but a parse error is acceptable there.
      if (c.expectFail) continue;
      assert.fail(`${c.where}: ${c.query}: ${(e as Error).message}`);
    }
    assert.equal(formatExpr(parseExpr(text)), text, `${c.where}: ${c.query}`);
    parsed++;
  }
  assert.ok(parsed > 1000);
});
