// The shape every push decoder hands to the append step: samples in columns, so a decoder is a
// pure function from bytes to data (it can run in a worker and hand typed arrays back) and
// appending is one loop, with no object per sample.
import type { Appender, Labels } from '../storage/index.js';

/**
 * Entries of (labels, samples): entry k's samples are indices [start[k], start[k + 1]) of `ts`
 * and `vs` (so `start` has one more element than `labels`). Timestamps in ms. Values that may be
 * NaN with a payload (Prometheus's staleness marker) must be in a Float64Array, which keeps the
 * payload bits (a number[] may not).
 */
export interface SampleBatch {
  readonly labels: readonly Labels[];
  readonly start: ArrayLike<number>;
  readonly ts: ArrayLike<number>;
  readonly vs: ArrayLike<number>;
}

/** Appends entry k's samples; throws whatever the appender throws. */
export function appendEntry(app: Appender, b: SampleBatch, k: number): void {
  const labels = b.labels[k]!;
  const { ts, vs } = b;
  const end = b.start[k + 1]!;
  // The first sample finds the series by its labels; the rest go by reference.
  let ref = 0;
  for (let i = b.start[k]!; i < end; i++) ref = app.appendRef(ref, labels, ts[i]!, vs[i]!);
}

/** The batch as one object per entry (for tests and debugging, not for hot paths). */
export function batchEntries(b: SampleBatch): { labels: Labels; ts: number[]; vs: number[] }[] {
  return b.labels.map((labels, k) => {
    const from = b.start[k]!;
    const to = b.start[k + 1]!;
    return { labels, ts: Array.from({ length: to - from }, (_, i) => b.ts[from + i]!), vs: Array.from({ length: to - from }, (_, i) => b.vs[from + i]!) };
  });
}
