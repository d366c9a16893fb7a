// kill -9 at each step of the engine's background block work (failpoints make the process kill
// itself there): after a restart every acknowledged sample is read back exactly once, no
// unfinished directory is left or counted, and blocks never overlap.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { exportLines, freePort, postJson, removeDir, startChildNode, tempDir, type ChildNode } from './node-harness.js';

const HOUR = 3_600_000;
const SERIES = 10;

interface Pushed {
  readonly byKey: Map<string, Map<number, number>>;
}

/** Pushes 8 hours of one-minute samples for SERIES series, oldest first; all must be acked. */
async function push8h(url: string): Promise<Pushed> {
  const now = Date.now();
  const start = now - 8 * HOUR - (now % 60_000);
  const byKey = new Map<string, Map<number, number>>();
  let metrics: object[] = [];
  const flush = async () => {
    const r = await postJson(`${url}/metrics`, { metrics });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    metrics = [];
  };
  for (let t = start; t <= now - 60_000; t += 60_000) {
    for (let s = 0; s < SERIES; s++) {
      const v = Math.round((t - start) / 60_000) * 10 + s;
      metrics.push({ name: 'crash_probe', value: v, timestamp: t, tags: { s: String(s) } });
      const k = String(s);
      if (!byKey.has(k)) byKey.set(k, new Map());
      byKey.get(k)!.set(t, v);
    }
    if (metrics.length >= 900) await flush();
  }
  if (metrics.length > 0) await flush();
  return { byKey };
}

async function assertExactly(url: string, want: Pushed, from = -Infinity): Promise<void> {
  const lines = await exportLines(url, 'crash_probe');
  let checked = 0;
  for (const [k, byT] of want.byKey) {
    const line = lines.find((l) => l.metric['s'] === k);
    const wantTs = [...byT.keys()].filter((t) => t >= from).sort((a, b) => a - b);
    const got = line === undefined ? [] : line.timestamps.filter((t) => t >= from);
    assert.deepEqual(got, wantTs, `series s=${k}: timestamps differ`);
    const gotVs = line === undefined ? [] : line.values.filter((_, i) => line.timestamps[i]! >= from);
    assert.deepEqual(gotVs, wantTs.map((t) => byT.get(t)));
    checked += wantTs.length;
  }
  assert.ok(checked > 1000, `only ${checked} samples checked`);
}

/** Block metas on disk; asserts no unfinished directory is left and no two blocks overlap. */
function assertBlocksClean(dir: string): { minTime: number; maxTime: number }[] {
  const names = readdirSync(join(dir, 'blocks'));
  assert.deepEqual(names.filter((n) => n.endsWith('.tmp')), [], 'unfinished block directories are left');
  const metas = names
    .filter((n) => /^[0-9A-Z]{26}$/.test(n))
    .map((n) => JSON.parse(readFileSync(join(dir, 'blocks', n, 'meta.json'), 'utf8')) as { minTime: number; maxTime: number })
    .sort((a, b) => a.minTime - b.minTime);
  for (let i = 1; i < metas.length; i++) {
    assert.ok(metas[i]!.minTime >= metas[i - 1]!.maxTime, `blocks overlap: ${JSON.stringify(metas)}`);
  }
  return metas;
}

function exited(c: ChildNode, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      // A node left running would keep this test file (and the whole suite) from finishing.
      c.child.kill('SIGKILL');
      reject(new Error(`node did not reach the failpoint in ${timeoutMs} ms: ${c.output()}`));
    }, timeoutMs);
    c.child.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve(String(signal ?? code));
    });
  });
}

async function stop(c: ChildNode): Promise<void> {
  c.child.kill('SIGTERM');
  await new Promise((r) => c.child.once('exit', r));
}

