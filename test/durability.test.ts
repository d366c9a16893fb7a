// Crash safety with the real binary as a child process: kill -9 mid-stream loses no acknowledged
// sample; a torn WAL tail is cut back to the last good record; the lock keeps a second node out;
// SIGTERM drains and flushes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { appendFileSync, readdirSync, statSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, exportLines, freePort, postJson, removeDir, startChildNode, tempDir } from './node-harness.js';

interface Acked {
  readonly series: string;
  readonly t: number;
  readonly v: number;
}

/** Sends batches from `senders` concurrent loops until stopped; returns what was acknowledged. */
/** Samples acknowledged so far by the running senders. */
const progress = { acked: 0 };

function sendUntil(url: string, senders: number, stop: { done: boolean }): Promise<Acked[]> {
  const acked: Acked[] = [];
  progress.acked = 0;
  const base = Date.now() - 120_000;
  const loops = Array.from({ length: senders }, async (_, s) => {
    for (let seq = 0; !stop.done; seq++) {
      const t = base + seq;
      const metrics = Array.from({ length: 20 }, (_, k) => ({ name: 'durable', value: seq * 100 + k, timestamp: t, tags: { sender: String(s), k: String(k) } }));
      try {
        const r = await postJson(`${url}/metrics`, { metrics });
        if (r.status !== 200) throw new Error(`unexpected ${r.status}: ${JSON.stringify(r.json)}`);
        for (const m of metrics) acked.push({ series: `${s}/${m.tags.k}`, t, v: m.value });
        progress.acked = acked.length;
      } catch (e) {
        if (stop.done || /fetch failed|ECONNRESET|socket/i.test(String((e as Error).message) + String((e as Error).cause))) return;
        throw e;
      }
    }
  });
  return Promise.all(loops).then(() => acked);
}

async function stored(url: string): Promise<Map<string, Map<number, number>>> {
  const out = new Map<string, Map<number, number>>();
  for (const l of await exportLines(url, 'durable')) {
    const m = new Map<number, number>();
    l.timestamps.forEach((t, i) => m.set(t, l.values[i] as number));
    out.set(`${l.metric.sender}/${l.metric.k}`, m);
  }
  return out;
}

function assertAllStored(acked: Acked[], have: Map<string, Map<number, number>>): void {
  let missing = 0;
  for (const a of acked) if (have.get(a.series)?.get(a.t) !== a.v) missing++;
  assert.equal(missing, 0, `${missing} of ${acked.length} acknowledged samples are missing`);
}

function walSegments(dir: string): string[] {
  return readdirSync(join(dir, 'wal')).filter((f) => /^\d{8}$/.test(f)).sort().map((f) => join(dir, 'wal', f));
}

