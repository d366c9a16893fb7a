// Downsampling: one block rewritten at a coarser resolution, as Thanos does it. For every series
// and every `resolution` window, six aggregate series (label `__aggr__`): count, sum, min, max,
// last, and counter — the series' value with counter resets taken out (each reset adds the value
// before it), so rate() and increase() over the aggregates stay correct. Each aggregate sample
// carries the time of the window's last raw sample. Runs in a worker thread.
import { parentPort, workerData, isMainThread } from 'node:worker_threads';
import { sortLabels, type Label, type Labels } from '../../storage/index.js';
import { BlockChunkIterator, encodeBlockChunk } from '../chunk/block-chunk.js';
import { BlockReader, isDeleted, writeBlock, type BlockMeta, type BlockSeriesInput } from '../block/index.js';

export const AGGREGATES = ['count', 'sum', 'min', 'max', 'last', 'counter'] as const;
export type Aggregate = (typeof AGGREGATES)[number];
export const AGGR_LABEL = '__aggr__';

export interface DownsampleJob {
  readonly source: string;
  readonly blocksDir: string;
  readonly resolution: number;
}

/** Writes the downsampled copy of the block in `job.source`; null when it holds no sample. */
export async function downsampleBlock(job: DownsampleJob): Promise<BlockMeta | null> {
  const r = await BlockReader.open(job.source);
  try {
    const res = job.resolution;
    const from = r.meta.downsample?.resolution;
    const out: BlockSeriesInput[] = [];
    const it = new BlockChunkIterator();
    // Per window: one slot in each column.
    let cap = 256;
    let cols = newCols(cap);
    for (let id = 0; id < r.numSeries; id++) {
      const { labels, chunks } = r.series(id);
      const deleted = r.tombstones.get(id);
      // Downsampling a downsampled block: aggregate each aggregate series with its own rule.
      const aggr = from !== undefined ? (labels.find((l) => l.name === AGGR_LABEL)?.value as Aggregate | undefined) : undefined;
      let w = -1;
      let windowStart = NaN;
      let lastRaw = NaN;
      let offset = 0;
      for (const c of chunks) {
        it.reset(r.chunk(c));
        while (it.next()) {
          const t = it.atT();
          if (deleted !== undefined && isDeleted(deleted, t)) continue;
          const v = it.atV();
          const ws = Math.floor(t / res) * res;
          if (ws !== windowStart) {
            windowStart = ws;
            w++;
            if (w === cap) {
              cap *= 2;
              cols = growCols(cols, cap);
            }
            cols.count[w] = 0;
            cols.sum[w] = 0;
            cols.min[w] = Infinity;
            cols.max[w] = -Infinity;
          }
          if (aggr === undefined) {
            cols.count[w]! += 1;
            cols.sum[w]! += v;
            if (v < cols.min[w]!) cols.min[w] = v;
            if (v > cols.max[w]!) cols.max[w] = v;
            if (v < lastRaw) offset += lastRaw;
            lastRaw = v;
            cols.counter[w] = v + offset;
          } else if (aggr === 'count' || aggr === 'sum') {
            cols.sum[w]! += v;
          } else if (aggr === 'min') {
            if (v < cols.min[w]!) cols.min[w] = v;
          } else if (aggr === 'max') {
            if (v > cols.max[w]!) cols.max[w] = v;
          }
          cols.last[w] = v;
          cols.t[w] = t;
        }
      }
      const n = w + 1;
      if (n === 0) continue;
      const base = labels.filter((l) => l.name !== AGGR_LABEL);
      const emit = (name: Aggregate, vs: Float64Array) => {
        const chunks = [];
        for (let s = 0; s < n; s += 4096) {
          const e = Math.min(n, s + 4096);
          chunks.push({ minT: cols.t[s]!, maxT: cols.t[e - 1]!, numSamples: e - s, data: encodeBlockChunk(cols.t.subarray(s, e), vs.subarray(s, e), e - s) });
        }
        out.push({ labels: withAggr(base, name), chunks });
      };
      if (aggr === undefined) {
        emit('count', cols.count);
        emit('sum', cols.sum);
        emit('min', cols.min);
        emit('max', cols.max);
        emit('last', cols.last);
        emit('counter', cols.counter);
      } else {
        const pick: Record<Aggregate, Float64Array> = { count: cols.sum, sum: cols.sum, min: cols.min, max: cols.max, last: cols.last, counter: cols.last };
        emit(aggr, pick[aggr]);
      }
    }
    if (out.length === 0) return null;
    return await writeBlock(
      job.blocksDir,
      {
        tenant: r.meta.tenant,
        minTime: r.meta.minTime,
        maxTime: r.meta.maxTime,
        level: r.meta.compaction.level,
        sources: r.meta.compaction.sources,
        resolution: res,
      },
      out,
    );
  } finally {
    await r.close();
  }
}

function withAggr(base: readonly Label[], a: Aggregate): Labels {
  return sortLabels([...base, { name: AGGR_LABEL, value: a }]);
}

interface Cols {
  t: Float64Array;
  count: Float64Array;
  sum: Float64Array;
  min: Float64Array;
  max: Float64Array;
  last: Float64Array;
  counter: Float64Array;
}

function newCols(n: number): Cols {
  return {
    t: new Float64Array(n),
    count: new Float64Array(n),
    sum: new Float64Array(n),
    min: new Float64Array(n),
    max: new Float64Array(n),
    last: new Float64Array(n),
    counter: new Float64Array(n),
  };
}

function growCols(c: Cols, n: number): Cols {
  const out = newCols(n);
  for (const k of Object.keys(c) as (keyof Cols)[]) out[k].set(c[k]);
  return out;
}

// As a worker: run the job in workerData and post the result.
if (!isMainThread && parentPort !== null && (workerData as { kind?: string } | null)?.kind === 'downsample') {
  downsampleBlock((workerData as { job: DownsampleJob }).job).then(
    (meta) => parentPort!.postMessage({ type: 'done', meta }),
    (err: Error) => parentPort!.postMessage({ type: 'error', message: err.message }),
  );
}
