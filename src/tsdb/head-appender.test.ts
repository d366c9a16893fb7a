// The head appender's paths by series ref: refs checked against the row they name (tenant, series
// gone from the head), whole-or-nothing batches, chunk cuts, and what a restart replays.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OutOfOrderSampleError, labelsFromRecord, type Labels } from '../storage/index.js';
import { openDb, readAll, seriesKey, tempDataDir } from './db-test-fixtures.js';

const HOUR = 3_600_000;
const T0 = 1_700_000_000_000 - (1_700_000_000_000 % (24 * HOUR));
const lbl = (s: string): Labels => labelsFromRecord({ __name__: 'm', s });

test('appendRef: a ref of another tenant or of no series falls back to the labels', async () => {
  const { dir, cleanup } = tempDataDir();
  let db = await openDb(dir);
  try {
    const a = db.appender('a');
    const refA = a.appendRef(0, lbl('x'), T0, 1);
    await a.commit();
    const b = db.appender('b');
    // refA names tenant a's series: tenant b gets a series of its own.
    const refB = b.appendRef(refA, lbl('x'), T0, 2);
    assert.notEqual(refB, refA);
    assert.equal(b.appendRef(123_456, lbl('y'), T0, 3) > 0, true);
    await b.commit();
    const a2 = db.appender('a');
    assert.equal(a2.appendRef(refA, lbl('x'), T0 + 1000, 4), refA);
    // Not a ref at all: the labels decide.
    assert.equal(a2.appendRef(refA + 0.5, lbl('x'), T0 + 2000, 5), refA);
    assert.equal(a2.appendRef(NaN, lbl('x'), T0 + 3000, 6), refA);
    await a2.commit();
    const want = () => {
      assert.deepEqual(readAll(db, 'a'), new Map([[seriesKey(lbl('x')), [[T0, 1], [T0 + 1000, 4], [T0 + 2000, 5], [T0 + 3000, 6]]]]));
      assert.deepEqual(
        readAll(db, 'b'),
        new Map([
          [seriesKey(lbl('x')), [[T0, 2]]],
          [seriesKey(lbl('y')), [[T0, 3]]],
        ]),
      );
    };
    want();
    await db.close();
    db = await openDb(dir);
    want();
  } finally {
    await db.close();
    cleanup();
  }
});

test('appendRef: a series a head cut drops between append and commit gets its samples in its live successor', async () => {
  const { dir, cleanup } = tempDataDir();
  let db = await openDb(dir, { blockDurationMs: HOUR });
  try {
    let app = db.appender('t');
    const ref = app.appendRef(0, lbl('old'), T0, 1);
    app.appendRef(0, lbl('new'), T0, 1);
    await app.commit();
    app = db.appender('t');
    app.appendRef(0, lbl('new'), T0 + 3 * HOUR, 2);
    await app.commit();
    // Held across the cut: the series behind `ref` holds only samples the cut writes to a block.
    app = db.appender('t');
    assert.equal(app.appendRef(ref, lbl('old'), T0 + 3 * HOUR, 5), ref);
    app.appendRef(ref, lbl('old'), T0 + 3 * HOUR + 1000, 6);
    await db.maintain();
    assert.ok(db.blockMetas().length > 0);
    assert.equal(db.head.byRefOf(ref), undefined, 'the cut dropped the series');
    await app.commit();
    const want = new Map([
      [seriesKey(lbl('new')), [[T0, 1], [T0 + 3 * HOUR, 2]]],
      [seriesKey(lbl('old')), [[T0, 1], [T0 + 3 * HOUR, 5], [T0 + 3 * HOUR + 1000, 6]]],
    ]);
    assert.deepEqual(readAll(db, 't'), want);
    // The stale ref is not taken again: the labels find the live series.
    app = db.appender('t');
    const again = app.appendRef(ref, lbl('old'), T0 + 3 * HOUR + 2000, 7);
    assert.notEqual(again, ref);
    await app.commit();
    want.get(seriesKey(lbl('old')))!.push([T0 + 3 * HOUR + 2000, 7]);
    await db.close();
    db = await openDb(dir, { blockDurationMs: HOUR });
    assert.deepEqual(readAll(db, 't'), want);
  } finally {
    await db.close();
    cleanup();
  }
});

test('a refused batch stores nothing; a rolled-back one neither; refs of series they made are not taken later', async () => {
  const { dir, cleanup } = tempDataDir();
  let db = await openDb(dir);
  try {
    let app = db.appender('t');
    const ref = app.appendRef(0, lbl('a'), T0 + 10_000, 1);
    await app.commit();
    // Two appenders: each passes its own early check; the second commit finds `a` moved on.
    const first = db.appender('t');
    const second = db.appender('t');
    first.appendRef(ref, lbl('a'), T0 + 30_000, 2);
    const made = second.appendRef(0, lbl('b'), T0 + 20_000, 3);
    second.appendRef(ref, lbl('a'), T0 + 20_000, 4);
    await first.commit();
    await assert.rejects(second.commit(), OutOfOrderSampleError);
    app = db.appender('t');
    const rolled = app.appendRef(0, lbl('c'), T0, 5);
    app.appendRef(ref, lbl('a'), T0 + 40_000, 6);
    app.rollback();
    app = db.appender('t');
    const b = app.appendRef(made, lbl('b'), T0 + 50_000, 7);
    const c = app.appendRef(rolled, lbl('c'), T0 + 50_000, 8);
    assert.notEqual(b, made);
    assert.notEqual(c, rolled);
    await app.commit();
    const want = new Map([
      [seriesKey(lbl('a')), [[T0 + 10_000, 1], [T0 + 30_000, 2]]],
      [seriesKey(lbl('b')), [[T0 + 50_000, 7]]],
      [seriesKey(lbl('c')), [[T0 + 50_000, 8]]],
    ]);
    assert.deepEqual(readAll(db, 't'), want);
    await db.close();
    db = await openDb(dir);
    assert.deepEqual(readAll(db, 't'), want);
  } finally {
    await db.close();
    cleanup();
  }
});

