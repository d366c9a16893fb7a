// The values PromQL evaluates to: scalars, strings, instant vectors and range vectors (matrices).
import type { Labels } from '../../storage/index.js';
import { cachedKey } from './labels.js';

/** One element of an instant vector. `dropName` marks a result whose __name__ must go. */
export interface Sample {
  labels: Labels;
  t: number;
  v: number;
}

/** One series of a range vector; points in time order (often views into the loaded arrays). */
export interface RangeSeries {
  labels: Labels;
  ts: ArrayLike<number>;
  vs: ArrayLike<number>;
}

/** A range series being built point by point. */
export interface RangeSeriesBuilder {
  labels: Labels;
  ts: number[];
  vs: number[];
}

export type Value =
  | { readonly kind: 'scalar'; readonly t: number; readonly v: number }
  | { readonly kind: 'string'; readonly t: number; readonly v: string }
  | { readonly kind: 'vector'; readonly samples: Sample[] }
  | { readonly kind: 'matrix'; readonly series: RangeSeries[] };

/** An evaluation error, worded as Prometheus words it. */
export class EvalError extends Error {
  readonly code: 'execution' | 'timeout' | 'canceled' | 'too_many_samples';
  constructor(message: string, code: EvalError['code'] = 'execution') {
    super(message);
    this.name = 'EvalError';
    this.code = code;
  }
}

const STALE_BITS_HI = 0x7ff00000;
const STALE_BITS_LO = 0x00000002;
const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);

/** Whether v is Prometheus's staleness marker (a NaN with a particular payload). */
export function isStaleNaN(v: number): boolean {
  if (v === v) return false;
  f64[0] = v;
  // Little-endian: u32[0] is the low word. A quieted marker (bit 51 set) counts too, since V8 may quiet it.
  return u32[0] === STALE_BITS_LO && (u32[1]! & ~0x00080000) === STALE_BITS_HI;
}

/** A vector value, refused when two samples share a label set (e.g. after the name was dropped). */
export function uniqueVector(samples: Sample[]): Value {
  const seen = new Set<string>();
  for (const s of samples) {
    const k = cachedKey(s.labels);
    if (seen.has(k)) throw new EvalError('vector cannot contain metrics with the same labelset');
    seen.add(k);
  }
  return { kind: 'vector', samples };
}
