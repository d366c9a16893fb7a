// The engine's side of writing a block from head chunks: gathers the head chunks of one tenant's
// series that overlap [minTime, maxTime) (or chunks built from backfilled samples), a batch at a
// time with event-loop turns in between, and hands them to a worker thread that encodes and
// writes the block.
import type { Labels } from '../../storage/index.js';
import type { BlockMeta } from '../block/index.js';
import { XorAppender } from '../chunk/xor-chunk.js';
import type { Head } from '../head.js';
import { SAMPLES_PER_CHUNK } from '../mem-series.js';
import { runWorkerJob } from '../worker-job.js';
import type { CutJob, CutSeriesBatch } from './cut-message.js';

/** Series per message to the worker: bounds the main thread's time between event-loop turns. */
const BATCH_SERIES = 2000;
/** Samples per block chunk at most. */
export const CHUNK_SAMPLES = 4096;

const WORKER_URL = new URL('./block-cut-worker.js', import.meta.url);

/** One series and its head chunks, as the worker takes them. */
export interface ChunkedSeries {
  readonly labels: Labels;
  readonly chunks: readonly Uint8Array[];
}

/**
 * Runs the block-cut worker on the series `batches` yields (null: nothing in this batch) and
 * resolves with the block's meta, or null when no sample fell in the job's range.
 */
export function writeBlockInWorker(job: CutJob, batches: Iterable<CutSeriesBatch | null>): Promise<BlockMeta | null> {
  return runWorkerJob(WORKER_URL, job, 'block-cut', async (worker) => {
    for (const batch of batches) {
      if (batch !== null) {
        worker.postMessage(batch, [batch.data.buffer as ArrayBuffer, batch.ends.buffer as ArrayBuffer, batch.perSeries.buffer as ArrayBuffer]);
      }
      await new Promise<void>((r) => setImmediate(r));
    }
    worker.postMessage({ type: 'finish' });
  });
}

/**
 * Writes the samples a tenant's head holds in [minTime, maxTime) as a block under `blocksDir`.
 * The caller must keep appends below `maxTime` out of the tenant while this runs (head chunks in
 * the range must not change).
 */
export function cutBlock(head: Head, tenant: string, minTime: number, maxTime: number, blocksDir: string): Promise<BlockMeta | null> {
  const th = head.existingTenant(tenant);
  if (th === undefined) return Promise.resolve(null);
  const refs = th.postings.all.slice();
  const job: CutJob = { blocksDir, tenant, minTime, maxTime, chunkSamples: CHUNK_SAMPLES, fromHead: true };
  return writeBlockInWorker(job, headBatches(head, refs, minTime, maxTime));
}

function* headBatches(head: Head, refs: readonly number[], minTime: number, maxTime: number): Generator<CutSeriesBatch | null> {
  for (let from = 0; from < refs.length; from += BATCH_SERIES) {
    const series: ChunkedSeries[] = [];
    for (let i = from; i < Math.min(refs.length, from + BATCH_SERIES); i++) {
      const s = head.byRefOf(refs[i]!);
      if (s === undefined || s.lastT < minTime || s.firstT >= maxTime) continue;
      const chunks: Uint8Array[] = [];
      for (let c = 0; c < s.chunks.length; c++) {
        if (s.chunkMaxT[c]! >= minTime && s.chunkMinT[c]! < maxTime) chunks.push(s.chunks[c]!);
      }
      if (s.openCount > 0 && s.openMaxT >= minTime && s.openMinT < maxTime) chunks.push(s.openBytes());
      if (s.ooo !== null) {
        // Late samples go last: the worker sorts and lets the later chunk win a timestamp.
        const late = s.ooo.slice(minTime, maxTime - 1);
        for (let from = 0; from < late.ts.length; from += SAMPLES_PER_CHUNK) {
          const app = new XorAppender();
          for (let i = from; i < Math.min(late.ts.length, from + SAMPLES_PER_CHUNK); i++) app.append(late.ts[i]!, late.vs[i]!);
          chunks.push(app.bytes());
        }
      }
      if (chunks.length > 0) series.push({ labels: s.labels, chunks });
    }
    yield packBatch(series);
  }
}

/** Packs series into one transferable message; null when there are none. */
export function packBatch(series: readonly ChunkedSeries[]): CutSeriesBatch | null {
  if (series.length === 0) return null;
  const labels: string[][] = [];
  const perSeries = new Uint32Array(series.length);
  let bytes = 0;
  let nChunks = 0;
  for (let i = 0; i < series.length; i++) {
    const s = series[i]!;
    const flat: string[] = [];
    for (const l of s.labels) flat.push(l.name, l.value);
    labels.push(flat);
    perSeries[i] = s.chunks.length;
    nChunks += s.chunks.length;
    for (const c of s.chunks) bytes += c.length;
  }
  const data = new Uint8Array(bytes);
  const ends = new Uint32Array(nChunks);
  let pos = 0;
  let k = 0;
  for (const s of series) {
    for (const c of s.chunks) {
      data.set(c, pos);
      pos += c.length;
      ends[k++] = pos;
    }
  }
  return { type: 'series', labels: JSON.stringify(labels), data, ends, perSeries };
}

/** Splits series into message-sized batches. */
export function* seriesBatches(series: readonly ChunkedSeries[]): Generator<CutSeriesBatch | null> {
  for (let from = 0; from < series.length; from += BATCH_SERIES) yield packBatch(series.slice(from, from + BATCH_SERIES));
}
