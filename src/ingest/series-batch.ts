// The shape every decoder hands to the append step: series with their samples in columns, so a
// decoder is a pure function from bytes to data (it can run in a worker) and appending is one loop.
import type { Labels } from '../storage/index.js';

/**
 * One series and its samples (parallel arrays, timestamps in ms). Values that may be NaN with a
 * payload (Prometheus's staleness marker) go in a Float64Array, which keeps the payload bits.
 */
export interface SeriesSamples {
  readonly labels: Labels;
  readonly ts: ArrayLike<number>;
  readonly vs: ArrayLike<number>;
}
