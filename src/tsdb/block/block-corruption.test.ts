import assert from 'node:assert/strict';
import { readFile, rename, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { labelsFromRecord } from '../../storage/index.js';
import { BlockCorruptionError } from './block-error.js';
import { BlockReader } from './block-reader.js';
import { writeBlock } from './block-writer.js';
import { withTempDir } from './block-test-fixtures.js';

function sampleSeries() {
  const out = [];
  for (let i = 0; i < 16; i++) {
    const data = new Uint8Array(i === 3 ? 700 : 20 + i).map((_, j) => (i * 31 + j) & 0xff);
    data[0] = 1;
    out.push({
      labels: labelsFromRecord({ __name__: `m${i % 3}`, host: `h${i}`, zone: i % 2 ? 'ä' : 'b' }),
      chunks: [
        { minT: 1000 * i, maxT: 1000 * i + 500, numSamples: 120, data },
        { minT: 1000 * i + 600, maxT: 1000 * i + 900, numSamples: 7, data: data.subarray(0, 9) },
      ],
    });
  }
  return out;
}

// Opens the block and reads everything; returns the error, or undefined when all reads succeed.
async function readAll(dir: string): Promise<unknown> {
  let b: BlockReader | undefined;
  try {
    b = await BlockReader.open(dir);
    for (let id = 0; id < b.numSeries; id++) for (const c of b.series(id).chunks) b.chunk(c);
    return undefined;
  } catch (err) {
    return err;
  } finally {
    await b?.close();
  }
}

function assertCorrupt(err: unknown, what: string, file: string): void {
  assert.ok(err instanceof BlockCorruptionError, `${what}: expected BlockCorruptionError, got ${String(err)}`);
  assert.equal(err.code, 'block_corrupt');
  assert.ok(err.message.includes(file), `${what}: message names the file: ${err.message}`);
}

test('a flipped byte anywhere in index fails open', async () => {
  await withTempDir(async (root) => {
    const meta = await writeBlock(root, { tenant: 't', minTime: 0, maxTime: 100_000 }, sampleSeries());
    const dir = join(root, meta.ulid);
    const file = join(dir, 'index');
    const orig = await readFile(file);
    for (let i = 0; i < orig.length; i++) {
      for (const mask of [0x01, 0xff]) {
        const bad = Buffer.from(orig);
        bad[i]! ^= mask;
        await writeFile(file, bad);
        let err: unknown;
        try {
          await (await BlockReader.open(dir)).close();
        } catch (e) {
          err = e;
        }
        assertCorrupt(err, `index byte ${i} ^ ${mask}`, file);
        assert.match((err as Error).message, /byte \d+/);
      }
    }
    for (let n = 0; n < orig.length; n += 7) {
      await writeFile(file, orig.subarray(0, n));
      assertCorrupt(await readAll(dir), `index truncated to ${n}`, file);
    }
    await writeFile(file, orig);
    assert.equal(await readAll(dir), undefined);
  });
});

test('a flipped byte anywhere in chunks fails open or chunk()', async () => {
  await withTempDir(async (root) => {
    const meta = await writeBlock(root, { tenant: 't', minTime: 0, maxTime: 100_000 }, sampleSeries());
    const dir = join(root, meta.ulid);
    const file = join(dir, 'chunks');
    const orig = await readFile(file);
    for (let i = 0; i < orig.length; i++) {
      const bad = Buffer.from(orig);
      bad[i]! ^= i % 2 ? 0xff : 0x10;
      await writeFile(file, bad);
      assertCorrupt(await readAll(dir), `chunks byte ${i}`, file);
    }
    for (let n = 0; n < orig.length; n += 13) {
      await writeFile(file, orig.subarray(0, n));
      assertCorrupt(await readAll(dir), `chunks truncated to ${n}`, file);
    }
    await writeFile(file, orig);
    assert.equal(await readAll(dir), undefined);
  });
});

test('meta.json that disagrees with the index or is malformed fails open', async () => {
  await withTempDir(async (root) => {
    const meta = await writeBlock(root, { tenant: 'acme', minTime: 0, maxTime: 100_000 }, sampleSeries());
    const dir = join(root, meta.ulid);
    const file = join(dir, 'meta.json');
    const orig = await readFile(file, 'utf8');
    for (const bad of [
      orig.replace('"acme"', '"other"'),
      orig.replace('"maxTime": 100000', '"maxTime": 100001'),
      orig.replace(`"ulid": "${meta.ulid}"`, '"ulid": "01AAAAAAAAAAAAAAAAAAAAAAAA"'),
      orig.replace('"version": 1', '"version": 2'),
      orig.slice(0, orig.length / 2),
    ]) {
      await writeFile(file, bad);
      assertCorrupt(await readAll(dir), 'meta.json', file);
    }
    await truncate(file, 0);
    assertCorrupt(await readAll(dir), 'empty meta.json', file);
  });
});

test('a block missing one of its files fails open', async () => {
  await withTempDir(async (root) => {
    const meta = await writeBlock(root, { tenant: 't', minTime: 0, maxTime: 100_000 }, sampleSeries());
    const dir = join(root, meta.ulid);
    for (const name of ['meta.json', 'index', 'chunks']) {
      await rename(join(dir, name), join(root, name));
      assertCorrupt(await readAll(dir), `missing ${name}`, join(dir, name));
      await rename(join(root, name), join(dir, name));
    }
    assert.equal(await readAll(dir), undefined);
  });
});
