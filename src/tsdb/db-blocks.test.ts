// The head is cut into blocks, the WAL is checkpointed and truncated, and every read merges blocks
// and head: checked against a plain in-memory model through cuts, restarts and retention.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { Matcher, OutOfBoundsError, labelsFromRecord } from '../storage/index.js';
import { openDb, readAll, seriesKey, tempDataDir } from './db-test-fixtures.js';
import type { Tsdb } from './db.js';
import { BlockReader } from './block/index.js';
import { BlockChunkIterator } from './chunk/block-chunk.js';

const HOUR = 3_600_000;
// Aligned to a day, so that compaction windows (3h, 9h, ...) start at T0.
const T0 = 1_700_000_000_000 - (1_700_000_000_000 % (24 * HOUR));

type Model = Map<string, Map<number, number>>;

function modelView(m: Model, mint = -Infinity, maxt = Infinity): Map<string, [number, number][]> {
  const out = new Map<string, [number, number][]>();
  for (const [k, byT] of [...m].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))) {
    const samples = [...byT].filter(([t]) => t >= mint && t <= maxt).sort((a, b) => a[0] - b[0]);
    if (samples.length > 0) out.set(k, samples);
  }
  return out;
}

async function appendBatch(db: Tsdb, model: Model | null, samples: readonly { s: number; t: number; v: number }[]): Promise<void> {
  const app = db.appender('t');
  for (const x of samples) app.append(labelsFromRecord({ __name__: 'm', s: String(x.s) }), x.t, x.v);
  await app.commit();
  if (model === null) return;
  for (const x of samples) {
    const k = seriesKey(labelsFromRecord({ __name__: 'm', s: String(x.s) }));
    let byT = model.get(k);
    if (byT === undefined) model.set(k, (byT = new Map()));
    byT.set(x.t, x.v);
  }
}

test('the head is cut into blocks; reads span blocks and head, before and after a restart', async () => {
  const { dir, cleanup } = tempDataDir();
  try {
    let db = await openDb(dir, { blockDurationMs: HOUR });
    const model: Model = new Map();
    // 5 hours of samples every minute for 20 series, in 10-minute commits.
    for (let m = 0; m < 300; m += 10) {
      const batch = [];
      for (let k = m; k < m + 10; k++) for (let s = 0; s < 20; s++) batch.push({ s, t: T0 + k * 60_000, v: s * 1000 + k + 0.25 });
      await appendBatch(db, model, batch);
    }
    const before = readAll(db, 't');
    assert.deepEqual(before, modelView(model));
    await db.maintain();
    // The head spans 5 h: ranges are cut while it spans 1.5 h or more, so [T0, T0 + 4h) went into
    // four 1h blocks, and the three in the window [T0, T0 + 3h) were then compacted into one.
    assert.deepEqual(
      db.blockMetas().map((b) => [b.minTime - T0, b.maxTime - T0, b.stats.numSeries, b.stats.numSamples, b.compaction.level]),
      [
        [0, 3 * HOUR, 20, 20 * 180, 2],
        [3 * HOUR, 4 * HOUR, 20, 20 * 60, 1],
      ],
    );
    assert.deepEqual(db.maintenanceStats, { blocksCut: 4, checkpoints: 1, compactions: 1, retentionDeleted: 0, downsampled: 0 });
    assert.deepEqual(readAll(db, 't'), modelView(model));
    assert.deepEqual(readAll(db, 't', T0 + 90 * 60_000, T0 + 250 * 60_000), modelView(model, T0 + 90 * 60_000, T0 + 250 * 60_000));
    assert.deepEqual(readAll(db, 't', T0 + 90 * 60_000, T0 + 250 * 60_000, true), modelView(model, T0 + 90 * 60_000, T0 + 250 * 60_000));
    // Inside the first block only: its series are read without a merge.
    assert.deepEqual(readAll(db, 't', T0 + 10 * 60_000, T0 + 170 * 60_000, true), modelView(model, T0 + 10 * 60_000, T0 + 170 * 60_000));
    // The WAL was checkpointed and the segments before the checkpoint are gone.
    const wal = readdirSync(join(dir, 'wal'));
    assert.equal(wal.filter((n) => n.startsWith('checkpoint.')).length, 1, wal.join(' '));
    const cpIndex = Number(wal.find((n) => n.startsWith('checkpoint.'))!.slice('checkpoint.'.length));
    assert.ok(wal.filter((n) => /^\d{8}$/.test(n)).every((n) => Number(n) >= cpIndex - 1), wal.join(' '));
    // Appends into a range already cut are refused, and nothing of the batch is stored.
    await assert.rejects(appendBatch(db, null, [{ s: 0, t: T0 + 300 * 60_000, v: 1 }, { s: 77, t: T0 + HOUR, v: 1 }]), OutOfBoundsError);
    assert.deepEqual(readAll(db, 't'), modelView(model));
    // More samples after the cut, then a restart: checkpoint + remaining WAL + blocks.
    await appendBatch(db, model, [{ s: 0, t: T0 + 300 * 60_000, v: 42 }, { s: 99, t: T0 + 301 * 60_000, v: 7 }]);
    await db.close();
    db = await openDb(dir, { blockDurationMs: HOUR });
    assert.equal(db.blockMetas().length, 2);
    assert.deepEqual(readAll(db, 't'), modelView(model));
    const app = db.appender('t');
    assert.throws(() => app.append(labelsFromRecord({ __name__: 'm', s: '78' }), T0 + 3 * HOUR, 1), OutOfBoundsError);
    await db.close();
  } finally {
    cleanup();
  }
});

