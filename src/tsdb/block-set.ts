// The engine's open blocks, per tenant and in time order, with reference counts so that a block
// deleted by retention or replaced by compaction is closed only after the last read of it ends.
import { rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { BlockCorruptionError, BlockReader, listBlocks, removeTmpBlocks, type BlockMeta } from './block/index.js';
import { failpoint } from './failpoint.js';
import { syncDir } from './wal/index.js';

/** Suffix a damaged block's directory is renamed to: kept for inspection, never read again. */
export const QUARANTINE_SUFFIX = '.corrupt';
/** Suffix of a block being deleted: `removeTmpBlocks` finishes the job after a crash. */
const DELETING_SUFFIX = '.deleting.tmp';

export class BlockEntry {
  readonly reader: BlockReader;
  refs = 0;
  gone = false;
  constructor(reader: BlockReader) {
    this.reader = reader;
  }
  get meta(): BlockMeta {
    return this.reader.meta;
  }
}

export interface BlockSetLogger {
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export class BlockSet {
  readonly dir: string;
  private readonly log: BlockSetLogger;
  private readonly byTenant = new Map<string, BlockEntry[]>();

  private constructor(dir: string, log: BlockSetLogger) {
    this.dir = dir;
    this.log = log;
  }

  /**
   * Opens every block under `dir` after removing unfinished ones; a block that fails its checks
   * is quarantined (renamed to `<id>.corrupt`, logged) and the rest are served.
   */
  static async load(dir: string, log: BlockSetLogger): Promise<BlockSet> {
    const set = new BlockSet(dir, log);
    const removed = await removeTmpBlocks(dir);
    if (removed.length > 0) log.warn({ removed }, 'removed unfinished blocks left by an interrupted write, compaction or deletion');
    for (const id of await listBlocks(dir)) {
      try {
        set.add(await BlockReader.open(join(dir, id)));
      } catch (err) {
        if (!(err instanceof BlockCorruptionError)) throw err;
        await set.quarantineDir(id, err);
      }
    }
    // A crash between writing a compacted block and deleting its sources leaves both: the
    // sources are the blocks whose level-1 sources the compacted block covers entirely.
    const all = set.all();
    const res = (e: BlockEntry) => e.meta.downsample?.resolution ?? 0;
    const superseded = all.filter((s) =>
      all.some(
        (b) =>
          b !== s &&
          res(b) === res(s) &&
          b.meta.compaction.level > s.meta.compaction.level &&
          s.meta.compaction.sources.every((id) => b.meta.compaction.sources.includes(id)),
      ),
    );
    if (superseded.length > 0) {
      log.warn({ blocks: superseded.map((e) => e.meta.ulid) }, 'deleting blocks already merged into a compacted block (a compaction was interrupted)');
      await set.delete(superseded);
    }
    return set;
  }

  /**
   * Called with a block's start time when a block added or taken out changes what reads see
   * (not for blocks that only move samples: head cuts and merges).
   */
  onChange: ((minT: number) => void) | null = null;

  /** Adds an opened block; `moved`: its samples are served already (cut from the head, or merged from blocks in the set). */
  add(reader: BlockReader, moved = false): BlockEntry {
    const e = new BlockEntry(reader);
    const t = reader.meta.tenant;
    let list = this.byTenant.get(t);
    if (list === undefined) this.byTenant.set(t, (list = []));
    list.push(e);
    list.sort((a, b) => a.meta.minTime - b.meta.minTime || a.meta.maxTime - b.meta.maxTime || (a.meta.ulid < b.meta.ulid ? -1 : 1));
    if (!moved) this.onChange?.(reader.meta.minTime);
    return e;
  }

  /** Blocks of a tenant, oldest first. */
  of(tenant: string): readonly BlockEntry[] {
    return this.byTenant.get(tenant) ?? [];
  }

  tenants(): IterableIterator<string> {
    return this.byTenant.keys();
  }

  all(): BlockEntry[] {
    const out: BlockEntry[] = [];
    for (const l of this.byTenant.values()) out.push(...l);
    return out;
  }

  /** Raw (not downsampled) blocks of a tenant, oldest first. */
  raw(tenant: string): BlockEntry[] {
    return this.of(tenant).filter((e) => e.meta.downsample === undefined);
  }

  /**
   * Blocks of a tenant overlapping [mint, maxt], oldest first, each held until `release`. With
   * `maxResolution` > 0, downsampled copies of up to that resolution (coarsest first) stand in for
   * the raw blocks they were made from — only where a copy holds every source block of a raw
   * block, so data imported or compacted in after downsampling is never left out: a copy that
   * overlaps a raw block it does not stand in for is not used. Then raw blocks, and coarser
   * copies (finest first) only where nothing else overlaps: data past raw retention is still
   * read, at its coarser resolution.
   */
  acquire(tenant: string, mint: number, maxt: number, maxResolution = 0): BlockEntry[] {
    const within = this.of(tenant).filter((e) => e.meta.minTime <= maxt && e.meta.maxTime > mint);
    const res = (e: BlockEntry) => e.meta.downsample?.resolution ?? 0;
    const overlap = (a: BlockEntry, b: BlockEntry) => a.meta.minTime < b.meta.maxTime && a.meta.maxTime > b.meta.minTime;
    const raw = within.filter((e) => res(e) === 0);
    const copies = within.filter((e) => res(e) > 0).sort((a, b) => res(a) - res(b));
    let chosen: BlockEntry[] = [];
    if (maxResolution > 0) {
      // Coarsest first, and of one resolution the widest first (a copy of a compacted block
      // stands for more sources than the copies of its parts).
      const span = (e: BlockEntry) => e.meta.maxTime - e.meta.minTime;
      const usable = copies.filter((e) => res(e) <= maxResolution).sort((a, b) => res(b) - res(a) || span(b) - span(a));
      for (const d of usable) if (!chosen.some((c) => overlap(c, d))) chosen.push(d);
    }
    // Drop copies next to raw data they do not stand for, until what is left is consistent.
    let kept: BlockEntry[] = raw;
    for (;;) {
      const stood = new Set<string>();
      for (const c of chosen) for (const id of c.meta.compaction.sources) stood.add(id);
      kept = raw.filter((r) => !r.meta.compaction.sources.every((id) => stood.has(id)));
      const next = chosen.filter((c) => !kept.some((r) => overlap(r, c)));
      if (next.length === chosen.length) break;
      chosen = next;
    }
    const out = [...chosen, ...kept];
    for (const d of copies) if (!out.some((e) => overlap(e, d))) out.push(d);
    out.sort((a, b) => a.meta.minTime - b.meta.minTime);
    for (const e of out) e.refs++;
    return out;
  }

  release(entries: readonly BlockEntry[]): void {
    for (const e of entries) {
      e.refs--;
      if (e.gone && e.refs === 0) void e.reader.close();
    }
  }

  /** The end of the newest block holding data cut from the head: where a tenant's head starts. */
  headStart(tenant: string): number {
    let t = -Infinity;
    for (const e of this.of(tenant)) if (e.meta.compaction.fromHead && e.meta.maxTime > t) t = e.meta.maxTime;
    return t;
  }

  /**
   * Takes blocks out of the set and deletes their directories (renamed first, so a crash leaves
   * either the block or a `.tmp` directory that the next start removes).
   */
  async delete(entries: readonly BlockEntry[], moved = false): Promise<void> {
    for (const e of entries) this.detach(e, moved);
    for (const e of entries) await rename(e.reader.dir, e.reader.dir + DELETING_SUFFIX);
    if (entries.length > 0) await syncDir(this.dir);
    failpoint('delete-before-remove');
    for (const e of entries) await rm(e.reader.dir + DELETING_SUFFIX, { recursive: true, force: true });
  }

  /** Takes a damaged block out of the set and renames its directory to `<id>.corrupt`. */
  async quarantine(e: BlockEntry, err: Error): Promise<void> {
    if (e.gone) return;
    this.detach(e);
    await this.quarantineDir(e.meta.ulid, err);
  }

  async closeAll(): Promise<void> {
    for (const e of this.all()) {
      e.gone = true;
      await e.reader.close();
    }
    this.byTenant.clear();
  }

  private detach(e: BlockEntry, moved = false): void {
    const list = this.byTenant.get(e.meta.tenant);
    const i = list?.indexOf(e) ?? -1;
    if (list !== undefined && i >= 0) list.splice(i, 1);
    e.gone = true;
    if (!moved) this.onChange?.(e.meta.minTime);
    if (e.refs === 0) void e.reader.close();
  }

  private async quarantineDir(id: string, err: Error): Promise<void> {
    const from = join(this.dir, id);
    const to = from + QUARANTINE_SUFFIX;
    this.log.error({ block: id, err: err.message, movedTo: to }, 'block is damaged: quarantined, the other blocks are still served');
    await rm(to, { recursive: true, force: true });
    await rename(from, to);
  }
}
