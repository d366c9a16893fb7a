// Merges blocks of one tenant into one: series matched by labels across the sources; a series'
// chunks are copied byte for byte when they do not overlap in time, and decoded, merged (the
// later source wins a repeated timestamp) and re-encoded when they do. Runs in the compaction
// worker, also usable directly (tests).
import { compareLabels, type Labels } from '../../storage/index.js';
import { BlockReader, isDeleted, writeBlock, type BlockChunkInput, type BlockMeta, type BlockSeriesInput, type ChunkMeta } from '../block/index.js';
import { BlockChunkIterator, encodeBlockChunk } from '../chunk/block-chunk.js';

export interface MergeJob {
  readonly blocksDir: string;
  /** Source block directories, oldest first: on equal timestamps the later one wins. */
  readonly sources: readonly string[];
  readonly tenant: string;
  readonly minTime: number;
  readonly maxTime: number;
  readonly level: number;
  readonly sourceIds: readonly string[];
  readonly fromHead: boolean;
  readonly chunkSamples: number;
  /** Set when merging downsampled copies of this resolution (ms): the result is one too. */
  readonly resolution?: number;
}

interface Part {
  readonly src: number;
  readonly reader: BlockReader;
  readonly chunks: readonly ChunkMeta[];
  /** Deleted ranges of this series in this block (tombstones), if any. */
  readonly deleted: readonly [number, number][] | undefined;
}

/** Writes the merged block and returns its meta (null when the sources hold no series). */
export async function mergeBlocks(job: MergeJob): Promise<BlockMeta | null> {
  const readers: BlockReader[] = [];
  try {
    for (const dir of job.sources) readers.push(await BlockReader.open(dir));
    const out: BlockSeriesInput[] = [];
    const pos = readers.map(() => 0);
    const it = new BlockChunkIterator();
    let ts = new Float64Array(4096);
    let vs = new Float64Array(4096);
    for (;;) {
      let min: Labels | null = null;
      const heads: ({ labels: Labels; chunks: ChunkMeta[] } | null)[] = readers.map((r, i) => (pos[i]! < r.numSeries ? r.series(pos[i]!) : null));
      for (const h of heads) if (h !== null && (min === null || compareLabels(h.labels, min) < 0)) min = h.labels;
      if (min === null) break;
      const parts: Part[] = [];
      for (let i = 0; i < readers.length; i++) {
        const h = heads[i];
        if (h !== null && h !== undefined && compareLabels(h.labels, min) === 0) {
          parts.push({ src: i, reader: readers[i]!, chunks: h.chunks, deleted: readers[i]!.tombstones.get(pos[i]!) });
          pos[i]!++;
        }
      }
      const all = parts.flatMap((p) => p.chunks.map((c) => ({ c, p })));
      all.sort((x, y) => x.c.minT - y.c.minT || x.p.src - y.p.src);
      // Chunks with deleted samples are rewritten, like overlapping ones.
      let disjoint = parts.every((p) => p.deleted === undefined);
      for (let i = 1; i < all.length; i++) if (all[i]!.c.minT <= all[i - 1]!.c.maxT) disjoint = false;
      if (disjoint) {
        out.push({ labels: min, chunks: all.map(({ c, p }) => ({ minT: c.minT, maxT: c.maxT, numSamples: c.numSamples, data: p.reader.chunk(c) })) });
        continue;
      }
      // Overlapping chunks: gather (t, v, source) and keep the latest source per timestamp.
      let n = 0;
      const srcOf: number[] = [];
      for (const { c, p } of all) {
        it.reset(p.reader.chunk(c));
        while (it.next()) {
          if (p.deleted !== undefined && isDeleted(p.deleted, it.atT())) continue;
          if (n === ts.length) {
            const t2 = new Float64Array(n * 2);
            t2.set(ts);
            ts = t2;
            const v2 = new Float64Array(n * 2);
            v2.set(vs);
            vs = v2;
          }
          ts[n] = it.atT();
          vs[n] = it.atV();
          srcOf[n] = p.src;
          n++;
        }
      }
      const order = Array.from({ length: n }, (_, i) => i);
      order.sort((a, b) => ts[a]! - ts[b]! || srcOf[a]! - srcOf[b]! || a - b);
      const mt = new Float64Array(n);
      const mv = new Float64Array(n);
      let m = 0;
      for (const i of order) {
        if (m > 0 && mt[m - 1] === ts[i]) {
          mv[m - 1] = vs[i]!;
          continue;
        }
        mt[m] = ts[i]!;
        mv[m] = vs[i]!;
        m++;
      }
      if (m === 0) continue;
      const chunks: BlockChunkInput[] = [];
      for (let from = 0; from < m; from += job.chunkSamples) {
        const to = Math.min(m, from + job.chunkSamples);
        chunks.push({ minT: mt[from]!, maxT: mt[to - 1]!, numSamples: to - from, data: encodeBlockChunk(mt.subarray(from, to), mv.subarray(from, to), to - from) });
      }
      out.push({ labels: min, chunks });
    }
    if (out.length === 0) return null;
    return await writeBlock(
      job.blocksDir,
      {
        tenant: job.tenant,
        minTime: job.minTime,
        maxTime: job.maxTime,
        level: job.level,
        sources: job.sourceIds,
        fromHead: job.fromHead,
        ...(job.resolution !== undefined ? { resolution: job.resolution } : {}),
      },
      out,
    );
  } finally {
    for (const r of readers) await r.close();
  }
}
