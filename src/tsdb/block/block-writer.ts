// Writes a block atomically: every file goes into `<id>.tmp/`, is fsynced, and the directory is
// renamed to `<id>` only when complete, so a crash leaves either a whole block or garbage that
// `removeTmpBlocks` deletes at start.
import { mkdir, open, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { compareLabels, type Label, type Labels } from '../../storage/index.js';
import { ByteWriter } from '../wal/byte-writer.js';
import { failpoint } from '../failpoint.js';
import { newBlockId } from './block-id.js';
import { encodeMeta, type BlockMeta } from './block-meta.js';
import {
  CHUNKS_FILE,
  CHUNKS_MAGIC,
  CHUNKS_VERSION,
  INDEX_FILE,
  MAX_CHUNK_BYTES,
  META_FILE,
  TMP_SUFFIX,
  checksum,
} from './format.js';
import { encodeIndex, type ChunkMeta, type IndexSeries } from './index-writer.js';

/** One encoded chunk handed to the writer; `data` starts with its encoding byte. */
export interface BlockChunkInput {
  readonly minT: number;
  readonly maxT: number;
  readonly numSamples: number;
  readonly data: Uint8Array;
}

/** One series handed to the writer. Chunks are stored in the order given (callers pass them by minT). */
export interface BlockSeriesInput {
  readonly labels: Labels;
  readonly chunks: readonly BlockChunkInput[];
}

/** What the caller knows about the block; `maxTime` is exclusive. */
export interface WriteBlockOptions {
  readonly tenant: string;
  readonly minTime: number;
  readonly maxTime: number;
  /** 1 for a block cut from the head (default), higher for compaction output. */
  readonly level?: number;
  /** Ids of the level-1 blocks this block's data came from; defaults to the new block's own id. */
  readonly sources?: readonly string[];
  /** Block id; a new ULID by default. */
  readonly id?: string;
  /** The data was cut from the head (see BlockMeta.compaction.fromHead). */
  readonly fromHead?: boolean;
  /** Resolution of a downsampled block, ms. */
  readonly resolution?: number;
}

const FLUSH_BYTES = 1 << 20;

/**
 * Writes one tenant's series as a new block under `blocksDir` and returns its meta. Labels with
 * an empty value are dropped (as absent, per Prometheus); two series with the same labels after
 * that, or a chunk outside [minTime, maxTime), throw a RangeError and leave nothing behind.
 * @example await writeBlock('/data/blocks', { tenant: 'acme', minTime: 0, maxTime: 7_200_000 }, series)
 */
export async function writeBlock(
  blocksDir: string,
  opts: WriteBlockOptions,
  series: Iterable<BlockSeriesInput>,
): Promise<BlockMeta> {
  const { tenant, minTime, maxTime } = opts;
  if (!Number.isSafeInteger(minTime) || !Number.isSafeInteger(maxTime) || maxTime < minTime) {
    throw new RangeError(`block time range [${minTime}, ${maxTime}) is invalid: safe integers with minTime <= maxTime are needed`);
  }
  const sorted = prepareSeries(series, minTime, maxTime);
  const id = opts.id ?? newBlockId();
  const tmp = join(blocksDir, id + TMP_SUFFIX);
  const final = join(blocksDir, id);
  await mkdir(blocksDir, { recursive: true });
  await mkdir(tmp);
  try {
    const indexSeries: IndexSeries[] = new Array(sorted.length);
    let numChunks = 0;
    let numSamples = 0;
    const fh = await open(join(tmp, CHUNKS_FILE), 'wx');
    let fileSize = 0;
    try {
      const w = new ByteWriter(FLUSH_BYTES * 2);
      w.bytes(Buffer.from([CHUNKS_MAGIC >>> 24, (CHUNKS_MAGIC >>> 16) & 0xff, (CHUNKS_MAGIC >>> 8) & 0xff, CHUNKS_MAGIC & 0xff, CHUNKS_VERSION]));
      for (let i = 0; i < sorted.length; i++) {
        const s = sorted[i]!;
        const metas: ChunkMeta[] = new Array(s.chunks.length);
        for (let j = 0; j < s.chunks.length; j++) {
          const c = s.chunks[j]!;
          metas[j] = { minT: c.minT, maxT: c.maxT, numSamples: c.numSamples, ref: fileSize + w.pos };
          w.uvarint(c.data.length);
          w.bytes(c.data);
          const crc = checksum(c.data);
          w.u8(crc >>> 24);
          w.u8((crc >>> 16) & 0xff);
          w.u8((crc >>> 8) & 0xff);
          w.u8(crc & 0xff);
          numChunks++;
          numSamples += c.numSamples;
        }
        indexSeries[i] = { labels: s.labels, chunks: metas };
        if (w.pos >= FLUSH_BYTES) {
          fileSize += await writeAll(fh, w.finish());
          w.reset();
        }
      }
      fileSize += await writeAll(fh, w.finish());
      await fh.sync();
    } finally {
      await fh.close();
    }

    await writeFileSynced(join(tmp, INDEX_FILE), encodeIndex({ tenant, minTime, maxTime }, indexSeries, fileSize));
    const meta: BlockMeta = {
      ulid: id,
      minTime,
      maxTime,
      stats: { numSeries: sorted.length, numChunks, numSamples },
      compaction: { level: opts.level ?? 1, sources: opts.sources ? [...opts.sources] : [id], ...(opts.fromHead ? { fromHead: true } : {}) },
      tenant,
      ...(opts.resolution !== undefined ? { downsample: { resolution: opts.resolution } } : {}),
      version: 1,
    };
    await writeFileSynced(join(tmp, META_FILE), [Buffer.from(encodeMeta(meta), 'utf8')]);
    await syncDir(tmp);
    failpoint('block-before-rename');
    await rename(tmp, final);
    await syncDir(blocksDir);
    return meta;
  } catch (err) {
    await rm(tmp, { recursive: true, force: true }).catch(() => {});
    throw err;
  }
}

/**
 * Removes `*.tmp` directories under `blocksDir`: blocks whose write never finished. Call at start,
 * before anything lists blocks. Returns the names removed.
 */
export async function removeTmpBlocks(blocksDir: string): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(blocksDir, { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const removed: string[] = [];
  for (const e of entries) {
    if (e.isDirectory() && e.name.endsWith(TMP_SUFFIX)) {
      await rm(join(blocksDir, e.name), { recursive: true, force: true });
      removed.push(e.name);
    }
  }
  if (removed.length > 0) await syncDir(blocksDir);
  return removed;
}

interface PreparedSeries {
  readonly labels: Labels;
  readonly chunks: readonly BlockChunkInput[];
}

// Copies labels (sorted, empty values dropped), checks chunks, sorts series, rejects duplicates.
function prepareSeries(series: Iterable<BlockSeriesInput>, minTime: number, maxTime: number): PreparedSeries[] {
  const out: PreparedSeries[] = [];
  for (const s of series) {
    const labels: Label[] = [];
    for (const l of s.labels) if (l.value !== '') labels.push({ name: l.name, value: l.value });
    labels.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (let i = 1; i < labels.length; i++) {
      if (labels[i]!.name === labels[i - 1]!.name) {
        throw new RangeError(`series has label ${JSON.stringify(labels[i]!.name)} twice`);
      }
    }
    for (const c of s.chunks) {
      if (!Number.isSafeInteger(c.minT) || !Number.isSafeInteger(c.maxT) || c.minT > c.maxT) {
        throw new RangeError(`chunk time range [${c.minT}, ${c.maxT}] is invalid: safe integers with minT <= maxT are needed`);
      }
      if (c.minT < minTime || c.maxT >= maxTime) {
        throw new RangeError(`chunk [${c.minT}, ${c.maxT}] is outside the block range [${minTime}, ${maxTime})`);
      }
      if (!Number.isSafeInteger(c.numSamples) || c.numSamples < 0) {
        throw new RangeError(`chunk sample count ${c.numSamples} is invalid: a non-negative integer is needed`);
      }
      if (c.data.length > MAX_CHUNK_BYTES) {
        throw new RangeError(`chunk is ${c.data.length} bytes, the limit is ${MAX_CHUNK_BYTES}`);
      }
    }
    out.push({ labels, chunks: s.chunks });
  }
  out.sort((a, b) => compareLabels(a.labels, b.labels));
  for (let i = 1; i < out.length; i++) {
    if (compareLabels(out[i - 1]!.labels, out[i]!.labels) === 0) {
      throw new RangeError(`series ${formatLabels(out[i]!.labels)} is given twice`);
    }
  }
  return out;
}

function formatLabels(labels: Labels): string {
  return '{' + labels.map((l) => `${l.name}=${JSON.stringify(l.value)}`).join(', ') + '}';
}

type Handle = Awaited<ReturnType<typeof open>>;

async function writeAll(fh: Handle, b: Uint8Array): Promise<number> {
  let off = 0;
  while (off < b.length) {
    const { bytesWritten } = await fh.write(b, off, b.length - off);
    off += bytesWritten;
  }
  return b.length;
}

async function writeFileSynced(path: string, parts: readonly Uint8Array[]): Promise<void> {
  const fh = await open(path, 'wx');
  try {
    for (const p of parts) await writeAll(fh, p);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

// fsync of a directory makes the names in it (new files, a rename) durable.
async function syncDir(path: string): Promise<void> {
  const fh = await open(path, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}
