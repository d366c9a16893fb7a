// The WAL on real files: group commit order, torn and corrupt tails, rotation, fsync policies.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { appendFile, cp, mkdtemp, readdir, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { StorageClosedError } from '../../storage/index.js';
import { RECORD_HEADER_BYTES } from './record.js';
import type { ReplayProgress } from './replay.js';
import { SEGMENT_HEADER_BYTES, segmentName } from './segment.js';
import { Wal, type WalOptions } from './wal.js';
import { WalWriteError } from './wal-error.js';

const root = await mkdtemp(join(tmpdir(), 'metricstream-wal-'));
after(() => rm(root, { recursive: true, force: true }));
let dirs = 0;
const newDir = (): string => join(root, `d${dirs++}`);

interface Rec {
  type: number;
  payload: Buffer;
}

/** Deterministic records of varied types and sizes (0..maxBytes). */
function makeRecords(n: number, maxBytes = 300, seed = 1): Rec[] {
  const out: Rec[] = [];
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    const len = x % (maxBytes + 1);
    const payload = Buffer.alloc(len);
    for (let j = 0; j < len; j++) payload[j] = (i * 31 + j * 7 + seed) & 0xff;
    out.push({ type: 1 + (i % 3), payload });
  }
  return out;
}

async function replayDir(dir: string, opts: Partial<WalOptions> = {}) {
  const wal = await Wal.open(dir, { fsync: 'never', ...opts });
  const records: Rec[] = [];
  const progress: ReplayProgress[] = [];
  const result = await wal.replay(
    (type, payload) => records.push({ type, payload: Buffer.from(payload) }),
    (p) => progress.push(p),
  );
  return { wal, records, result, progress };
}

async function segmentFiles(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((n) => /^\d{8}$/.test(n)).sort();
}

async function writeAll(dir: string, recs: Rec[], opts: Partial<WalOptions> = {}): Promise<Wal> {
  const wal = await Wal.open(dir, { fsync: 'never', ...opts });
  await Promise.all(recs.map((r) => wal.log(r.type, r.payload)));
  return wal;
}

test('concurrent log() calls are written in call order, in few writes', async () => {
  const dir = newDir();
  const recs = makeRecords(10_000);
  const wal = await Wal.open(dir, { fsync: 'interval' });
  const promises: Promise<void>[] = [];
  for (const r of recs) promises.push(wal.log(r.type, r.payload));
  assert.ok(wal.pendingBytes > 0);
  await Promise.all(promises);
  assert.equal(wal.pendingBytes, 0);
  assert.equal(wal.stats.records, 10_000);
  assert.ok(wal.stats.writes < 100, `${wal.stats.writes} writes for 10,000 records`);
  await wal.close();

  const { wal: again, records, result } = await replayDir(dir);
  assert.equal(result.truncated, null);
  assert.equal(result.records, recs.length);
  assert.deepEqual(records, recs);
  await again.close();
});

test('records logged across awaits and after a reopen keep their order', async () => {
  const dir = newDir();
  const recs = makeRecords(300, 100_000, 7); // some above the shared-block size
  let wal = await Wal.open(dir, { fsync: 'interval' });
  for (const r of recs.slice(0, 100)) await wal.log(r.type, r.payload);
  await Promise.all(recs.slice(100, 200).map((r) => wal.log(r.type, r.payload)));
  await wal.close();
  const second = await replayDir(dir);
  wal = second.wal;
  assert.equal(second.records.length, 200);
  await Promise.all(recs.slice(200).map((r) => wal.log(r.type, r.payload)));
  await wal.close();
  const third = await replayDir(dir);
  assert.deepEqual(third.records, recs);
  assert.deepEqual(await segmentFiles(dir), ['00000000', '00000001', '00000002']);
  await third.wal.close();
});