test('retention deletes exactly the blocks wholly older than now - retention', async () => {
  const { dir, cleanup } = tempDataDir();
  try {
    let now = T0 + 10 * HOUR;
    const db = await openDb(dir, { blockDurationMs: HOUR, retentionMs: 7 * HOUR, now: () => now });
    const batch = [];
    for (let k = 0; k <= 6 * 60; k += 5) batch.push({ s: 1, t: T0 + k * 60_000, v: k });
    const model: Model = new Map();
    await appendBatch(db, model, batch);
    await db.maintain();
    // Blocks [0,1h) .. [4h,5h) were cut and [0,3h) compacted; limit = T0 + 3h deletes that one.
    assert.deepEqual(db.blockMetas().map((b) => (b.minTime - T0) / HOUR), [3, 4]);
    assert.ok(!readAll(db, 't').get(seriesKey(labelsFromRecord({ __name__: 'm', s: '1' })))!.some(([t]) => t < T0 + 3 * HOUR));
    now += HOUR;
    await db.maintain();
    assert.deepEqual(db.blockMetas().map((b) => (b.minTime - T0) / HOUR), [4]);
    now += HOUR;
    await db.maintain();
    assert.deepEqual(db.blockMetas(), []);
    assert.deepEqual(readdirSync(join(dir, 'blocks')), []);
    const left = readAll(db, 't').get(seriesKey(labelsFromRecord({ __name__: 'm', s: '1' })))!;
    assert.equal(left[0]![0], T0 + 5 * HOUR, 'the head still holds everything from 5h on');
    await db.close();
  } finally {
    cleanup();
  }
});

type Op =
  | { kind: 'append'; advance: number; samples: { s: number; dt: number; v: number }[] }
  | { kind: 'import'; samples: { s: number; ago: number; v: number }[] }
  | { kind: 'cut' }
  | { kind: 'restart' }
  | { kind: 'read'; from: number; len: number };

const sampleValue = fc.double({ noNaN: true });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('append' as const),
      advance: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 3 * HOUR })),
      // Mostly in order, some late (inside or outside the 30 min window), some repeated.
      samples: fc.array(
        fc.record({ s: fc.integer({ min: 0, max: 5 }), dt: fc.constantFrom(0, 0, 1000, 15_000, -1000, -20 * 60_000, -40 * 60_000), v: sampleValue }),
        { minLength: 1, maxLength: 8 },
      ),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('import' as const),
      samples: fc.array(fc.record({ s: fc.integer({ min: 0, max: 5 }), ago: fc.integer({ min: 0, max: 10 * HOUR }), v: sampleValue }), {
        minLength: 1,
        maxLength: 8,
      }),
    }),
  },
  { weight: 2, arbitrary: fc.constant({ kind: 'cut' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'restart' as const }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('read' as const), from: fc.integer({ min: 0, max: 20 * HOUR }), len: fc.integer({ min: 0, max: 6 * HOUR }) }) },
);

