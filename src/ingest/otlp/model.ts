// The decoded ExportMetricsServiceRequest both decoders (protobuf and JSON) produce: resources,
// scopes and metrics as small objects, every data point's numbers in shared typed columns, so
// translation is one loop over rows with no object per point beyond its attribute list.

/** An attribute with its value already in the string form labels take. */
export interface Attribute {
  readonly key: string;
  readonly value: string;
}

/** The metric data kinds of OTLP's `Metric.data` oneof (field numbers 5, 7, 9, 10, 11). */
export const enum Kind {
  None = 0,
  Gauge = 5,
  Sum = 7,
  Histogram = 9,
  ExponentialHistogram = 10,
  Summary = 11,
}

/** AggregationTemporality. */
export const enum Temporality {
  Unspecified = 0,
  Delta = 1,
  Cumulative = 2,
}

/** DataPointFlags.FLAG_NO_RECORDED_VALUE: the point marks a series as gone (a staleness marker). */
export const FLAG_NO_RECORDED_VALUE = 1;

export interface OtlpResource {
  readonly attributes: Attribute[];
}

export interface OtlpScope {
  readonly resource: number;
  readonly name: string;
  readonly version: string;
}

export interface OtlpMetric {
  /** Index into `scopes` (which names its resource). */
  readonly scope: number;
  name: string;
  description: string;
  unit: string;
  kind: Kind;
  temporality: number;
  monotonic: boolean;
  /** Data points are rows [from, to) of the columns. */
  from: number;
  to: number;
  /** Data points not decoded (exponential histograms): counted, refused. */
  skipped: number;
}

/**
 * Row i of every column is one data point. Numbers: `value`. Histograms: `value` = sum (when
 * `hasSum`), `count`, bucket counts `counts[bFrom, bTo)`, explicit bounds `bounds[eFrom, eTo)`.
 * Summaries: `value` = sum, `count`, quantiles `bounds[bFrom, bTo)` with values `counts[bFrom, bTo)`.
 * Times are milliseconds since the epoch (nanoseconds truncated).
 */
export class Points {
  n = 0;
  attributes: Attribute[][] = [];
  /**
   * Per row, a string that is equal for equal attribute lists (the protobuf decoder's raw bytes
   * of the attributes, when they are one run), for caching their labels; '' = build it from
   * `attributes` (attributeKey).
   */
  attributeKeys: string[] = [];
  start: Float64Array;
  time: Float64Array;
  value: Float64Array;
  count: Float64Array;
  flags: Uint32Array;
  hasSum: Uint8Array;
  bFrom: Uint32Array;
  bTo: Uint32Array;
  eFrom: Uint32Array;
  eTo: Uint32Array;
  /** Bucket counts and quantile values. */
  counts: Float64Array;
  /** Explicit bounds and quantiles. */
  bounds: Float64Array;
  nCounts = 0;
  nBounds = 0;

  constructor(capacity = 64) {
    this.start = new Float64Array(capacity);
    this.time = new Float64Array(capacity);
    this.value = new Float64Array(capacity);
    this.count = new Float64Array(capacity);
    this.flags = new Uint32Array(capacity);
    this.hasSum = new Uint8Array(capacity);
    this.bFrom = new Uint32Array(capacity);
    this.bTo = new Uint32Array(capacity);
    this.eFrom = new Uint32Array(capacity);
    this.eTo = new Uint32Array(capacity);
    this.counts = new Float64Array(capacity);
    this.bounds = new Float64Array(capacity);
  }

  /** Starts a new row (all zero) and returns its index. */
  add(attributes: Attribute[]): number {
    if (this.n === this.start.length) this.grow();
    const i = this.n++;
    this.attributes.push(attributes);
    this.attributeKeys.push('');
    this.start[i] = 0;
    this.time[i] = 0;
    this.value[i] = 0;
    this.count[i] = 0;
    this.flags[i] = 0;
    this.hasSum[i] = 0;
    this.bFrom[i] = this.bTo[i] = this.nCounts;
    this.eFrom[i] = this.eTo[i] = this.nBounds;
    return i;
  }

  /** Drops rows from `n` on (a oneof member replaced by a later one). */
  truncate(n: number): void {
    if (n >= this.n) return;
    this.nCounts = this.bFrom[n]!;
    this.nBounds = this.eFrom[n]!;
    this.n = n;
    this.attributes.length = n;
    this.attributeKeys.length = n;
  }

  pushCount(v: number): void {
    if (this.nCounts === this.counts.length) this.counts = grown(this.counts);
    this.counts[this.nCounts++] = v;
  }

  pushBound(v: number): void {
    if (this.nBounds === this.bounds.length) this.bounds = grown(this.bounds);
    this.bounds[this.nBounds++] = v;
  }

  private grow(): void {
    this.start = grown(this.start);
    this.time = grown(this.time);
    this.value = grown(this.value);
    this.count = grown(this.count);
    this.flags = grown(this.flags);
    this.hasSum = grown(this.hasSum);
    this.bFrom = grown(this.bFrom);
    this.bTo = grown(this.bTo);
    this.eFrom = grown(this.eFrom);
    this.eTo = grown(this.eTo);
  }
}

function grown<T extends Float64Array | Uint32Array | Uint8Array>(a: T): T {
  const b = new (a.constructor as new (n: number) => T)(Math.max(16, a.length * 2));
  b.set(a);
  return b;
}

/** A decoded ExportMetricsServiceRequest. */
export interface OtlpRequest {
  readonly resources: OtlpResource[];
  readonly scopes: OtlpScope[];
  readonly metrics: OtlpMetric[];
  readonly points: Points;
}

/** A string equal for equal attribute lists (and different otherwise). */
export function attributeKey(attrs: readonly Attribute[]): string {
  let k = '';
  for (let i = 0; i < attrs.length; i++) {
    const a = attrs[i]!;
    k += a.key.length + ':' + a.key + a.value.length + ':' + a.value;
  }
  return k;
}

/** An undecodable body; `offset` is the byte (protobuf) where it was noticed, or -1. */
/** Malformed input (the shared protobuf reader's error, so one `instanceof` covers both decoders). */
export { WireError as DecodeError } from '../protobuf/wire-reader.js';

/** Nanoseconds since the epoch given as two uint32 halves → whole milliseconds, exactly. */
export function nanosToMillis(lo: number, hi: number): number {
  // 2^32 = 4294 * 10^6 + 967296; every intermediate stays below 2^53.
  return hi * 4294 + Math.floor((hi * 967296 + lo) / 1e6);
}