test('a resolved log() is in the file: another instance replays it while the first is open', async () => {
  const dir = newDir();
  const recs = makeRecords(50);
  const writer = await Wal.open(dir, { fsync: 'never' });
  await Promise.all(recs.map((r) => writer.log(r.type, r.payload)));
  const reader = await replayDir(dir);
  assert.deepEqual(reader.records, recs);
  assert.equal(reader.result.truncated, null);
  await reader.wal.close();
  await writer.close();
});

test('an empty directory needs no replay; a non-empty one does', async () => {
  const dir = newDir();
  const wal = await Wal.open(dir, { fsync: 'never' });
  await wal.log(1, Buffer.from('a'));
  assert.deepEqual(await wal.replay(() => assert.fail('nothing to replay')), { records: 0, truncated: null });
  await assert.rejects(wal.replay(() => {}), /already replayed/);
  await wal.close();
  await assert.rejects(wal.log(1, Buffer.from('b')), StorageClosedError);

  const reopened = await Wal.open(dir, { fsync: 'never' });
  await assert.rejects(reopened.log(1, Buffer.from('b')), /call replay\(\) before log\(\)/);
  await reopened.replay(() => {});
  await assert.rejects(reopened.log(0, Buffer.from('b')), RangeError);
  await reopened.log(1, Buffer.from('b'));
  await reopened.close();
});

test('torn tail: every cut inside the last record is truncated away, and the WAL goes on', async () => {
  const pristine = newDir();
  const recs = makeRecords(20, 120, 3);
  recs.push({ type: 2, payload: Buffer.alloc(60, 0xab) });
  await (await writeAll(pristine, recs)).close();
  const size = (await stat(join(pristine, '00000000'))).size;
  const lastStart = size - (RECORD_HEADER_BYTES + 60);

  for (let cut = lastStart; cut < size; cut++) {
    const dir = newDir();
    await cp(pristine, dir, { recursive: true });
    await truncate(join(dir, '00000000'), cut);
    const r = await replayDir(dir);
    assert.deepEqual(r.records, recs.slice(0, -1), `cut at ${cut}`);
    assert.equal(r.result.records, recs.length - 1);
    if (cut === lastStart) {
      assert.equal(r.result.truncated, null); // a clean end between records
    } else {
      assert.equal(r.result.truncated?.segment, 0);
      assert.equal(r.result.truncated?.offset, lastStart);
      assert.deepEqual(r.result.truncated?.deletedSegments, []);
    }
    assert.equal((await stat(join(dir, '00000000'))).size, lastStart);
    await r.wal.log(3, Buffer.from('after'));
    await r.wal.close();
    const again = await replayDir(dir);
    assert.equal(again.result.truncated, null);
    assert.deepEqual(again.records, [...recs.slice(0, -1), { type: 3, payload: Buffer.from('after') }]);
    await again.wal.close();
    await rm(dir, { recursive: true });
  }
});

test('a flipped byte anywhere in the last record truncates it', async () => {
  const pristine = newDir();
  const recs = makeRecords(10, 50, 5);
  recs.push({ type: 1, payload: Buffer.from('the last record') });
  await (await writeAll(pristine, recs)).close();
  const file = join(pristine, '00000000');
  const bytes = await readFile(file);
  const lastStart = bytes.length - (RECORD_HEADER_BYTES + 15);
  for (let at = lastStart; at < bytes.length; at++) {
    for (const mask of [0x01, 0x80, 0xff]) {
      const dir = newDir();
      await cp(pristine, dir, { recursive: true });
      const bad = Buffer.from(bytes);
      bad[at]! ^= mask;
      await writeFile(join(dir, '00000000'), bad);
      const r = await replayDir(dir);
      assert.deepEqual(r.records, recs.slice(0, -1), `byte ${at} ^ ${mask}`);
      assert.equal(r.result.truncated?.offset, lastStart);
      assert.equal((await stat(join(dir, '00000000'))).size, lastStart);
      await r.wal.close();
      await rm(dir, { recursive: true });
    }
  }
});