test('model: live appends (late and repeated too), imports of the past, cuts, compactions, restarts and reads agree with a map', async () => {
  const opts = { blockDurationMs: HOUR, outOfOrderWindowMs: 30 * 60_000 };
  let totalCuts = 0;
  let compactions = 0;
  let refused = 0;
  let late = 0;
  await fc.assert(
    fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 40, size: 'max' }), async (ops) => {
      const { dir, cleanup } = tempDataDir();
      let db = await openDb(dir, opts);
      const tally = () => {
        totalCuts += db.maintenanceStats.blocksCut;
        compactions += db.maintenanceStats.compactions;
      };
      try {
        const model: Model = new Map();
        let clock = T0 + 12 * HOUR;
        for (const op of ops) {
          if (op.kind === 'append') {
            clock += op.advance;
            const samples = op.samples.map((x) => ({ s: x.s, t: clock + x.dt, v: x.v }));
            clock += 15_000;
            // The engine may refuse a batch (too late, or before the head): then nothing of it
            // may be stored. Whatever it accepts must read back exactly.
            try {
              await appendBatch(db, model, samples);
              if (op.samples.some((x) => x.dt < 0)) late++;
            } catch (err) {
              assert.ok(err instanceof OutOfBoundsError || (err as Error).name === 'StorageError', String(err));
              refused++;
            }
          } else if (op.kind === 'import') {
            const app = db.appender('t', { backfill: true });
            for (const x of op.samples) app.append(labelsFromRecord({ __name__: 'm', s: String(x.s) }), clock - x.ago, x.v);
            await app.commit();
            for (const x of op.samples) {
              const k = seriesKey(labelsFromRecord({ __name__: 'm', s: String(x.s) }));
              if (!model.has(k)) model.set(k, new Map());
              model.get(k)!.set(clock - x.ago, x.v);
            }
          } else if (op.kind === 'cut') {
            await db.maintain();
          } else if (op.kind === 'restart') {
            tally();
            await db.close();
            db = await openDb(dir, opts);
          } else {
            const mint = T0 + op.from;
            assert.deepEqual(readAll(db, 't', mint, mint + op.len), modelView(model, mint, mint + op.len));
            assert.deepEqual(readAll(db, 't', mint, mint + op.len, true), modelView(model, mint, mint + op.len));
          }
        }
        assert.deepEqual(readAll(db, 't'), modelView(model));
        assert.deepEqual(readAll(db, 't', undefined, undefined, true), modelView(model));
        await db.maintain();
        assert.deepEqual(readAll(db, 't'), modelView(model));
        assert.deepEqual(readAll(db, 't', undefined, undefined, true), modelView(model));
        tally();
        await db.close();
        db = await openDb(dir, opts);
        assert.deepEqual(readAll(db, 't'), modelView(model));
      } finally {
        await db.close();
        cleanup();
      }
    }),
    { numRuns: 10 },
  );
  // The property is only worth something if each path was really taken along the way.
  assert.ok(totalCuts >= 15 && compactions >= 3 && refused >= 3 && late >= 3, JSON.stringify({ totalCuts, compactions, refused, late }));
});

test('a block that fails its checks at start is quarantined and the rest is served', async () => {
  const { dir, cleanup } = tempDataDir();
  try {
    let db = await openDb(dir, { blockDurationMs: HOUR, compaction: false });
    const model: Model = new Map();
    const batch = [];
    for (let k = 0; k < 240; k += 1) batch.push({ s: 1, t: T0 + k * 60_000, v: k });
    await appendBatch(db, model, batch);
    await db.maintain();
    const metas = db.blockMetas();
    assert.equal(metas.length, 3);
    await db.close();
    const { openSync, writeSync, closeSync, fstatSync } = await import('node:fs');
    const index = join(dir, 'blocks', metas[0]!.ulid, 'index');
    const fd = openSync(index, 'r+');
    const size = fstatSync(fd).size;
    writeSync(fd, Buffer.from([0x5a]), 0, 1, Math.floor(size / 2));
    closeSync(fd);
    db = await openDb(dir, { blockDurationMs: HOUR, compaction: false });
    assert.deepEqual(db.blockMetas().map((m) => m.ulid), [metas[1]!.ulid, metas[2]!.ulid]);
    assert.ok(existsSync(join(dir, 'blocks', metas[0]!.ulid + '.corrupt')));
    const got = readAll(db, 't').get(seriesKey(labelsFromRecord({ __name__: 'm', s: '1' })))!;
    assert.equal(got[0]![0], T0 + HOUR, 'the other blocks and the head are still served');
    assert.equal(got.length, 240 - 60);
    await db.close();
  } finally {
    cleanup();
  }
});

