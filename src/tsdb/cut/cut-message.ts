// The messages between the engine and the block-cut worker: series are sent in batches of packed
// typed arrays (transferred, not cloned), so that handing over a million series creates no object
// per chunk on either side.

/** Sent once, as workerData. */
export interface CutJob {
  readonly blocksDir: string;
  readonly tenant: string;
  /** Block range [minTime, maxTime): samples outside it are left out. */
  readonly minTime: number;
  readonly maxTime: number;
  /** Samples per block chunk at most. */
  readonly chunkSamples: number;
  /** The data comes from the head (see BlockMeta.compaction.fromHead), not from an import. */
  readonly fromHead: boolean;
}

/** A batch of series with their head chunks (XOR or decimal varint). */
export interface CutSeriesBatch {
  readonly type: 'series';
  /** JSON array with one entry per series: its labels as [name, value, name, value, …]. */
  readonly labels: string;
  /** The head chunks of every series, back to back. */
  readonly data: Uint8Array;
  /** End offset in `data` of each chunk. */
  readonly ends: Uint32Array;
  /** Number of chunks of each series. */
  readonly perSeries: Uint32Array;
}

export interface CutFinish {
  readonly type: 'finish';
}

export type CutRequest = CutSeriesBatch | CutFinish;

/** The worker's answer to 'finish'. */
export type CutResult =
  | { readonly type: 'done'; readonly meta: import('../block/block-meta.js').BlockMeta | null }
  | { readonly type: 'error'; readonly message: string };