test('appendRef across chunk cuts, late samples in the window, and repeats of a timestamp (last write wins)', async () => {
  const { dir, cleanup } = tempDataDir();
  let db = await openDb(dir, { outOfOrderWindowMs: 60_000 });
  try {
    const series = ['p', 'q', 'r'].map(lbl);
    const refs = [0, 0, 0];
    const want = new Map<string, Map<number, number>>(series.map((l) => [seriesKey(l), new Map()]));
    for (let step = 0; step < 300; step++) {
      const app = db.appender('t');
      for (let k = 0; k < series.length; k++) {
        const t = T0 + step * 10_000;
        const v = step % 7 === 0 ? NaN : Math.round(step * 1.37 * (k + 1) * 100) / 100;
        refs[k] = app.appendRef(refs[k]!, series[k]!, t, v);
        want.get(seriesKey(series[k]!))!.set(t, v);
        if (step % 50 === 49) {
          // A late sample within the window, and the same timestamp again in one batch.
          refs[k] = app.appendRef(refs[k]!, series[k]!, t - 25_000, -1);
          refs[k] = app.appendRef(refs[k]!, series[k]!, t, 42);
          want.get(seriesKey(series[k]!))!.set(t - 25_000, -1).set(t, 42);
        }
      }
      await app.commit();
    }
    const view = () => new Map([...want].map(([k, m]) => [k, [...m].sort((x, y) => x[0] - y[0])]));
    assert.deepEqual(readAll(db, 't'), view());
    assert.ok(db.headStats().chunks >= 3 * 2);
    await db.close();
    db = await openDb(dir, { outOfOrderWindowMs: 60_000 });
    assert.deepEqual(readAll(db, 't'), view());
  } finally {
    await db.close();
    cleanup();
  }
});

test('an appender whose series another appender touched in between is checked again at commit', async () => {
  const { dir, cleanup } = tempDataDir();
  let db = await openDb(dir, { outOfOrderWindowMs: 60_000 });
  try {
    const x = lbl('x');
    let app = db.appender('t');
    app.append(x, T0, 0);
    await app.commit();
    const a = db.appender('t');
    const b = db.appender('t');
    a.append(x, T0 + 100_000, 1);
    b.append(x, T0 + 200_000, 2);
    // `a` no longer sees its own first sample (b holds the series' scratch): only the commit's
    // check finds this one late.
    a.append(x, T0 + 90_000, 3);
    await a.commit();
    await b.commit();
    app = db.appender('t');
    app.append(x, T0 + 150_000, 4);
    await app.commit();
    const want = new Map([[seriesKey(x), [[T0, 0], [T0 + 90_000, 3], [T0 + 100_000, 1], [T0 + 150_000, 4], [T0 + 200_000, 2]]]]);
    assert.deepEqual(readAll(db, 't'), want);
    await db.close();
    db = await openDb(dir, { outOfOrderWindowMs: 60_000 });
    assert.deepEqual(readAll(db, 't'), want);
  } finally {
    await db.close();
    cleanup();
  }
});

test('a backfilled batch checked while another appender collects makes that appender check again', async () => {
  const { dir, cleanup } = tempDataDir();
  const db = await openDb(dir, { blockDurationMs: HOUR });
  try {
    const x = lbl('x');
    let app = db.appender('t');
    app.append(x, T0 + 30 * 60_000, 0);
    await app.commit();
    app = db.appender('t');
    app.append(x, T0 + 3 * HOUR, 1);
    await app.commit();
    await db.maintain();
    const b = db.appender('t', { backfill: true });
    b.append(x, T0, 5);
    b.append(x, T0 + 3 * HOUR + 200_000, 6);
    const c = db.appender('t');
    c.append(x, T0 + 3 * HOUR + 100_000, 2);
    // Its live part is checked now, before the block is written: x's scratch is the commit's.
    const backfilled = b.commit();
    c.append(x, T0 + 3 * HOUR + 90_000, 3);
    await assert.rejects(c.commit(), OutOfOrderSampleError);
    await backfilled;
    assert.deepEqual(
      readAll(db, 't'),
      new Map([[seriesKey(x), [[T0, 5], [T0 + 30 * 60_000, 0], [T0 + 3 * HOUR, 1], [T0 + 3 * HOUR + 200_000, 6]]]]),
    );
  } finally {
    await db.close();
    cleanup();
  }
});
