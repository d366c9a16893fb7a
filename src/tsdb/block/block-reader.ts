// The read side of one block: meta.json, the index (symbols and postings offsets decoded at
// open, the rest on demand) and the chunks file (read chunk by chunk).
import { readFile, readdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { Labels, Matcher } from '../../storage/index.js';
import { BlockCorruptionError } from './block-error.js';
import { isBlockId } from './block-id.js';
import { decodeMeta, type BlockMeta } from './block-meta.js';
import { ChunksReader } from './chunks-reader.js';
import { CHUNKS_FILE, INDEX_FILE, META_FILE, TMP_SUFFIX } from './format.js';
import { IndexReader } from './index-reader.js';
import type { ChunkMeta } from './index-writer.js';
import { postingsForMatchers } from './postings-ops.js';
import { addInterval, readTombstones, writeTombstones, type Tombstones } from './tombstones.js';

/** An open, immutable block. Methods other than open/close are synchronous. */
export class BlockReader {
  readonly meta: BlockMeta;
  readonly dir: string;
  /** Bytes of the block's files (chunks and index). */
  readonly bytes: number;
  /** Deleted time ranges per series id (admin API), applied when compaction rewrites the block. */
  readonly tombstones: Tombstones;
  private readonly index: IndexReader;
  private readonly chunks: ChunksReader;

  private constructor(dir: string, meta: BlockMeta, index: IndexReader, chunks: ChunksReader, bytes: number, tombstones: Tombstones) {
    this.tombstones = tombstones;
    this.dir = dir;
    this.meta = meta;
    this.index = index;
    this.chunks = chunks;
    this.bytes = bytes;
  }

  /**
   * Opens the block in `dir`, checking magic, version and every index section's CRC, and that
   * meta.json agrees with the index; throws BlockCorruptionError when anything is off.
   */
  static async open(dir: string): Promise<BlockReader> {
    const name = basename(dir);
    if (name.endsWith(TMP_SUFFIX)) {
      throw new BlockCorruptionError(`${dir}: is an unfinished block (a ${TMP_SUFFIX} directory), not a block`);
    }
    const metaFile = join(dir, META_FILE);
    const meta = decodeMeta((await readBlockFile(metaFile)).toString('utf8'), metaFile);
    if (meta.ulid !== name) throw new BlockCorruptionError(`${metaFile}: ulid ${JSON.stringify(meta.ulid)} does not match the directory name ${JSON.stringify(name)}`);
    const indexFile = join(dir, INDEX_FILE);
    const indexBytes = await readBlockFile(indexFile);
    const index = new IndexReader(indexBytes, indexFile);
    const info = index.info;
    if (info.tenant !== meta.tenant || info.minTime !== meta.minTime || info.maxTime !== meta.maxTime || index.numSeries !== meta.stats.numSeries) {
      throw new BlockCorruptionError(
        `${metaFile}: does not match the index (tenant ${JSON.stringify(meta.tenant)} vs ${JSON.stringify(info.tenant)}, ` +
          `range [${meta.minTime}, ${meta.maxTime}) vs [${info.minTime}, ${info.maxTime}), ${meta.stats.numSeries} vs ${index.numSeries} series)`,
      );
    }
    const chunks = await ChunksReader.open(join(dir, CHUNKS_FILE), index.chunksFileSize);
    let tombstones: Tombstones;
    try {
      tombstones = await readTombstones(dir);
    } catch (err) {
      await chunks.close();
      throw err;
    }
    return new BlockReader(dir, meta, index, chunks, chunks.size + indexBytes.length, tombstones);
  }

  /** Number of series; ids run from 0 to numSeries - 1 in label order. */
  get numSeries(): number {
    return this.index.numSeries;
  }

  /** Ids of the series with label name=value, ascending. */
  postings(name: string, value: string): Uint32Array {
    return this.index.postings(name, value);
  }

  /** Ids of the series matching all matchers (Prometheus semantics), ascending. */
  postingsForMatchers(matchers: readonly Matcher[]): Uint32Array {
    return postingsForMatchers(this.index, matchers);
  }

  /** Labels and chunk metas of one series. */
  series(id: number): { labels: Labels; chunks: ChunkMeta[] } {
    return this.index.seriesAt(id);
  }

  /** The bytes of one chunk (starting with its encoding byte); CRC-checked. */
  chunk(meta: ChunkMeta): Uint8Array {
    return this.chunks.read(meta.ref);
  }

  /** Label names in the block, sorted. */
  labelNames(): string[] {
    return this.index.labelNames();
  }

  /** Values of one label in the block, sorted. */
  labelValues(name: string): string[] {
    return this.index.labelValuesOf(name).slice();
  }

  /**
   * Marks [mint, maxt] of the series matching `matchers` as deleted (durably, in
   * tombstones.json); returns how many series were hit.
   */
  async deleteSeries(matchers: readonly Matcher[], mint: number, maxt: number): Promise<number> {
    if (maxt < this.meta.minTime || mint >= this.meta.maxTime) return 0;
    const ids = this.postingsForMatchers(matchers);
    if (ids.length === 0) return 0;
    for (const id of ids) addInterval(this.tombstones, id, mint, maxt);
    await writeTombstones(this.dir, this.tombstones);
    return ids.length;
  }

  async close(): Promise<void> {
    await this.chunks.close();
  }
}

/**
 * Ids of the finished blocks under `blocksDir` (directories named by a block id; `*.tmp` and
 * anything else skipped), oldest first; none when the directory does not exist.
 */
export async function listBlocks(blocksDir: string): Promise<string[]> {
  try {
    const entries = await readdir(blocksDir, { withFileTypes: true });
    return entries.filter((e) => e.isDirectory() && isBlockId(e.name)).map((e) => e.name).sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

// A missing file makes the directory a damaged block, not an I/O failure of the caller's.
async function readBlockFile(file: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new BlockCorruptionError(`${file}: file is missing`);
    throw err;
  }
}
