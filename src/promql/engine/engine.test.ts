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

/** Runs `f` with a fresh embedded TSDB in a temporary directory, removed afterwards. */
async function withDb(prefix: string, f: (db: Tsdb) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const db = Tsdb.open({ dir, fsync: 'never', fsyncIntervalMs: 1000, segmentBytes: 1 << 24, logger: silent });
  await db.start();
  try {
    await f(db);
  } finally {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The turns of the event loop while `f` runs: a chain of setImmediate callbacks advances once per turn. */
async function turnsDuring(f: () => Promise<unknown>): Promise<number> {
  let turns = 0;
  let running = true;
  const tick = (): void => {
    turns++;
    if (running) setImmediate(tick);
  };
  setImmediate(tick);
  try {
    await f();
  } finally {
    running = false;
  }
  return turns;
}

test('instantAsync gives the same values as instant, subqueries and @ included', async () => {
  await withDb('ms-engine-', async (db) => {
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
  });
});

test('queries reusing pooled load buffers answer what a fresh engine does; a matrix result keeps its own', async () => {
  await withDb('ms-engine-pool-', async (db) => {
    // 150 series x 600 samples: a selector loads 90,000 samples, more than one pooled buffer holds.
    const app = db.appender('default');
    for (let i = 0; i < 600; i++) {
      for (let s = 0; s < 150; s++) app.append(labelsFromRecord({ __name__: s % 2 === 0 ? 'p_total' : 'p_gauge', s: String(s) }), i * 10_000, i * (s + 1) + (s % 7) / 4);
    }
    await app.commit();
    const q = (mint: number, maxt: number) => db.querier('default', mint, maxt);
    const pooled = new Engine();
    const t = 5_990_000;
    const fresh = () => new Engine();
    // The pool holds buffers once one large query ran; the matrix is then read into pooled ones.
    pooled.instant(q, 'count(count_over_time({__name__=~"p_.*"}[2h]))', t);
    const matrix = pooled.instant(q, '{__name__=~"p_.*"}[2h]', t);
    const matrixCopy = fresh().instant(q, '{__name__=~"p_.*"}[2h]', t);
    for (let round = 0; round < 3; round++) {
      for (const expr of ['sum by (s) (rate(p_total[5m]))', 'topk(3, avg_over_time(p_gauge[20m]))', 'max(p_gauge)', 'p_total']) {
        assert.deepEqual(pooled.instant(q, expr, t - round * 60_000), fresh().instant(q, expr, t - round * 60_000), expr);
        assert.deepEqual(pooled.range(q, expr, 1_000_000, t, 60_000), fresh().range(q, expr, 1_000_000, t, 60_000), expr);
      }
      // Concurrent async queries take buffers from the pool at the same time.
      const exprs = ['rate(p_total[5m])', 'avg_over_time(p_gauge[10m])', 'p_gauge - p_gauge offset 1m'];
      const got = await Promise.all(exprs.map((e) => pooled.rangeAsync(q, e, 1_000_000, t, 30_000, 0, 0)));
      exprs.forEach((e, i) => assert.deepEqual(got[i], fresh().range(q, e, 1_000_000, t, 30_000), e));
    }
    assert.deepEqual(matrix, matrixCopy);
  });
});

test('instantAsync evaluates range functions over many series in pieces, pausing between them, with the same answers', async () => {
  await withDb('ms-engine-pieces-', async (db) => {
    // 60 counters and 60 "d_total" twins with the same labels but the name (for the duplicate check).
    const app = db.appender('default');
    for (let i = 0; i < 120; i++) {
      for (let s = 0; s < 60; s++) {
        const labels = { job: String(s % 4), s: String(s) };
        app.append(labelsFromRecord({ __name__: 'c_total', ...labels }), i * 15_000, i * (s + 1) + (i % (s + 2)));
        if (s < 10) app.append(labelsFromRecord({ __name__: 'd_total', ...labels }), i * 15_000, i);
        if (i % 20 === 0) app.append(labelsFromRecord({ __name__: 'g', ...labels }), i * 15_000, s - i);
      }
    }
    await app.commit();
    const q = (mint: number, maxt: number) => db.querier('default', mint, maxt);
    const whole = new Engine();
    const pieces = new Engine({ callChunkSeries: 7 });
    const t = 1_700_000;
    for (const expr of [
      'sum by (job) (rate(c_total[5m]))',
      'rate(c_total[5m]) > 10',
      'quantile_over_time(0.9, c_total[10m])',
      'last_over_time(c_total[2m])',
      'abs(deriv(c_total[5m])) + on (s, job) group_left predict_linear((c_total[10m]), 60)',
      'max_over_time(c_total[5m] @ 1000000) - increase(c_total[1m] offset 2m)',
      'resets(g[30m]) + changes(g[30m])',
      'max_over_time(rate(c_total[1m])[5m:1m])',
    ]) {
      assert.deepEqual(await pieces.instantAsync(q, expr, t, 0, 0), whole.instant(q, expr, t, 0), expr);
    }
    // Duplicates made by dropping the name are found across pieces too.
    const dup = 'rate({__name__=~"c_total|d_total"}[5m])';
    assert.throws(() => whole.instant(q, dup, t), /vector cannot contain metrics with the same labelset/);
    await assert.rejects(pieces.instantAsync(q, dup, t, 0, 0), /vector cannot contain metrics with the same labelset/);
    // The pauses: loading 7,200 samples makes none; 60 series in pieces of 7 make 9.
    const withPieces = await turnsDuring(() => pieces.instantAsync(q, 'sum(rate(c_total[5m]))', t, 0, 0));
    assert.ok(withPieces >= 8, `${withPieces} turns of the event loop during the query`);
    const without = await turnsDuring(() => whole.instantAsync(q, 'sum(rate(c_total[5m]))', t, 0, 0));
    assert.ok(without <= 3, `${without} turns without pieces`);
  });
});

test('rangeAsync pauses inside the all-steps evaluation of many series, with the same answers', async () => {
  await withDb('ms-engine-allsteps-', async (db) => {
    // 300 series x 40 samples: 12,000 samples load without a pause; the nodes' loops make them.
    const app = db.appender('default');
    for (let i = 0; i < 40; i++) {
      for (let s = 0; s < 300; s++) app.append(labelsFromRecord({ __name__: 'r_total', job: String(s % 5), s: String(s) }), i * 15_000, i * (s + 1));
    }
    await app.commit();
    const q = (mint: number, maxt: number) => db.querier('default', mint, maxt);
    const engine = new Engine();
    for (const expr of ['sum by (job) (rate(r_total[1m]))', 'avg_over_time(r_total[2m])', 'max(r_total)']) {
      let got: unknown;
      const ticks = await turnsDuring(async () => (got = await engine.rangeAsync(q, expr, 60_000, 585_000, 15_000, 0, 0)));
      assert.deepEqual(got, engine.range(q, expr, 60_000, 585_000, 15_000), expr);
      // 300 series pause every 64: at least 4 times in the node over the selector.
      assert.ok(ticks >= 4, `${expr}: ${ticks} turns of the event loop`);
    }
  });
});
