// When a query may be answered from downsampled blocks, and from which aggregate. A range passed
// straight to a function whose answer an aggregate keeps may be read at a resolution of up to a
// fifth of both the query step and the range (Thanos's auto-downsampling uses step/5; the range
// rule keeps several aggregate samples in every window, so rate() still has two points to
// extrapolate from and max_over_time() never sees an empty window):
// - rate, increase, resets: the `counter` aggregate (window ends plus both sides of every
//   reset, so the increase and the resets counted are those of the raw samples);
// - min/max/sum/last/present_over_time: the aggregate of the same name (`last` for present).
// count_over_time, avg_over_time, irate, delta and the rest would need other arithmetic on the
// aggregates (or see different samples), so they read raw data; so do plain selectors, instant
// queries and anything inside a subquery. Downsampled blocks also serve `last` wherever raw
// blocks are gone (past raw retention), whatever the query.

const AGGREGATE_OF: Readonly<Record<string, string>> = {
  rate: 'counter',
  increase: 'counter',
  resets: 'counter',
  min_over_time: 'min',
  max_over_time: 'max',
  sum_over_time: 'sum',
  last_over_time: 'last',
  present_over_time: 'last',
};

export interface CoarseRead {
  /** Coarsest resolution the query may read, ms (0: raw only). */
  readonly maxResolution: number;
  /** The `__aggr__` series downsampled blocks serve. */
  readonly aggregate: string;
}

export function coarseRead(hints: { step?: number; func?: string; range?: number } | undefined): CoarseRead | null {
  if (hints === undefined || hints.func === undefined) return null;
  const aggregate = AGGREGATE_OF[hints.func];
  if (aggregate === undefined) return null;
  const maxResolution = Math.min(hints.step ?? 0, hints.range ?? 0) / 5;
  return maxResolution > 0 ? { maxResolution, aggregate } : null;
}
