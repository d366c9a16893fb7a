// instantAsync (storage read and subqueries done ahead, with pauses) answers what instant does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { labelsFromRecord } from '../../storage/index.js';
import { Tsdb } from '../../tsdb/index.js';
import { Engine } from './engine.js';

const silent = { info() {}, warn() {}, error() {} };

test('instantAsync gives the same values as instant, subqueries and @ included', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ms-engine-'));
  const db = Tsdb.open({ dir, fsync: 'never', fsyncIntervalMs: 1000, segmentBytes: 1 << 24, logger: silent });
  await db.start();
  try {
    const app = db.appender('default');
    for (let i = 0; i < 200; i++) {
      for (const job of ['a', 'b', 'c']) app.append(labelsFromRecord({ __name__: 'c_total', job }), i * 15_000, i * (job === 'a' ? 3 : 5) + (i % 7));
    }
    await app.commit();
    const q = (mint: number, maxt: number) => db.querier('default', mint, maxt);
    const engine = new Engine();
    const t = 2_900_000;
    for (const expr of [
      'sum by (job) (rate(c_total[5m]))',
      'max_over_time(rate(c_total[2m])[30m:1m])',
      'avg_over_time(sum(c_total)[10m:15s]) + count_over_time(c_total[20m:10s] @ 1000)',
      'max_over_time(max_over_time(c_total[1m:5s])[10m:30s])',
      'c_total offset 1m',
    ]) {
      // A 0 ms slice pauses after every series and subquery step: the most interleaving.
      assert.deepEqual(await engine.instantAsync(q, expr, t, 0, 0), engine.instant(q, expr, t, 0), expr);
    }
  } finally {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