async function waitFor(what: string, c: ChildNode, re: RegExp, timeoutMs = 30_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!re.test(c.output())) {
    if (Date.now() > until) throw new Error(`no ${what} within ${timeoutMs} ms: ${c.output()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const BASE = ['--rate-limit', '0', '--block-duration', '1h', '--log-level', 'info'];
// Retention caps compacted blocks at a tenth of it (3h here), so the 8 hours of data always end
// up in several blocks, wherever the aligned compaction windows fall at this time of day.
const FLAGS = [...BASE, '--retention', '30h'];

for (const point of ['block-before-rename', 'cut-before-checkpoint', 'checkpoint-before-truncate', 'compaction-before-delete']) {
  test(`kill -9 at ${point}: every acknowledged sample is read back once, no stray directory`, async () => {
    const dir = tempDir();
    try {
      const port = await freePort();
      const a = await startChildNode(dir, port, FLAGS, { METRICSTREAM_FAILPOINT: point });
      const pushed = await push8h(a.url);
      // The background work runs every 5 s and reaches the failpoint.
      assert.equal(await exited(a, 40_000), 'SIGKILL');
      const left = readdirSync(join(dir, 'blocks')).filter((n) => n.endsWith('.tmp'));
      const b = await startChildNode(dir, port, FLAGS);
      try {
        await assertExactly(b.url, pushed);
        // The next background run finishes the work, and the data is still exactly there.
        await waitFor('compaction', b, /compacted blocks/);
        await assertExactly(b.url, pushed);
      } finally {
        // A graceful stop waits for background work, so the directory is at rest afterwards.
        await stop(b);
      }
      const names = readdirSync(join(dir, 'blocks'));
      for (const n of left) assert.ok(!names.includes(n), `${n}, left by the crash, is still there`);
      const metas = assertBlocksClean(dir);
      assert.ok(metas.length >= 2, JSON.stringify(metas));
      const c = await startChildNode(dir, port, FLAGS);
      try {
        await assertExactly(c.url, pushed);
      } finally {
        await stop(c);
      }
    } finally {
      removeDir(dir);
    }
  });
}

test('kill -9 while retention deletes blocks: exactly the blocks wholly past retention are gone', async () => {
  const dir = tempDir();
  try {
    const port = await freePort();
    const a = await startChildNode(dir, port, FLAGS);
    const pushed = await push8h(a.url);
    await waitFor('compaction', a, /compacted blocks/);
    await stop(a);
    const before = assertBlocksClean(dir);
    const earliest = Date.now() - 4 * HOUR;
    const b = await startChildNode(dir, port, [...BASE, '--retention', '4h'], { METRICSTREAM_FAILPOINT: 'delete-before-remove' });
    assert.equal(await exited(b, 40_000), 'SIGKILL');
    const latest = Date.now() - 4 * HOUR;
    const left = readdirSync(join(dir, 'blocks')).filter((n) => n.endsWith('.tmp'));
    assert.ok(left.length > 0, 'the crash left no .deleting.tmp directory: the failpoint was not where the test thinks');
    const c = await startChildNode(dir, port, [...BASE, '--retention', '4h']);
    try {
      const names = readdirSync(join(dir, 'blocks'));
      for (const n of left) assert.ok(!names.includes(n), `${n}, left by the crash, is still there`);
      const after = assertBlocksClean(dir);
      // Blocks wholly older than the limit are gone, every other block is still there (the
      // limit is now - 4h at some moment between `earliest` and `latest`).
      const has = (m: { minTime: number }) => after.some((x) => x.minTime === m.minTime);
      for (const m of before) {
        if (m.maxTime <= earliest) assert.ok(!has(m), `block ${JSON.stringify(m)} is past retention but still there`);
        if (m.maxTime > latest) assert.ok(has(m), `block ${JSON.stringify(m)} is inside retention but was deleted`);
      }
      assert.ok(after.length < before.length, 'retention deleted nothing');
      const kept = Math.min(...after.map((m) => m.minTime));
      await assertExactly(c.url, pushed, kept);
      const lines = await exportLines(c.url, 'crash_probe');
      assert.ok(lines.every((l) => l.timestamps.every((t) => t >= kept)), 'samples of deleted blocks are still served');
    } finally {
      await stop(c);
    }
  } finally {
    removeDir(dir);
  }
});
