import assert from 'node:assert/strict';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { StorageError, labelsFromRecord } from '../../storage/index.js';
import { isBlockId, newBlockId } from './block-id.js';
import { BlockCorruptionError } from './block-error.js';
import { BlockReader, listBlocks } from './block-reader.js';
import { removeTmpBlocks, writeBlock } from './block-writer.js';
import { withTempDir } from './block-test-fixtures.js';

const one = (rec: Record<string, string>, minT = 0) => ({
  labels: labelsFromRecord(rec),
  chunks: [{ minT, maxT: minT + 10, numSamples: 2, data: Uint8Array.of(1, 0, 2) }],
});

test('a left-over .tmp directory is removed by removeTmpBlocks and never opened', async () => {
  await withTempDir(async (root) => {
    const meta = await writeBlock(root, { tenant: 't', minTime: 0, maxTime: 100 }, [one({ a: 'x' })]);
    const tmpName = newBlockId() + '.tmp';
    const tmp = join(root, tmpName);
    await mkdir(tmp);
    await writeFile(join(tmp, 'chunks'), 'partial');
    // Even a complete-looking copy of a block under a .tmp name is not a block.
    await writeFile(join(tmp, 'meta.json'), JSON.stringify({ ...meta, ulid: tmpName }));
    await assert.rejects(BlockReader.open(tmp), BlockCorruptionError);
    await mkdir(join(root, 'not-a-block'));
    assert.deepEqual(await listBlocks(root), [meta.ulid]);
    assert.deepEqual(await removeTmpBlocks(root), [tmpName]);
    assert.deepEqual((await readdir(root)).sort(), [meta.ulid, 'not-a-block']);
    assert.deepEqual((await readdir(join(root, meta.ulid))).sort(), ['chunks', 'index', 'meta.json']);
    assert.deepEqual(await removeTmpBlocks(join(root, 'missing')), []);
  });
});

test('a failed write leaves nothing behind', async () => {
  await withTempDir(async (root) => {
    const opts = { tenant: 't', minTime: 0, maxTime: 100 };
    // Same series once the empty label is dropped.
    await assert.rejects(writeBlock(root, opts, [one({ a: 'x' }), one({ a: 'x', b: '' })]), RangeError);
    await assert.rejects(writeBlock(root, opts, [one({ a: 'x' }, 95)]), /outside the block range/);
    await assert.rejects(writeBlock(root, opts, [one({ a: '\uD800' })]), StorageError);
    assert.deepEqual(await readdir(root), []);
  });
});

test('tenants live in separate blocks and meta records lineage', async () => {
  await withTempDir(async (root) => {
    const a = await writeBlock(root, { tenant: 'a', minTime: 0, maxTime: 100 }, [one({ __name__: 'up', job: 'a' })]);
    const b = await writeBlock(root, { tenant: 'b', minTime: 0, maxTime: 100, level: 2, sources: ['S1', 'S2'] }, [one({ __name__: 'up', job: 'b' })]);
    assert.ok(isBlockId(a.ulid) && isBlockId(b.ulid) && a.ulid !== b.ulid);
    assert.deepEqual(a.compaction, { level: 1, sources: [a.ulid] });
    assert.deepEqual(b.compaction, { level: 2, sources: ['S1', 'S2'] });
    const rb = await BlockReader.open(join(root, b.ulid));
    assert.equal(rb.meta.tenant, 'b');
    assert.deepEqual(rb.labelValues('job'), ['b']);
    await rb.close();
  });
});
