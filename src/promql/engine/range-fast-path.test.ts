// The range fast path (rate/increase/delta over all steps at once) must equal evaluating each
// step on its own through the general path.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { labelsFromRecord } from '../../storage/index.js';
import { Tsdb } from '../../tsdb/index.js';
import { Engine } from './engine.js';

const silent = { info() {}, warn() {}, error() {} };

test('rate, increase and delta over a range query equal step-by-step instant evaluation', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ms-fastpath-'));
  const db = Tsdb.open({ dir, fsync: 'never', fsyncIntervalMs: 1000, segmentBytes: 1 << 24, logger: silent });
  await db.start();
  try {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ gap: fc.integer({ min: 1, max: 40_000 }), inc: fc.integer({ min: -50, max: 100 }) }), { minLength: 0, maxLength: 60 }),
        fc.constantFrom('rate', 'increase', 'delta'),
        fc.integer({ min: 1, max: 5 }).map((m) => m * 30_000),
        fc.constantFrom(0, 20_000, -15_000),
        fc.integer({ min: 5_000, max: 60_000 }),
        async (points, func, range, offset, step) => {
          const name = `fp_${run++}`;
          const app = db.appender('default');
          let t = 0;
          let v = 0;
          for (const p of points) {
            t += p.gap;
            // Mostly growing like a counter, with resets when the increment is negative.
            v = p.inc < 0 ? -p.inc : v + p.inc;
            app.append(labelsFromRecord({ __name__: name, job: 'a' }), t, v);
          }
          await app.commit();
          const q = (mint: number, maxt: number) => db.querier('default', mint, maxt);
          const engine = new Engine();
          const expr = `${func}(${name}[${range / 1000}s]${offset === 0 ? '' : ` offset ${offset / 1000}s`})`;
          const end = t + 60_000;
          const got = engine.range(q, expr, 0, end, step);
          const want = new Map<number, number>();
          for (let s = 0; s <= end; s += step) {
            const r = engine.instant(q, expr, s);
            if (r.kind === 'vector' && r.samples.length === 1) want.set(s, r.samples[0]!.v);
          }
          const gotPoints = new Map<number, number>();
          for (const series of got) for (let i = 0; i < series.ts.length; i++) gotPoints.set(series.ts[i]!, series.vs[i]!);
          assert.deepEqual([...gotPoints.keys()], [...want.keys()], expr);
          for (const [s, w] of want) {
            const g = gotPoints.get(s)!;
            assert.ok(Math.abs(g - w) <= 1e-9 * Math.max(1, Math.abs(w)), `${expr} at ${s}: ${g} vs ${w}`);
          }
        },
      ),
      { numRuns: 150 },
    );
  } finally {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
