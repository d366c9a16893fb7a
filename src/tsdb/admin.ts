// The admin operations of Prometheus's TSDB API: delete series (tombstones in blocks, rewritten
// away by compaction; samples removed from the head, with a WAL record so a restart repeats it)
// and snapshots (hard links of every block, plus the head written as a block).
import { randomBytes } from 'node:crypto';
import { link, mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Matcher } from '../storage/index.js';
import type { BlockSet } from './block-set.js';
import { cutBlock } from './cut/cut-block.js';
import type { Head } from './head.js';
import { headSeriesMatching } from './head-querier.js';
import { encodeTombstones, RECORD_TOMBSTONES, type RefTombstone, type Wal } from './wal/index.js';

/**
 * Deletes the samples in [mint, maxt] of every series matching `matchers`, in blocks and head.
 * Returns the series hit in blocks and in the head.
 */
export async function deleteSeries(
  head: Head,
  blocks: BlockSet,
  wal: Wal,
  tenant: string,
  matchers: readonly Matcher[],
  mint: number,
  maxt: number,
): Promise<{ blockSeries: number; headSeries: number }> {
  let blockSeries = 0;
  for (const e of [...blocks.of(tenant)]) blockSeries += await e.reader.deleteSeries(matchers, mint, maxt);
  const dels: RefTombstone[] = [];
  head.epoch++;
  for (const s of headSeriesMatching(head, tenant, matchers)) {
    if (s.deleteRange(mint, maxt, head.decoded) > 0) dels.push({ ref: s.ref, mint, maxt });
  }
  if (dels.length > 0) await wal.log(RECORD_TOMBSTONES, encodeTombstones(dels));
  return { blockSeries, headSeries: dels.length };
}

/** `20171210T211224Z-2be650b6d019eb54`, as Prometheus names snapshots. */
function snapshotName(now: Date): string {
  const iso = now.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z');
  return `${iso}-${randomBytes(8).toString('hex')}`;
}

/**
 * Writes a snapshot under `<dataDir>/snapshots/<name>`: every block hard-linked (blocks are
 * immutable), and unless `skipHead` the head of every tenant as one more block. Returns the name.
 */
export async function snapshot(dataDir: string, head: Head, blocks: BlockSet, skipHead: boolean): Promise<string> {
  const name = snapshotName(new Date());
  const dir = join(dataDir, 'snapshots', name);
  await mkdir(dir, { recursive: true });
  for (const e of blocks.all()) {
    const to = join(dir, e.meta.ulid);
    await mkdir(to);
    for (const f of await readdir(e.reader.dir)) await link(join(e.reader.dir, f), join(to, f));
  }
  if (!skipHead) {
    for (const tenant of [...head.tenantNames()]) {
      const th = head.existingTenant(tenant)!;
      const from = Math.max(th.minT, th.readMinT);
      if (!Number.isFinite(from) || !Number.isFinite(th.maxT)) continue;
      await cutBlock(head, tenant, from, th.maxT + 1, dir);
    }
  }
  return name;
}