test('a zero-filled tail and a cut segment header are torn writes too', async () => {
  const dir = newDir();
  const recs = makeRecords(5);
  await (await writeAll(dir, recs)).close();
  const size = (await stat(join(dir, '00000000'))).size;
  await appendFile(join(dir, '00000000'), Buffer.alloc(4096));
  let r = await replayDir(dir);
  assert.deepEqual(r.records, recs);
  assert.match(r.result.truncated?.reason ?? '', /zero bytes/);
  assert.equal((await stat(join(dir, '00000000'))).size, size);
  await r.wal.close();

  // Segment 1 (made by that replay) now holds a part of its header only.
  await writeFile(join(dir, '00000001'), Buffer.from('MSW'));
  r = await replayDir(dir);
  assert.deepEqual(r.records, recs);
  assert.deepEqual(r.result.truncated, {
    segment: 1,
    offset: 0,
    reason: 'segment header is incomplete',
    deletedSegments: [1],
  });
  await r.wal.log(1, Buffer.from('x'));
  await r.wal.close();
  assert.deepEqual(await segmentFiles(dir), ['00000000', '00000001']);
});

test('a corrupt record in a middle segment: later segments are deleted and reported', async () => {
  const dir = newDir();
  const recs = makeRecords(200, 80, 9);
  await (await writeAll(dir, recs, { segmentBytes: 1024 })).close();
  const files = await segmentFiles(dir);
  assert.ok(files.length >= 6, `${files.length} segments`);
  const before = await replayDir(dir);
  await before.wal.close();
  // Count the records of segments 0 and 1 to know which record gets damaged.
  let n = 0;
  for (const name of ['00000000', '00000001']) {
    const b = await readFile(join(dir, name));
    for (let off = SEGMENT_HEADER_BYTES; off < b.length; off += RECORD_HEADER_BYTES + b.readUInt32LE(off + 1)) n++;
  }
  const seg2 = join(dir, '00000002');
  const b2 = await readFile(seg2);
  const secondRecord = SEGMENT_HEADER_BYTES + RECORD_HEADER_BYTES + b2.readUInt32LE(SEGMENT_HEADER_BYTES + 1);
  b2[secondRecord + 4]! ^= 0x10; // the length's high byte: far past the end
  await writeFile(seg2, b2);

  const segCount = (await segmentFiles(dir)).length;
  const r = await replayDir(dir);
  assert.deepEqual(r.records, recs.slice(0, n + 1));
  assert.equal(r.result.truncated?.segment, 2);
  assert.equal(r.result.truncated?.offset, secondRecord);
  assert.deepEqual(
    r.result.truncated?.deletedSegments,
    Array.from({ length: segCount - 3 }, (_, i) => i + 3),
  );
  await r.wal.log(1, Buffer.from('new'));
  await r.wal.close();
  assert.deepEqual(await segmentFiles(dir), ['00000000', '00000001', '00000002', '00000003']);
  const again = await replayDir(dir);
  assert.equal(again.result.truncated, null);
  assert.deepEqual(again.records, [...recs.slice(0, n + 1), { type: 1, payload: Buffer.from('new') }]);
  await again.wal.close();
});

test('a missing segment ends the WAL before it', async () => {
  const dir = newDir();
  const recs = makeRecords(100, 80, 11);
  await (await writeAll(dir, recs, { segmentBytes: 1024 })).close();
  const files = await segmentFiles(dir);
  await rm(join(dir, files[2]!));
  const r = await replayDir(dir);
  assert.match(r.result.truncated?.reason ?? '', /segment 00000002 is missing/);
  assert.equal(r.result.truncated?.segment, 1);
  assert.deepEqual(r.result.truncated?.deletedSegments, files.slice(3).map(Number));
  await r.wal.close();
  assert.deepEqual(await segmentFiles(dir), ['00000000', '00000001', '00000002']);
});

test('a foreign file is refused and left alone', async () => {
  const dir = newDir();
  await Wal.open(dir, { fsync: 'never' }).then((w) => w.close());
  await writeFile(join(dir, '00000001'), 'hello, world');
  const wal = await Wal.open(dir, { fsync: 'never' });
  await assert.rejects(wal.replay(() => {}), /not a MetricStream WAL segment/);
  await wal.close();
  assert.equal(await readFile(join(dir, '00000001'), 'utf8'), 'hello, world');
});