test('a damaged chunk found by a query fails that query clearly, quarantines the block, and later reads serve the rest', async () => {
  const { dir, cleanup } = tempDataDir();
  try {
    const db = await openDb(dir, { blockDurationMs: HOUR, compaction: false });
    const model: Model = new Map();
    const batch = [];
    for (let k = 0; k < 240; k += 1) batch.push({ s: 1, t: T0 + k * 60_000, v: k * 1.5 });
    await appendBatch(db, model, batch);
    await db.maintain();
    const metas = db.blockMetas();
    assert.equal(metas.length, 3);
    const { openSync, writeSync, closeSync, fstatSync } = await import('node:fs');
    // A byte inside the first block's only chunk (after the 5-byte header and the length varint).
    const chunks = join(dir, 'blocks', metas[0]!.ulid, 'chunks');
    const fd = openSync(chunks, 'r+');
    const size = fstatSync(fd).size;
    writeSync(fd, Buffer.from([0xff]), 0, 1, Math.floor(size / 2));
    closeSync(fd);
    assert.throws(() => readAll(db, 't'), (err: Error) => {
      assert.match(err.message, new RegExp(`block ${metas[0]!.ulid} is damaged \\(.*checksum mismatch.*\\); it was quarantined`));
      return true;
    });
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(db.blockMetas().map((m) => m.ulid), [metas[1]!.ulid, metas[2]!.ulid]);
    assert.ok(existsSync(join(dir, 'blocks', metas[0]!.ulid + '.corrupt')));
    const got = readAll(db, 't').get(seriesKey(labelsFromRecord({ __name__: 'm', s: '1' })))!;
    assert.deepEqual(got, modelView(model, T0 + HOUR).get(seriesKey(labelsFromRecord({ __name__: 'm', s: '1' }))));
    await db.close();
  } finally {
    cleanup();
  }
});

test('delete_series hides the range at once in blocks and head, survives a restart, and compaction rewrites it away; a snapshot opens as a data dir', async () => {
  const { dir, cleanup } = tempDataDir();
  try {
    let db = await openDb(dir, { blockDurationMs: HOUR, compaction: false });
    const model: Model = new Map();
    const batch = [];
    for (let k = 0; k < 300; k += 1) for (const s of [1, 2]) batch.push({ s, t: T0 + k * 60_000, v: k + s / 10 });
    await appendBatch(db, model, batch);
    await db.maintain();
    assert.equal(db.blockMetas().length, 4);
    const from = T0 + 30 * 60_000;
    const to = T0 + 270 * 60_000;
    const hit = await db.deleteSeries('t', [new Matcher('=', 's', '1')], from, to);
    assert.deepEqual(hit, { blockSeries: 4, headSeries: 1 });
    const k1 = seriesKey(labelsFromRecord({ __name__: 'm', s: '1' }));
    for (const t of [...model.get(k1)!.keys()]) if (t >= from && t <= to) model.get(k1)!.delete(t);
    assert.deepEqual(readAll(db, 't'), modelView(model));
    assert.deepEqual(readAll(db, 't', undefined, undefined, true), modelView(model));
    await db.close();
    db = await openDb(dir, { blockDurationMs: HOUR });
    assert.deepEqual(readAll(db, 't'), modelView(model));
    const name = await db.snapshot(false);
    assert.match(name, /^\d{8}T\d{6}Z-[0-9a-f]{16}$/);
    // Compaction rewrites every block that has tombstones (and merges the window).
    await db.maintain();
    assert.ok(db.maintenanceStats.compactions >= 1);
    for (const b of db.blockMetas()) assert.ok(!existsSync(join(dir, 'blocks', b.ulid, 'tombstones.json')), `block ${b.ulid} still has tombstones`);
    assert.deepEqual(readAll(db, 't'), modelView(model));
    await db.close();
    // The snapshot is a data dir of its own: blocks only, holding everything.
    const { renameSync, mkdirSync } = await import('node:fs');
    const snapDir = join(dir, 'snap-open');
    mkdirSync(snapDir);
    renameSync(join(dir, 'snapshots', name), join(snapDir, 'blocks'));
    const snap = await openDb(snapDir, { blockDurationMs: HOUR, compaction: false });
    assert.deepEqual(readAll(snap, 't'), modelView(model));
    await snap.close();
  } finally {
    cleanup();
  }
});

