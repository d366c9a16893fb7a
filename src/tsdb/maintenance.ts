// The engine's background work, one run at a time: cut each tenant's head into blocks once it
// spans 1.5 block durations (then checkpoint the WAL and drop the segments it covers), merge
// blocks (overlapping ones first, then adjacent ones into the next window size), and delete
// blocks past retention.
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { BlockReader, type BlockMeta } from './block/index.js';
import type { BlockEntry, BlockSet } from './block-set.js';
import { writeCheckpoint } from './checkpoint.js';
import { mergeInWorker } from './compact/merge-in-worker.js';
import { compactionRanges, planCompaction } from './compact/plan.js';
import { cutBlock } from './cut/cut-block.js';
import { downsampleInWorker } from './downsample/downsample-in-worker.js';
import type { Head } from './head.js';
import { failpoint } from './failpoint.js';
import { headCheckpointRecords } from './head-checkpoint.js';
import type { Wal } from './wal/index.js';

export interface MaintenanceLogger {
  info(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface MaintenanceDeps {
  readonly head: Head;
  readonly blocks: BlockSet;
  readonly wal: Wal;
  readonly walDir: string;
  readonly sync: boolean;
  readonly logger: MaintenanceLogger;
  readonly blockDuration: number;
  /** 0 = keep forever. */
  readonly retentionMs: number;
  /** Largest size of blocks + WAL in bytes; the oldest blocks go first when over it (0 = no limit). */
  readonly retentionBytes: number;
  readonly compaction: boolean;
  /** Downsampling levels, finest first: blocks older than `after` get a copy at `resolution`; 0 retention = keep. */
  readonly downsample: readonly { readonly resolution: number; readonly afterMs: number; readonly retentionMs: number }[];
  readonly now: () => number;
  readonly isClosed: () => boolean;
}

/** Samples per block chunk written by compaction. */
const CHUNK_SAMPLES = 4096;
/** Largest compacted block without retention (Prometheus's cap). */
const MAX_BLOCK_RANGE = 31 * 86_400_000;

export class Maintenance {
  private readonly d: MaintenanceDeps;
  private readonly ranges: number[];
  /** What the runs did since start. */
  readonly stats = { blocksCut: 0, checkpoints: 0, compactions: 0, retentionDeleted: 0, downsampled: 0 };

  constructor(deps: MaintenanceDeps) {
    this.d = deps;
    const cap = deps.retentionMs > 0 ? Math.min(MAX_BLOCK_RANGE, deps.retentionMs / 10) : MAX_BLOCK_RANGE;
    this.ranges = compactionRanges(deps.blockDuration, cap);
  }

  async run(): Promise<void> {
    const d = this.d;
    let cut = false;
    for (const name of [...d.head.tenantNames()]) {
      while (!d.isClosed() && (await this.cutOnce(name))) cut = true;
    }
    if (cut && !d.isClosed()) await this.checkpoint();
    for (const tenant of d.compaction ? [...d.blocks.tenants()] : []) {
      while (!d.isClosed() && (await this.compactOnce(tenant)));
    }
    for (const tenant of [...d.blocks.tenants()]) {
      while (!d.isClosed() && (await this.downsampleOnce(tenant)));
      for (const level of d.compaction ? d.downsample : []) {
        while (!d.isClosed() && (await this.compactCopiesOnce(tenant, level)));
      }
    }
    if (!d.isClosed()) await this.applyRetention();
  }

  /**
   * Writes the next missing downsampled copy of a tenant's blocks: raw blocks older than the
   * first level's age get a copy at its resolution, copies older than the next level's age one
   * at the next resolution. A block needs none when the copies there are hold all of its source
   * blocks (a compacted block whose parts were copied before); one with data imported since
   * (a source no copy holds) gets a copy of its own, which reads prefer to the older ones.
   */
  private async downsampleOnce(tenant: string): Promise<boolean> {
    const { blocks, logger } = this.d;
    const now = this.d.now();
    let from = 0;
    for (const level of this.d.downsample) {
      const entries = blocks.of(tenant);
      const have = entries.filter((e) => (e.meta.downsample?.resolution ?? 0) === level.resolution);
      const copied = new Set<string>();
      for (const h of have) for (const id of h.meta.compaction.sources) copied.add(id);
      const src = entries.find(
        (e) =>
          (e.meta.downsample?.resolution ?? 0) === from &&
          e.meta.maxTime <= now - level.afterMs &&
          !e.meta.compaction.sources.every((id) => copied.has(id)),
      );
      if (src !== undefined) {
        const started = Date.now();
        const meta = await downsampleInWorker({ source: src.reader.dir, blocksDir: blocks.dir, resolution: level.resolution });
        if (meta === null) return false;
        blocks.add(await BlockReader.open(join(blocks.dir, meta.ulid)));
        this.stats.downsampled++;
        // Older copies whose sources the new copy holds too (copies of the parts of a block
        // compacted since) would only be skipped by reads from now on.
        const sources = new Set(meta.compaction.sources);
        const superseded = blocks
          .of(tenant)
          .filter((e) => e.meta.ulid !== meta.ulid && e.meta.downsample?.resolution === level.resolution && e.meta.compaction.sources.every((id) => sources.has(id)));
        if (superseded.length > 0) await blocks.delete(superseded);
        logger.info(
          { tenant, from: src.meta.ulid, block: meta.ulid, resolution: level.resolution, replaced: superseded.map((e) => e.meta.ulid), ms: Date.now() - started },
          'downsampled block',
        );
        return true;
      }
      from = level.resolution;
    }
    return false;
  }

  /**
   * Merges the next group of a tenant's downsampled copies of one resolution, as raw blocks are
   * merged: adjacent copies that fill an aligned window once no more copies can arrive in it
   * (its raw blocks are all past the level's age). Copies are made from whatever raw blocks
   * exist when they come of age, often before those were compacted, so without this a month
   * kept hundreds of small copies. Overlapping copies (one made for data imported later) are
   * left alone: aggregates of one window from two copies cannot be merged sample by sample.
   */
  private async compactCopiesOnce(tenant: string, level: MaintenanceDeps['downsample'][number]): Promise<boolean> {
    const { blocks } = this.d;
    const entries = blocks.of(tenant).filter((e) => e.meta.downsample?.resolution === level.resolution);
    if (entries.length < 2) return false;
    const cap = level.retentionMs > 0 ? Math.min(MAX_BLOCK_RANGE, level.retentionMs / 10) : MAX_BLOCK_RANGE;
    const group = planCompaction(
      entries.map((e) => e.meta),
      compactionRanges(this.d.blockDuration, cap),
      this.d.now() - level.afterMs,
      new Set(),
      false,
    );
    if (group === null) return false;
    await this.merge(tenant, entries, group, level.resolution);
    return true;
  }

  /**
   * Merges `group` (metas of some of `entries`) into one block, then deletes the sources; for
   * downsampled copies `resolution` is theirs.
   */
  private async merge(tenant: string, entries: readonly BlockEntry[], group: readonly BlockMeta[], resolution?: number): Promise<void> {
    const { blocks, logger } = this.d;
    const chosen = group.map((m) => entries.find((e) => e.meta.ulid === m.ulid)!);
    const started = Date.now();
    const meta = await mergeInWorker({
      blocksDir: blocks.dir,
      sources: chosen.map((e) => e.reader.dir),
      tenant,
      minTime: Math.min(...group.map((m) => m.minTime)),
      maxTime: Math.max(...group.map((m) => m.maxTime)),
      level: Math.max(...group.map((m) => m.compaction.level)) + 1,
      sourceIds: [...new Set(group.flatMap((m) => m.compaction.sources))].sort(),
      fromHead: group.some((m) => m.compaction.fromHead === true),
      chunkSamples: CHUNK_SAMPLES,
      ...(resolution !== undefined ? { resolution } : {}),
    });
    // The new block is durable before the old ones go: a crash in between leaves both, and the
    // next start deletes the blocks whose sources the new one covers.
    // Samples moved, not changed (tombstones applied were reported when made): `moved`.
    if (meta !== null) blocks.add(await BlockReader.open(join(blocks.dir, meta.ulid)), true);
    failpoint('compaction-before-delete');
    await blocks.delete(chosen, true);
    this.stats.compactions++;
    logger.info(
      { tenant, block: meta?.ulid, resolution, from: group.map((m) => m.ulid), minTime: meta?.minTime, maxTime: meta?.maxTime, ms: Date.now() - started },
      resolution === undefined ? 'compacted blocks' : 'compacted downsampled blocks',
    );
  }

  /** Cuts the oldest block range of a tenant's head if the head spans 1.5 block durations. */
  private async cutOnce(tenant: string): Promise<boolean> {
    const { head, blocks, blockDuration: bd, logger } = this.d;
    const th = head.existingTenant(tenant)!;
    const lo = Math.max(th.minT, th.minValidT);
    if (!Number.isFinite(lo) || !Number.isFinite(th.maxT) || th.maxT - lo < bd * 1.5) return false;
    const a = Math.floor(lo / bd) * bd;
    const b = a + bd;
    // From here on appends before b are refused, so the range stays as the worker reads it.
    th.minValidT = b;
    head.epoch++;
    const started = Date.now();
    const meta = await cutBlock(head, tenant, a, b, blocks.dir);
    const reader = meta === null ? null : await BlockReader.open(join(blocks.dir, meta.ulid));
    // The block becomes visible and the head stops serving the range in the same turn.
    if (reader !== null) blocks.add(reader, true);
    th.readMinT = b;
    failpoint('cut-before-checkpoint');
    const gone = [];
    for (const ref of th.postings.all) {
      const s = head.byRefOf(ref);
      if (s !== undefined && s.dropChunksBefore(b, head.decoded)) gone.push(s);
    }
    head.remove(tenant, gone);
    if (meta !== null) {
      this.stats.blocksCut++;
      logger.info(
        { tenant, block: meta.ulid, minTime: a, maxTime: b, series: meta.stats.numSeries, samples: meta.stats.numSamples, droppedSeries: gone.length, ms: Date.now() - started },
        'cut head into block',
      );
    }
    return true;
  }

  /**
   * Writes the head's state as a checkpoint and deletes the WAL segments it replaces. The state
   * is captured in one synchronous step together with the WAL cut, so that records logged later
   * all go to segments the checkpoint does not cover.
   */
  private async checkpoint(): Promise<void> {
    const { wal, walDir, sync, logger, head } = this.d;
    const k = wal.cutSegment();
    const records = headCheckpointRecords(head);
    const bytes = await writeCheckpoint(walDir, k, records, sync);
    failpoint('checkpoint-before-truncate');
    const removed = await wal.removeSegmentsBefore(k);
    this.stats.checkpoints++;
    logger.info({ index: k, bytes, removedSegments: removed.length }, 'wrote WAL checkpoint');
  }

  /** Merges the next group of a tenant's blocks, if any; the sources are deleted after. */
  private async compactOnce(tenant: string): Promise<boolean> {
    const { blocks, head } = this.d;
    const entries = blocks.raw(tenant);
    const th = head.existingTenant(tenant);
    // Blocks wholly before the head's start get no more data from it.
    let headStart = Infinity;
    if (th !== undefined) headStart = Number.isFinite(th.minValidT) ? th.minValidT : Number.isFinite(th.minT) ? th.minT : Infinity;
    const group = planCompaction(
      entries.map((e) => e.meta),
      this.ranges,
      headStart,
      new Set(entries.filter((e) => e.reader.tombstones.size > 0).map((e) => e.meta.ulid)),
    );
    if (group === null) return false;
    await this.merge(tenant, entries, group);
    return true;
  }

  /**
   * Deletes the blocks whose whole time range is older than now - retention, then, while blocks
   * and WAL together are larger than the size limit, the oldest blocks.
   */
  private async applyRetention(): Promise<void> {
    const { retentionMs, retentionBytes, blocks, logger } = this.d;
    const retentionOf = (e: BlockEntry): number => {
      const r = e.meta.downsample?.resolution;
      return r === undefined ? retentionMs : (this.d.downsample.find((l) => l.resolution === r)?.retentionMs ?? 0);
    };
    {
      const now = this.d.now();
      const old: BlockEntry[] = blocks.all().filter((e) => retentionOf(e) > 0 && e.meta.maxTime <= now - retentionOf(e));
      if (old.length > 0) {
        await blocks.delete(old);
        this.stats.retentionDeleted += old.length;
        logger.info({ blocks: old.map((e) => e.meta.ulid) }, 'deleted blocks past retention');
      }
    }
    if (retentionBytes > 0) {
      let total = (await dirBytes(this.d.walDir)) + blocks.all().reduce((n, e) => n + e.reader.bytes, 0);
      if (total <= retentionBytes) return;
      const oldestFirst = blocks.all().sort((a, b) => a.meta.maxTime - b.meta.maxTime || a.meta.minTime - b.meta.minTime);
      const drop: BlockEntry[] = [];
      for (const e of oldestFirst) {
        if (total <= retentionBytes) break;
        drop.push(e);
        total -= e.reader.bytes;
      }
      await blocks.delete(drop);
      this.stats.retentionDeleted += drop.length;
      logger.info({ blocks: drop.map((e) => e.meta.ulid), limitBytes: retentionBytes, bytesAfter: total }, 'deleted the oldest blocks to stay under the retention size');
    }
  }
}

/** Bytes of the files directly in a directory. */
async function dirBytes(dir: string): Promise<number> {
  let n = 0;
  for (const e of await readdir(dir, { withFileTypes: true })) {
    if (!e.isFile()) continue;
    try {
      n += (await stat(join(dir, e.name))).size;
    } catch {
      // Deleted meanwhile (a WAL segment after a checkpoint).
    }
  }
  return n;
}

export type { BlockMeta };