test('segments rotate between records; replay reports increasing progress', async () => {
  const dir = newDir();
  const recs = makeRecords(2000, 60, 13);
  recs.splice(1000, 0, { type: 2, payload: Buffer.alloc(3000, 1) }); // larger than a segment
  const wal = await writeAll(dir, recs, { segmentBytes: 1000 });
  await wal.close();
  const files = await segmentFiles(dir);
  assert.equal(wal.stats.segments, files.length);
  assert.deepEqual(files, files.map((_, i) => segmentName(i)));
  let oversized = 0;
  for (const f of files) {
    const size = (await stat(join(dir, f))).size;
    if (size > 1000) oversized++;
  }
  assert.equal(oversized, 1, 'only the segment of the one oversized record passes the limit');

  const r = await replayDir(dir);
  assert.deepEqual(r.records, recs);
  assert.ok(r.progress.length >= files.length);
  for (let i = 1; i < r.progress.length; i++) {
    const [a, b] = [r.progress[i - 1]!, r.progress[i]!];
    assert.ok(b.segment >= a.segment && b.bytes >= a.bytes && b.records >= a.records);
  }
  const last = r.progress[r.progress.length - 1]!;
  assert.equal(last.segments, files.length);
  assert.equal(last.segment, files.length);
  assert.equal(last.bytes, last.totalBytes);
  assert.equal(last.records, recs.length);
  await r.wal.close();
});

test("fsync 'always' syncs every write, 'never' never, 'interval' on its timer", async () => {
  const always = await Wal.open(newDir(), { fsync: 'always' });
  const f0 = always.stats.fsyncs;
  const w0 = always.stats.writes;
  for (let i = 0; i < 5; i++) await always.log(1, Buffer.from(`r${i}`));
  await Promise.all(makeRecords(500).map((r) => always.log(r.type, r.payload)));
  assert.equal(always.stats.fsyncs - f0, always.stats.writes - w0);
  assert.ok(always.stats.writes - w0 >= 6);
  await always.close();

  const never = await Wal.open(newDir(), { fsync: 'never', segmentBytes: 256 });
  await Promise.all(makeRecords(500).map((r) => never.log(r.type, r.payload)));
  await never.close();
  assert.ok(never.stats.segments > 1);
  assert.equal(never.stats.fsyncs, 0);

  const interval = await Wal.open(newDir(), { fsync: 'interval', fsyncIntervalMs: 20 });
  await sleep(60); // the new segment's header
  const i0 = interval.stats.fsyncs;
  await interval.log(1, Buffer.from('x'));
  assert.equal(interval.stats.fsyncs, i0, 'no fsync before acknowledging');
  for (let waited = 0; interval.stats.fsyncs === i0 && waited < 5000; waited += 10) await sleep(10);
  assert.equal(interval.stats.fsyncs, i0 + 1, 'one fsync on the timer');
  await sleep(60);
  assert.equal(interval.stats.fsyncs, i0 + 1, 'nothing new written, no fsync');
  await interval.sync();
  await interval.close();
});

test('a failed write rejects its records and every later one', async () => {
  const dir = newDir();
  const logged: string[] = [];
  const wal = await Wal.open(dir, { fsync: 'never', segmentBytes: 100, log: (m) => logged.push(m) });
  await wal.log(1, Buffer.alloc(50));
  // Segment 1 exists already, so the rotation cannot create it.
  await writeFile(join(dir, '00000001'), 'in the way');
  await assert.rejects(
    wal.log(1, Buffer.alloc(50)),
    (e: unknown) => e instanceof WalWriteError && /start of segment 00000001 failed \(EEXIST/.test(e.message),
  );
  await assert.rejects(wal.log(1, Buffer.alloc(1)), WalWriteError);
  await assert.rejects(wal.sync(), WalWriteError);
  await wal.close();
  assert.equal(logged.length, 1);
});
