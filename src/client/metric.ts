// The metric a client pushes (the seed's POST /metrics shape) and its wire encoding.

export type MetricKind = 'counter' | 'gauge' | 'histogram' | 'summary';

/** One metric as POST /metrics takes it. */
export interface Metric {
  readonly name: string;
  readonly value: number;
  readonly type?: MetricKind;
  readonly tags?: Readonly<Record<string, string>>;
  /** Milliseconds since the epoch; the client fills in the push time when absent. */
  readonly timestamp?: number;
  readonly help?: string;
  readonly unit?: string;
}

/** The body of POST /metrics for these metrics. */
export function encodeMetrics(metrics: readonly Metric[]): string {
  return JSON.stringify({ metrics });
}
