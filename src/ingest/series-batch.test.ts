// Series references kept with a decoder's cached labels: used only in the scope (storage and
// tenant) they came from, refreshed when the engine hands back another, and never able to put a
// sample in the wrong series (two engines in one process, a head that dropped the series).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compressSync } from 'snappy';
import { seriesKey, openDb, readAll, tempDataDir } from '../tsdb/db-test-fixtures.js';
import { Matcher, type Appender, type Labels } from '../storage/index.js';
import { decodeWriteRequest } from './remote-write/parse.js';
import { WriteRequest } from './remote-write/write-request-fixtures.js';
import { appendEntry, refScope, type SampleBatch, type SeriesRef } from './series-batch.js';
import { testLimits } from './validate-fixtures.js';

/** An appender that hands out its own refs and records the ref each append was given. */
function fakeAppender(firstRef: number): Appender & { given: number[] } {
  const refs = new Map<Labels, number>();
  let next = firstRef;
  const given: number[] = [];
  return {
    given,
    append() {},
    appendRef(ref: number, labels: Labels) {
      given.push(ref);
      let r = refs.get(labels);
      if (r === undefined) refs.set(labels, (r = next++));
      return r;
    },
    setMetadata() {},
    pending: 0,
    commit: async () => {},
    rollback() {},
  };
}

test('a SeriesRef is used and kept only within its scope', () => {
  const labels: Labels = [{ name: '__name__', value: 'up' }];
  const slot: SeriesRef = { ref: 0, scope: null };
  const batch: SampleBatch = { labels: [labels], refs: [slot], start: [0, 2], ts: [1, 2], vs: [1, 1] };
  const storageA = {};
  const storageB = {};
  const a = refScope(storageA, 'default');
  assert.equal(refScope(storageA, 'default'), a);
  assert.notEqual(refScope(storageA, 'other'), a);
  assert.notEqual(refScope(storageB, 'default'), a);

  const appA = fakeAppender(100);
  appendEntry(appA, batch, 0, a);
  assert.deepEqual(appA.given, [0, 100]);
  assert.deepEqual(slot, { ref: 100, scope: a });
  const appA2 = fakeAppender(100);
  appendEntry(appA2, batch, 0, a);
  assert.deepEqual(appA2.given, [100, 100], 'the kept ref starts the next request');

  const appB = fakeAppender(500);
  const b = refScope(storageB, 'default');
  appendEntry(appB, batch, 0, b);
  assert.deepEqual(appB.given, [0, 500], "another scope's ref is never passed");
  assert.deepEqual(slot, { ref: 500, scope: b });

  const appNone = fakeAppender(900);
  appendEntry(appNone, batch, 0);
  assert.deepEqual(appNone.given, [0, 900], 'no scope: no kept ref');
  assert.deepEqual(slot, { ref: 500, scope: b });
});

test('remote write refs: two engines in one process, and a series deleted from the head, get every sample right', async () => {
  const limits = testLimits({ retentionMs: 0 });
  const now = Date.now();
  const body = (t: number, names: string[]) =>
    compressSync(
      WriteRequest.encode(
        WriteRequest.fromObject({
          timeseries: names.map((n, i) => ({ labels: [{ name: '__name__', value: n }], samples: [{ value: i, timestamp: t }] })),
        }),
      ).finish(),
    );
  const write = async (db: Awaited<ReturnType<typeof openDb>>, b: Buffer) => {
    const r = decodeWriteRequest(b, { now, limits, maxBytes: 1 << 20 });
    assert.ok(r.ok);
    const app = db.appender('default');
    const scope = refScope(db, 'default');
    for (let k = 0; k < r.batch.labels.length; k++) appendEntry(app, r.batch, k, scope);
    await app.commit();
  };
  const t1 = tempDataDir();
  const t2 = tempDataDir();
  const db1 = await openDb(t1.dir);
  const db2 = await openDb(t2.dir);
  try {
    await write(db1, body(now - 3000, ['a', 'b', 'c']));
    // db2 numbers its series in another order, so db1's refs name other series there.
    await write(db2, body(now - 3000, ['c', 'b', 'a', 'd']));
    await write(db1, body(now - 2000, ['a', 'b', 'c']));
    await write(db2, body(now - 2000, ['a', 'b', 'c']));
    // The series is gone from db1's head: its kept ref is stale, the labels decide (a new series).
    const deleted = await db1.deleteSeries('default', [new Matcher('=', '__name__', 'b')], -8.64e15, 8.64e15);
    assert.equal(deleted.headSeries, 1);
    await write(db1, body(now - 1000, ['b']));
    const want = (v: number[], ts: number[]) => v.map((x, i) => [ts[i]!, x] as [number, number]);
    const read = (db: typeof db1) => new Map([...readAll(db, 'default')].map(([k, v]) => [k, v]));
    assert.deepEqual(read(db1), new Map([
      [seriesKey([{ name: '__name__', value: 'a' }]), want([0, 0], [now - 3000, now - 2000])],
      [seriesKey([{ name: '__name__', value: 'b' }]), want([0], [now - 1000])],
      [seriesKey([{ name: '__name__', value: 'c' }]), want([2, 2], [now - 3000, now - 2000])],
    ]));
    assert.deepEqual(read(db2), new Map([
      [seriesKey([{ name: '__name__', value: 'a' }]), want([2, 0], [now - 3000, now - 2000])],
      [seriesKey([{ name: '__name__', value: 'b' }]), want([1, 1], [now - 3000, now - 2000])],
      [seriesKey([{ name: '__name__', value: 'c' }]), want([0, 2], [now - 3000, now - 2000])],
      [seriesKey([{ name: '__name__', value: 'd' }]), want([3], [now - 3000])],
    ]));
  } finally {
    await db1.close();
    await db2.close();
    t1.cleanup();
    t2.cleanup();
  }
});
