// Downsampling: one block rewritten at a coarser resolution, as Thanos does it. For every series
// and every `resolution` window, six aggregate series (label `__aggr__`): count, sum, min, max,
// last, and counter. Each of the first five has one sample per window, at the time of the window's
// last raw sample. `counter` keeps the window's last sample plus, for every counter reset, the
// samples on both sides of it — so rate(), increase() and resets() over it count exactly the
// increase and the resets of the raw samples, also across block boundaries (the values stay
// the raw ones; Thanos instead stores reset-free values and patches boundaries at read time).
// Runs in a worker thread.
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
      // The counter aggregate: variable length, so its own columns.
      const counter = new CounterKeeper();
      for (const c of chunks) {
        it.reset(r.chunk(c));
        while (it.next()) {
          const t = it.atT();
          if (deleted !== undefined && isDeleted(deleted, t)) continue;
          const v = it.atV();
          const ws = Math.floor(t / res) * res;
          if (ws !== windowStart) {
            if (w >= 0) counter.keep(cols.t[w]!, cols.last[w]!);
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
            counter.sample(t, v);
          } else if (aggr === 'counter') {
            counter.sample(t, v);
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
      counter.keep(cols.t[w]!, cols.last[w]!);
      const base = labels.filter((l) => l.name !== AGGR_LABEL);
      const emit = (name: Aggregate, vs: Float64Array, ts = cols.t, len = n) => {
        const chunks = [];
        for (let s = 0; s < len; s += 4096) {
          const e = Math.min(len, s + 4096);
          chunks.push({ minT: ts[s]!, maxT: ts[e - 1]!, numSamples: e - s, data: encodeBlockChunk(ts.subarray(s, e), vs.subarray(s, e), e - s) });
        }
        out.push({ labels: withAggr(base, name), chunks });
      };
      if (aggr === undefined) {
        emit('count', cols.count);
        emit('sum', cols.sum);
        emit('min', cols.min);
        emit('max', cols.max);
        emit('last', cols.last);
        emit('counter', counter.vs, counter.ts, counter.n);
      } else if (aggr === 'counter') {
        emit('counter', counter.vs, counter.ts, counter.n);
      } else {
        const pick: Record<Exclude<Aggregate, 'counter'>, Float64Array> = { count: cols.sum, sum: cols.sum, min: cols.min, max: cols.max, last: cols.last };
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
}

function newCols(n: number): Cols {
  return {
    t: new Float64Array(n),
    count: new Float64Array(n),
    sum: new Float64Array(n),
    min: new Float64Array(n),
    max: new Float64Array(n),
    last: new Float64Array(n),
  };
}

function growCols(c: Cols, n: number): Cols {
  const out = newCols(n);
  for (const k of Object.keys(c) as (keyof Cols)[]) out[k].set(c[k]);
  return out;
}

/**
 * The samples of a counter a coarse copy must keep for rate() to see the raw increase: the last
 * sample of every window, and both samples around every reset (a fall in value). Between two kept
 * samples the raw counter never fell, so their difference is the raw increase; at a reset, the
 * kept pair makes rate() count the value after it, as it would on raw data.
 */
class CounterKeeper {
  ts = new Float64Array(256);
  vs = new Float64Array(256);
  n = 0;
  private prevT = NaN;
  private prevV = NaN;

  /** One input sample, in time order. */
  sample(t: number, v: number): void {
    if (v < this.prevV) {
      this.keep(this.prevT, this.prevV);
      this.keep(t, v);
    }
    this.prevT = t;
    this.prevV = v;
  }

  /** Keeps (t, v) unless it is the sample kept last. */
  keep(t: number, v: number): void {
    if (this.n > 0 && this.ts[this.n - 1] === t) return;
    if (this.n === this.ts.length) {
      const ts = new Float64Array(this.n * 2);
      ts.set(this.ts);
      this.ts = ts;
      const vs = new Float64Array(this.n * 2);
      vs.set(this.vs);
      this.vs = vs;
    }
    this.ts[this.n] = t;
    this.vs[this.n] = v;
    this.n++;
  }
}

// As a worker: run the job in workerData and post the result.
if (!isMainThread && parentPort !== null && (workerData as { kind?: string } | null)?.kind === 'downsample') {
  downsampleBlock((workerData as { job: DownsampleJob }).job).then(
    (meta) => parentPort!.postMessage({ type: 'done', meta }),
    (err: Error) => parentPort!.postMessage({ type: 'error', message: err.message }),
  );
}
