// How long ingest requests spend in the node, from the moment their route takes them (after the head
// read; the body is read inside) to their answer, by protocol and status code: what a client's
// latency would be without the network and without its own queueing. Requests refused before
// the route (429 from the rate limiter, 503 while the WAL is replayed, malformed HTTP) are not in
// it; the clock starts when the route's handler runs, so time a request waited in socket buffers
// or behind a busy event loop before that is not either: a lower bound of the node's share.
// Errors other than HttpError (a client gone mid-body) count as 500.
import { Histogram } from 'prom-client';

/** Bucket bounds in seconds: 1 ms to 10 s, dense around the 100 ms that overload targets name. */
export const INGEST_DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.25, 0.5, 1, 2.5, 5, 10];

const duration = new Histogram({
  name: 'metricstream_ingest_request_duration_seconds',
  help: 'Time ingest requests spent in the node, from their route starting on them to their answer, by protocol and HTTP status code',
  labelNames: ['protocol', 'code'] as const,
  buckets: INGEST_DURATION_BUCKETS,
});

/** One child per (protocol, code): observing through it skips hashing the label set per request. */
const children = new Map<string, ReturnType<typeof duration.labels>>();

/** Records a request of `protocol` answered with `code` after `seconds`. */
export function observeIngestDuration(protocol: string, code: number, seconds: number): void {
  const key = `${protocol} ${code}`;
  let c = children.get(key);
  if (c === undefined) children.set(key, (c = duration.labels(protocol, String(code))));
  c.observe(seconds);
}
