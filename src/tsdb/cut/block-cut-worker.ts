// Worker thread that turns head chunks into a block: decodes each series' head chunks, keeps the
// samples of the block range (the last write wins for a repeated timestamp), re-encodes them with
// the block chunk encoding and writes the block. It runs off the main thread because encoding and
// writing a block of many series takes seconds of CPU, which must not stall ingest or queries.
import { parentPort, workerData } from 'node:worker_threads';
import type { Label } from '../../storage/index.js';
import { writeBlock, type BlockChunkInput, type BlockSeriesInput } from '../block/index.js';
import { encodeBlockChunk } from '../chunk/block-chunk.js';
import { HeadChunkIterator } from '../chunk/head-chunk.js';
import type { CutJob, CutRequest, CutResult } from './cut-message.js';

const job = workerData as CutJob;
const port = parentPort!;
const series: BlockSeriesInput[] = [];
let ts = new Float64Array(4096);
let vs = new Float64Array(4096);
const it = new HeadChunkIterator();

function addBatch(m: Extract<CutRequest, { type: 'series' }>): void {
  const labels = JSON.parse(m.labels) as string[][];
  let chunk = 0;
  let start = 0;
  for (let s = 0; s < labels.length; s++) {
    let n = 0;
    let sorted = true;
    const nChunks = m.perSeries[s]!;
    for (let c = 0; c < nChunks; c++, chunk++) {
      const end = m.ends[chunk]!;
      it.reset(m.data.subarray(start, end));
      start = end;
      while (it.next()) {
        const t = it.atT();
        if (t < job.minTime || t >= job.maxTime) continue;
        if (n === ts.length) grow();
        if (n > 0 && t < ts[n - 1]!) sorted = false;
        ts[n] = t;
        vs[n] = it.atV();
        n++;
      }
    }
    // Chunks come in write order; a repeated timestamp keeps the value written last.
    n = sorted ? dedupeSorted(n) : sortDedupe(n);
    if (n === 0) continue;
    const chunks: BlockChunkInput[] = [];
    for (let from = 0; from < n; from += job.chunkSamples) {
      const to = Math.min(n, from + job.chunkSamples);
      chunks.push({
        minT: ts[from]!,
        maxT: ts[to - 1]!,
        numSamples: to - from,
        data: encodeBlockChunk(ts.subarray(from, to), vs.subarray(from, to), to - from),
      });
    }
    const flat = labels[s]!;
    const ls: Label[] = [];
    for (let i = 0; i + 1 < flat.length; i += 2) ls.push({ name: flat[i]!, value: flat[i + 1]! });
    series.push({ labels: ls, chunks });
  }
}

/** Collapses runs of equal timestamps in sorted [0, n) to their last value; returns the new n. */
function dedupeSorted(n: number): number {
  let m = 0;
  for (let i = 0; i < n; i++) {
    if (m > 0 && ts[m - 1] === ts[i]) vs[m - 1] = vs[i]!;
    else {
      ts[m] = ts[i]!;
      vs[m] = vs[i]!;
      m++;
    }
  }
  return m;
}

/** Sorts [0, n) by time, stable (so the later write of a timestamp stays last), then dedupes. */
function sortDedupe(n: number): number {
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((a, b) => ts[a]! - ts[b]! || a - b);
  const t2 = new Float64Array(n);
  const v2 = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    t2[i] = ts[order[i]!]!;
    v2[i] = vs[order[i]!]!;
  }
  ts.set(t2);
  vs.set(v2);
  return dedupeSorted(n);
}

function grow(): void {
  const t2 = new Float64Array(ts.length * 2);
  t2.set(ts);
  const v2 = new Float64Array(vs.length * 2);
  v2.set(vs);
  ts = t2;
  vs = v2;
}

port.on('message', (m: CutRequest) => {
  if (m.type === 'series') {
    try {
      addBatch(m);
    } catch (err) {
      post({ type: 'error', message: `reading head chunks failed: ${(err as Error).message}` });
    }
    return;
  }
  if (series.length === 0) {
    post({ type: 'done', meta: null });
    return;
  }
  writeBlock(job.blocksDir, { tenant: job.tenant, minTime: job.minTime, maxTime: job.maxTime, level: 1, fromHead: job.fromHead }, series).then(
    (meta) => post({ type: 'done', meta }),
    (err: Error) => post({ type: 'error', message: `writing the block failed: ${err.message}` }),
  );
});

function post(r: CutResult): void {
  port.postMessage(r);
}