test('retention by size deletes the oldest blocks until blocks and WAL fit', async () => {
  const { dir, cleanup } = tempDataDir();
  try {
    const probe = await openDb(dir, { blockDurationMs: HOUR, compaction: false });
    const batch = [];
    for (let k = 0; k < 360; k += 1) for (let s = 0; s < 50; s++) batch.push({ s, t: T0 + k * 60_000, v: Math.round(Math.random() * 1e4) / 100 });
    await appendBatch(probe, null, batch);
    await probe.maintain();
    const metas = probe.blockMetas();
    assert.equal(metas.length, 5);
    const sizes = probe.status('t').blocks.map((b) => b.bytes);
    await probe.close();
    // Room for the WAL and the two newest blocks, not three.
    const { readdirSync, statSync } = await import('node:fs');
    const wal = readdirSync(join(dir, 'wal')).reduce((n, f) => n + statSync(join(dir, 'wal', f)).size, 0);
    const limit = wal + sizes[3]! + sizes[4]! + Math.floor(sizes[2]! / 2);
    const db = await openDb(dir, { blockDurationMs: HOUR, compaction: false, retentionBytes: limit });
    await db.maintain();
    assert.deepEqual(db.blockMetas().map((m) => m.ulid), [metas[3]!.ulid, metas[4]!.ulid]);
    assert.equal(db.maintenanceStats.retentionDeleted, 3);
    await db.close();
  } finally {
    cleanup();
  }
});

test('downsampling: old blocks get 5m and 1h copies with counters that keep their resets, and reads fall back to them once raw blocks are past retention', async () => {
  const { dir, cleanup } = tempDataDir();
  try {
    const now = T0 + 40 * 24 * HOUR;
    const opts = {
      blockDurationMs: HOUR,
      compaction: false,
      now: () => now,
      retentionMs: 30 * 24 * HOUR,
      downsample: [
        { resolution: 5 * 60_000, afterMs: 2 * 24 * HOUR, retentionMs: 0 },
        { resolution: HOUR, afterMs: 14 * 24 * HOUR, retentionMs: 0 },
      ],
    };
    const db = await openDb(dir, opts);
    const model: Model = new Map();
    // A counter with a reset at minute 100, one sample a minute for 6 hours.
    const batch = [];
    let c = 0;
    for (let k = 0; k < 360; k++) {
      c = k === 100 ? 3 : c + 10;
      batch.push({ s: 1, t: T0 + k * 60_000, v: c });
    }
    await appendBatch(db, model, batch);
    await db.maintain();
    const metas = db.blockMetas();
    assert.deepEqual(
      metas.map((m) => m.downsample?.resolution ?? 0).sort((a, b) => a - b),
      [...Array(5).fill(5 * 60_000), ...Array(5).fill(HOUR)],
      'raw blocks past retention are gone, their 5m and 1h copies stay',
    );
    assert.equal(db.maintenanceStats.downsampled, 10);
    // Reads of that range come from the 5m copies: the last sample of every 5-minute window.
    const raw = [...model.get(seriesKey(labelsFromRecord({ __name__: 'm', s: '1' })))!];
    const want: [number, number][] = [];
    for (let w = 0; w < 60; w++) want.push(raw[w * 5 + 4]!);
    for (let k = 300; k < 360; k++) want.push(raw[k]!);
    assert.deepEqual(readAll(db, 't').get(seriesKey(labelsFromRecord({ __name__: 'm', s: '1' }))), want);
    // The aggregates themselves.
    const five = metas.find((m) => m.downsample?.resolution === 5 * 60_000 && m.minTime === T0 + HOUR)!;
    const r = await BlockReader.open(join(dir, 'blocks', five.ulid));
    const series = new Map<string, number[]>();
    for (let id = 0; id < r.numSeries; id++) {
      const { labels, chunks } = r.series(id);
      const vs: number[] = [];
      for (const ch of chunks) {
        const it = new BlockChunkIterator(r.chunk(ch));
        while (it.next()) vs.push(it.atV());
      }
      series.set(labels.find((l) => l.name === '__aggr__')!.value, vs);
    }
    await r.close();
    assert.deepEqual([...series.keys()].sort(), ['count', 'counter', 'last', 'max', 'min', 'sum']);
    assert.deepEqual(series.get('count'), Array(12).fill(5));
    // Windows of this block start at minute 60; the value at minute k is 10(k+1) up to minute 99
    // (1000), then 3 at minute 100 and 10 more a minute. The counter aggregate keeps every
    // window's last sample and both sides of the reset.
    assert.deepEqual(series.get('counter'), [650, 700, 750, 800, 850, 900, 950, 1000, 3, 43, 93, 143, 193]);    await db.close();
  } finally {
    cleanup();
  }
});

