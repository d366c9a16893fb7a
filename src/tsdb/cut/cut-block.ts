// The engine's side of cutting a block from the head: gathers the head chunks of one tenant's
// series that overlap [minTime, maxTime), a batch at a time with event-loop turns in between, and
// hands them to a worker thread that encodes and writes the block.
import { Worker } from 'node:worker_threads';
import type { BlockMeta } from '../block/index.js';
import type { Head } from '../head.js';
import type { CutJob, CutResult, CutSeriesBatch } from './cut-message.js';

/** Series per message to the worker: bounds the main thread's time between event-loop turns. */
const BATCH_SERIES = 2000;
/** Samples per block chunk at most. */
const CHUNK_SAMPLES = 4096;

const WORKER_URL = new URL('./block-cut-worker.js', import.meta.url);

/**
 * Writes the samples a tenant's head holds in [minTime, maxTime) as a block under `blocksDir`.
 * Resolves with the block's meta, or null when the head has no sample in the range. The caller
 * must keep appends below `maxTime` out of the tenant while this runs (head chunks in the range
 * must not change).
 */
export async function cutBlock(head: Head, tenant: string, minTime: number, maxTime: number, blocksDir: string): Promise<BlockMeta | null> {
  const th = head.existingTenant(tenant);
  if (th === undefined) return null;
  const refs = th.postings.all.slice();
  const job: CutJob = { blocksDir, tenant, minTime, maxTime, chunkSamples: CHUNK_SAMPLES };
  const worker = new Worker(WORKER_URL, { workerData: job });
  const result = new Promise<CutResult>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`block-cut worker exited with code ${code}`)));
  });
  // A failure while batches are still being sent must not be an unhandled rejection.
  result.catch(() => {});
  try {
    for (let from = 0; from < refs.length; from += BATCH_SERIES) {
      const batch = packBatch(head, refs, from, Math.min(refs.length, from + BATCH_SERIES), minTime, maxTime);
      if (batch !== null) worker.postMessage(batch, [batch.data.buffer as ArrayBuffer, batch.ends.buffer as ArrayBuffer, batch.perSeries.buffer as ArrayBuffer]);
      await new Promise<void>((r) => setImmediate(r));
    }
    worker.postMessage({ type: 'finish' });
    const r = await result;
    if (r.type === 'error') throw new Error(r.message);
    return r.meta;
  } finally {
    await worker.terminate();
  }
}

function packBatch(head: Head, refs: readonly number[], from: number, to: number, minTime: number, maxTime: number): CutSeriesBatch | null {
  const labels: string[][] = [];
  const chunks: Uint8Array[] = [];
  const perSeries: number[] = [];
  let bytes = 0;
  for (let i = from; i < to; i++) {
    const s = head.byRefOf(refs[i]!);
    if (s === undefined || s.lastT < minTime || s.firstT >= maxTime) continue;
    let n = 0;
    for (let c = 0; c < s.chunks.length; c++) {
      if (s.chunkMaxT[c]! < minTime || s.chunkMinT[c]! >= maxTime) continue;
      chunks.push(s.chunks[c]!);
      bytes += s.chunks[c]!.length;
      n++;
    }
    const h = s.head;
    if (h !== null && h.count > 0 && h.maxT >= minTime && h.minT < maxTime) {
      const b = h.bytes();
      chunks.push(b);
      bytes += b.length;
      n++;
    }
    if (n === 0) continue;
    const flat: string[] = [];
    for (const l of s.labels) flat.push(l.name, l.value);
    labels.push(flat);
    perSeries.push(n);
  }
  if (labels.length === 0) return null;
  const data = new Uint8Array(bytes);
  const ends = new Uint32Array(chunks.length);
  let pos = 0;
  for (let c = 0; c < chunks.length; c++) {
    data.set(chunks[c]!, pos);
    pos += chunks[c]!.length;
    ends[c] = pos;
  }
  return { type: 'series', labels: JSON.stringify(labels), data, ends, perSeries: Uint32Array.from(perSeries) };
}
