// The per-sample arrays of appenders (series, ref, row, timestamp, value), kept for reuse once a commit
// has consumed them. A batch of 10,000 samples grew its arrays eleven times from 8 entries, and
// each typed array above 64 bytes is an off-heap allocation that also brings the next GC closer;
// taking the arrays of an earlier commit makes that one allocation-free copy.

import type { MemSeries } from './mem-series.js';

/** One set of per-sample arrays, all of the same length. */
export interface BatchArrays {
  /** Holey: entries past the batch's count are undefined (cleared when the set is given back). */
  readonly series: (MemSeries | undefined)[];
  readonly refs: Float64Array;
  readonly rows: Int32Array;
  readonly ts: Float64Array;
  readonly vs: Float64Array;
}

/** Capacities pooled: powers of two from 2^4 to 2^16 (larger sets are left to the GC). */
const MIN_SHIFT = 4;
const MAX_SHIFT = 16;
/** Sets kept per capacity: enough for a few appenders open at once. */
const PER_CAPACITY = 4;

const spare: BatchArrays[][] = Array.from({ length: MAX_SHIFT + 1 }, () => []);

function alloc(cap: number): BatchArrays {
  return { series: new Array<MemSeries | undefined>(cap), refs: new Float64Array(cap), rows: new Int32Array(cap), ts: new Float64Array(cap), vs: new Float64Array(cap) };
}

/**
 * A set with room for more than `cap` entries (a kept one when there is: the largest, so that a
 * batch like the previous one grows no more), with the first `n` entries of `from` copied in.
 */
export function largerBatchArrays(from: BatchArrays, n: number, cap: number): BatchArrays {
  let out: BatchArrays | undefined;
  for (let shift = MAX_SHIFT; shift >= MIN_SHIFT && 1 << shift > cap; shift--) {
    out = spare[shift]!.pop();
    if (out !== undefined) break;
  }
  out ??= alloc(Math.max(cap * 2, 1 << MIN_SHIFT));
  for (let i = 0; i < n; i++) out.series[i] = from.series[i];
  out.refs.set(from.refs.subarray(0, n));
  out.rows.set(from.rows.subarray(0, n));
  out.ts.set(from.ts.subarray(0, n));
  out.vs.set(from.vs.subarray(0, n));
  return out;
}

/** Keeps a set whose first `n` entries were used for later appenders; its owner must not touch it afterwards. */
export function recycleBatchArrays(a: BatchArrays, n: number): void {
  const cap = a.ts.length;
  const shift = 31 - Math.clz32(cap);
  if (shift < MIN_SHIFT || shift > MAX_SHIFT || 1 << shift !== cap) return;
  if (a.series.length !== cap || a.refs.length !== cap || a.rows.length !== cap || a.vs.length !== cap) return;
  // A kept set must not keep series alive.
  a.series.fill(undefined, 0, n);
  const list = spare[shift]!;
  if (list.length < PER_CAPACITY) list.push(a);
}
