// metricstream/client: push metrics to a MetricStream node from Node.js.
export { MetricStreamClient, ClientClosedError, type ClientOptions, type ClientStats } from './client.js';
export { Counter, Gauge, Histogram } from './instruments.js';
export { encodeMetrics, type Metric, type MetricKind } from './metric.js';
export { parseRetryAfter, retryDelay, type BackoffOptions } from './backoff.js';