test('coarse-step reads of a function the aggregates keep come from downsampled blocks while raw blocks exist; others read raw', async () => {
  const { dir, cleanup } = tempDataDir();
  try {
    const now = T0 + 40 * 24 * HOUR;
    const db = await openDb(dir, {
      blockDurationMs: HOUR,
      compaction: false,
      now: () => now,
      downsample: [
        { resolution: 5 * 60_000, afterMs: 2 * 24 * HOUR, retentionMs: 0 },
        { resolution: HOUR, afterMs: 14 * 24 * HOUR, retentionMs: 0 },
      ],
    });
    const batch = [];
    for (let k = 0; k < 360; k++) batch.push({ s: 1, t: T0 + k * 60_000, v: (k * 37) % 101 });
    await appendBatch(db, null, batch);
    await db.maintain();
    const read = (hints: { step: number; func?: string; range: number }) => {
      const q = db.querier('t', T0, T0 + 5 * HOUR - 1, hints);
      try {
        const [s] = [...q.select([new Matcher('=', 's', '1')])];
        const it = s!.iterator();
        const out: [number, number][] = [];
        while (it.next()) out.push([it.atT(), it.atV()]);
        return out;
      } finally {
        q.close();
      }
    };
    // max_over_time over 5h at a 5h step: the 1h copies' max aggregate, one sample per hour.
    const hourly = read({ step: 5 * HOUR, func: 'max_over_time', range: 5 * HOUR });
    assert.equal(hourly.length, 5);
    for (let h = 0; h < 5; h++) {
      let max = -Infinity;
      for (let k = h * 60; k < h * 60 + 60; k++) max = Math.max(max, (k * 37) % 101);
      assert.deepEqual(hourly[h], [T0 + h * HOUR + 59 * 60_000, max]);
    }
    // A 30-minute step and range may use the 5m copies (a fifth of both is 6 minutes).
    assert.equal(read({ step: 30 * 60_000, func: 'min_over_time', range: 30 * 60_000 }).length, 60);
    // A fine step, a short range, or a function the aggregates do not keep: raw samples.
    assert.equal(read({ step: 15_000, func: 'max_over_time', range: 5 * HOUR }).length, 300);
    assert.equal(read({ step: 5 * HOUR, func: 'rate', range: 5 * 60_000 }).length, 300);
    assert.equal(read({ step: 5 * HOUR, func: 'avg_over_time', range: 5 * HOUR }).length, 300);
    assert.equal(read({ step: 5 * HOUR, func: 'count_over_time', range: 5 * HOUR }).length, 300);
    assert.equal(read({ step: HOUR, range: 0 }).length, 300);
    await db.close();
  } finally {
    cleanup();
  }
});
