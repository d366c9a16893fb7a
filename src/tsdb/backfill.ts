// Backfill: samples older than a tenant's head (imports of history) are written straight into a
// block of their own time range, like `promtool tsdb create-blocks-from`; compaction later merges
// it with any block it overlaps.
import type { BlockMeta } from './block/index.js';
import { XorAppender } from './chunk/xor-chunk.js';
import { CHUNK_SAMPLES, seriesBatches, writeBlockInWorker, type ChunkedSeries } from './cut/cut-block.js';
import type { Labels } from '../storage/index.js';
import type { PendingBatch } from './head-appender.js';
import { LabelsMap } from './labels-map.js';
import { SAMPLES_PER_CHUNK } from './mem-series.js';

/**
 * Writes the samples of `batch` with a timestamp below `before` as one block covering their time
 * range rounded out to whole block durations; returns its meta (null when there are none).
 */
export async function writeBackfillBlock(blocksDir: string, batch: PendingBatch, before: number, blockDuration: number): Promise<BlockMeta | null> {
  // Sample indexes per series, in batch order; imports need not be sorted. Keyed by labels: a
  // series a head cut dropped meanwhile and its live successor are one series here.
  const bySeries = new LabelsMap<{ labels: Labels; list: number[] }>();
  let minT = Infinity;
  let maxT = -Infinity;
  for (let i = 0; i < batch.n; i++) {
    const t = batch.ts[i]!;
    if (t >= before) continue;
    const labels = batch.series[i]!.labels;
    let e = bySeries.get(labels);
    if (e === undefined) bySeries.add((e = { labels, list: [] }));
    e.list.push(i);
    if (t < minT) minT = t;
    if (t > maxT) maxT = t;
  }
  if (minT === Infinity) return null;
  const series: ChunkedSeries[] = [];
  for (const { labels, list } of bySeries.values()) {
    // Stable by time: of samples sharing a timestamp the one written last is appended last, and
    // the block writer keeps the last of equal timestamps.
    list.sort((a, b) => batch.ts[a]! - batch.ts[b]! || a - b);
    const chunks: Uint8Array[] = [];
    let app = new XorAppender();
    for (const i of list) {
      if (app.count >= SAMPLES_PER_CHUNK) {
        chunks.push(app.bytes());
        app = new XorAppender();
      }
      app.append(batch.ts[i]!, batch.vs[i]!);
    }
    chunks.push(app.bytes());
    series.push({ labels, chunks });
  }
  const from = Math.floor(minT / blockDuration) * blockDuration;
  const to = (Math.floor(maxT / blockDuration) + 1) * blockDuration;
  return writeBlockInWorker(
    { blocksDir, tenant: batch.tenant, minTime: from, maxTime: to, chunkSamples: CHUNK_SAMPLES, fromHead: false },
    seriesBatches(series),
  );
}