for (const fsync of ['interval', 'always']) {
  test(`kill -9 mid-stream loses no acknowledged sample (--wal-fsync ${fsync})`, async () => {
    const dir = tempDir();
    try {
      const port = await freePort();
      const a = await startChildNode(dir, port, ['--rate-limit', '0', '--wal-fsync', fsync]);
      const stop = { done: false };
      const sending = sendUntil(a.url, 8, stop);
      // Kill once a good number of batches were acknowledged (time alone is not enough on a
      // loaded machine), but never later than 20 s.
      const until = Date.now() + 20_000;
      while (progress.acked < 2000 && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
      a.child.kill('SIGKILL');
      await new Promise((r) => a.child.once('exit', r));
      stop.done = true;
      const acked = await sending;
      assert.ok(acked.length > 1000, `only ${acked.length} samples were acknowledged before the kill`);

      const b = await startChildNode(dir, port, ['--rate-limit', '0']);
      try {
        assertAllStored(acked, await stored(b.url));
        assert.match(b.output(), /took over the lock of a process that no longer runs/);
        assert.match(b.output(), /WAL replay done/);
      } finally {
        b.child.kill('SIGTERM');
        await new Promise((r) => b.child.once('exit', r));
      }
    } finally {
      removeDir(dir);
    }
  });
}

test('a torn WAL tail is truncated to the last good record, logged, and not fatal', async () => {
  const dir = tempDir();
  try {
    const port = await freePort();
    const a = await startChildNode(dir, port, ['--rate-limit', '0']);
    const t = Date.now() - 60_000;
    for (let i = 0; i < 10; i++) {
      const r = await postJson(`${a.url}/metrics`, { metrics: [{ name: 'durable', value: i, timestamp: t + i, tags: { sender: 'x', k: '0' } }] });
      assert.equal(r.status, 200);
    }
    a.child.kill('SIGKILL');
    await new Promise((r) => a.child.once('exit', r));
    // Cut the last record in half, then add garbage after it, as a crash mid-write could leave it.
    const segs = walSegments(dir).filter((f) => statSync(f).size > 0);
    const last = segs[segs.length - 1]!;
    truncateSync(last, statSync(last).size - 7);
    appendFileSync(last, Buffer.from([0xde, 0xad, 0xbe, 0xef, 1, 2, 3]));

    const b = await startChildNode(dir, port, ['--rate-limit', '0']);
    try {
      const have = await stored(b.url);
      const got = have.get('x/0');
      assert.ok(got, 'series lost');
      assert.deepEqual([...got.keys()], Array.from({ length: 9 }, (_, i) => t + i), 'every record before the torn one survives');
      assert.match(b.output(), /torn or corrupt tail/);
      // The node keeps working: write more, restart cleanly, read everything back.
      assert.equal((await postJson(`${b.url}/metrics`, { metrics: [{ name: 'durable', value: 99, timestamp: t + 50, tags: { sender: 'x', k: '0' } }] })).status, 200);
    } finally {
      b.child.kill('SIGTERM');
      await new Promise((r) => b.child.once('exit', r));
    }
    const c = await startChildNode(dir, port, ['--rate-limit', '0']);
    try {
      assert.equal((await stored(c.url)).get('x/0')?.get(t + 50), 99);
    } finally {
      c.child.kill('SIGTERM');
      await new Promise((r) => c.child.once('exit', r));
    }
  } finally {
    removeDir(dir);
  }
});

test('a second node on the same data dir is refused with a clear error; SIGTERM drains and exits 0', async () => {
  const dir = tempDir();
  try {
    const port = await freePort();
    const a = await startChildNode(dir, port, ['--rate-limit', '0']);
    const second = spawnSync(process.execPath, [BIN, '--port', String(await freePort()), '--listen', '127.0.0.1', '--data-dir', dir], {
      encoding: 'utf8',
      timeout: 20_000,
    });
    assert.equal(second.status, 2);
    assert.match(second.stderr, new RegExp(`data dir .* is in use by process ${a.child.pid}`));

    // Requests in flight when SIGTERM arrives are answered, and what they stored survives.
    const t = Date.now() - 10_000;
    const inflight = Array.from({ length: 20 }, (_, i) =>
      postJson(`${a.url}/metrics`, { metrics: [{ name: 'durable', value: i, timestamp: t, tags: { sender: 'term', k: String(i) } }] }).then(
        (r) => r.status,
        () => 0,
      ),
    );
    await new Promise((r) => setTimeout(r, 5));
    a.child.kill('SIGTERM');
    const [code, statuses] = await Promise.all([new Promise((r) => a.child.once('exit', r)), Promise.all(inflight)]);
    assert.equal(code, 0);
    assert.match(a.output(), /shutdown complete/);
    const okCount = statuses.filter((s) => s === 200).length;

    const b = await startChildNode(dir, port, ['--rate-limit', '0']);
    try {
      const have = await stored(b.url);
      const term = [...have.keys()].filter((k) => k.startsWith('term/')).length;
      assert.ok(term >= okCount, `${okCount} acknowledged, ${term} stored`);
      assert.doesNotMatch(b.output(), /took over the lock/);
    } finally {
      b.child.kill('SIGTERM');
      await new Promise((r) => b.child.once('exit', r));
    }
  } finally {
    removeDir(dir);
  }
});
