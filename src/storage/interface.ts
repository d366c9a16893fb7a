// The storage contract: everything above storage (ingest, PromQL, the HTTP API) talks to an
// engine only through these types, modelled on Prometheus's storage.Appender / storage.Querier.
import type { ChangeFeed } from './change-feed.js';

/** One label pair. A series' labels are sorted by name and include `__name__`. */
export interface Label {
  readonly name: string;
  readonly value: string;
}

/** A label set, sorted by name, names unique. Build with `labelsFromRecord` or `sortLabels`. */
export type Labels = readonly Label[];

/** Metric type as in Prometheus metadata. */
export type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'unknown';

/** Metadata kept per metric name (served by /api/v1/metadata). */
export interface MetricMetadata {
  readonly type: MetricType;
  readonly help: string;
  readonly unit: string;
}

/**
 * Collects samples of one tenant and makes them durable on commit. Samples are checked as they
 * are appended (so a bad one throws before anything is stored) and become visible and durable
 * only on `commit()`; `rollback()` drops them. An appender is used once.
 */
export interface Appender {
  /** Adds one sample; throws a StorageError if the engine can never accept it. */
  append(labels: Labels, t: number, v: number): void;
  /**
   * Adds one sample like `append`, given the series' reference from an earlier call (0 when
   * unknown), and returns the reference to pass next time, as Prometheus's Append(ref, ...)
   * does. A stale or foreign reference is harmless: the labels decide then. An engine without
   * references returns 0.
   */
  appendRef(ref: number, labels: Labels, t: number, v: number): number;
  /** Records metadata for a metric name; stored on commit. */
  setMetadata(metricName: string, meta: MetricMetadata): void;
  /** Number of samples appended so far. */
  readonly pending: number;
  /** Writes everything to the WAL; resolves once it was handed to the OS (or fsynced, per policy). */
  commit(): Promise<void>;
  /** Forgets everything appended. */
  rollback(): void;
}

/** Label matcher types, as in PromQL. */
export type MatchType = '=' | '!=' | '=~' | '!~';

/** A label matcher. Regex matchers are fully anchored. */
export class Matcher {
  readonly type: MatchType;
  readonly name: string;
  readonly value: string;
  private readonly re: RegExp | undefined;

  /**
   * For regex matchers pass `re`, the pattern compiled with RE2 semantics (promql's newMatcher
   * does); without it the value is used as an anchored JavaScript pattern.
   */
  constructor(type: MatchType, name: string, value: string, re?: RegExp) {
    this.type = type;
    this.name = name;
    this.value = value;
    this.re = type === '=~' || type === '!~' ? (re ?? new RegExp(`^(?:${value})$`, 's')) : undefined;
  }

  /** Whether a label value (empty string when the label is absent) matches. */
  matches(v: string): boolean {
    switch (this.type) {
      case '=':
        return v === this.value;
      case '!=':
        return v !== this.value;
      case '=~':
        return this.re!.test(v);
      case '!~':
        return !this.re!.test(v);
    }
  }

  toString(): string {
    return `${this.name}${this.type}${JSON.stringify(this.value)}`;
  }
}

/**
 * Pull-based iterator over one series' samples in increasing timestamp order, as Prometheus's
 * chunkenc.Iterator: `next()` / `seek(t)` advance, `atT()` / `atV()` read without allocating.
 */
export interface SampleIterator {
  /** Advances to the next sample; false when exhausted. */
  next(): boolean;
  /** Advances to the first sample with timestamp >= t (never backwards); false when none. */
  seek(t: number): boolean;
  atT(): number;
  atV(): number;
  /**
   * Optional bulk read for callers that want every remaining sample (a query loading a series):
   * writes the samples `next()` would give into ts/vs from index `off` until the arrays are full
   * or the samples run out, and returns the index after the last one written. Afterwards the
   * iterator is where that many `next()` calls would have left it. Implementations skip the
   * per-sample calls through this interface; `fillSamples` falls back to them.
   */
  fill?(ts: Float64Array, vs: Float64Array, off: number): number;
}

/** `it.fill(ts, vs, off)`, or the same through `next()` / `atT()` / `atV()` where the iterator has no fill. */
export function fillSamples(it: SampleIterator, ts: Float64Array, vs: Float64Array, off: number): number {
  if (it.fill !== undefined) return it.fill(ts, vs, off);
  const max = ts.length;
  while (off < max && it.next()) {
    ts[off] = it.atT();
    vs[off++] = it.atV();
  }
  return off;
}

/** One series returned by a Querier. */
export interface Series {
  readonly labels: Labels;
  /** A fresh iterator over the samples inside the querier's [mint, maxt]. */
  iterator(): SampleIterator;
}

/** Read access to one tenant's data in a time range [mint, maxt] (ms, inclusive). */
export interface Querier {
  /** Series matching all matchers, sorted by labels. */
  select(matchers: readonly Matcher[]): Iterable<Series>;
  /** Label names present on series matching the matchers (all when none), sorted. */
  labelNames(matchers?: readonly Matcher[]): string[];
  /** Values of one label on series matching the matchers (all when none), sorted. */
  labelValues(name: string, matchers?: readonly Matcher[]): string[];
  close(): void;
}

/** How an appender treats samples older than what the engine takes live. */
export interface AppenderOptions {
  /**
   * Accept samples of any age (inside retention) instead of refusing those older than the live
   * range: the engine stores them in the past's own time range (imports, backfill).
   */
  readonly backfill?: boolean;
}

/**
 * What a query will do with the series it selects (Prometheus's SelectHints): an engine may then
 * answer from coarser, pre-aggregated data where that gives the same kind of answer.
 */
export interface SelectHints {
  /** Step of the range query, ms (0 for an instant query). */
  readonly step?: number;
  /** Function the selected range is passed to (`rate`, `max_over_time`, …), if any. */
  readonly func?: string;
  /** Length of the range selector, ms (0 for an instant selector). */
  readonly range?: number;
}

/** An engine: the embedded TSDB, or ClickHouse in cluster mode. */
export interface Storage {
  appender(tenant: string, opts?: AppenderOptions): Appender;
  querier(tenant: string, mint: number, maxt: number, hints?: SelectHints): Querier;
  /** Metadata per metric name for one tenant. */
  metadata(tenant: string): ReadonlyMap<string, MetricMetadata>;
  /** True once start-up work (e.g. WAL replay) is done and reads are complete. */
  readonly ready: boolean;
  /** Changes to past data, for result caches; an engine without it gets no cached answers. */
  readonly changes?: ChangeFeed;
  close(): Promise<void>;
}

/** Base of every error an engine may throw at callers; `code` is stable and machine-readable. */
export class StorageError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = 'StorageError';
    this.code = code;
  }
}

/** The sample is older than the newest sample of its series (and outside any OOO window). */
export class OutOfOrderSampleError extends StorageError {
  constructor(message: string) {
    super('out_of_order_sample', message);
  }
}

/** The sample is outside the time range the engine accepts (retention, future limit). */
export class OutOfBoundsError extends StorageError {
  constructor(message: string) {
    super('out_of_bounds', message);
  }
}

/** The tenant's active-series limit would be exceeded. */
export class TooManySeriesError extends StorageError {
  constructor(message: string) {
    super('too_many_series', message);
  }
}

/** The engine is shutting down or the data dir is unusable. */
export class StorageClosedError extends StorageError {
  constructor(message: string) {
    super('closed', message);
  }
}
