// How long ingest requests spend in the node, from the moment their route takes them (after the head
// read; the body is read inside) to their answer, by protocol and status code: what a client's
// latency would be without the network and without its own queueing. Requests refused before
// the route (429 from the rate limiter, 503 while the WAL is replayed, malformed HTTP) are not in
// it; the clock starts when the route's handler runs, so time a request waited in socket buffers
// or behind a busy event loop before that is not either: a lower bound of the node's share.
// Errors other than HttpError (a client gone mid-body) count as 500.
//
// Observed once per ingest request, so not through prom-client's Histogram: its observe() hashes
// the label set, validates it and keys the buckets by the bound's text (a number turned into a
// string per call), which was ~5% of the main thread when answering seed-sized requests at
// ~30,000 req/s. Here a request adds to a typed array; prom-client's registry reads the series
// at scrape time through the metric interface it takes from registerMetric (get for JSON,
// getForPromString for the text format), in the shape its own Histogram gives.
import { register, type Metric } from 'prom-client';

/** Bucket bounds in seconds: 1 ms to 10 s, dense around the 100 ms that overload targets name. */
export const INGEST_DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.25, 0.5, 1, 2.5, 5, 10];

const NAME = 'metricstream_ingest_request_duration_seconds';

interface Series {
  readonly labels: { readonly protocol: string; readonly code: string };
  /** Observations per bucket (not cumulative); the last slot counts those above every bound. */
  readonly counts: Float64Array;
  sum: number;
  count: number;
}

/** One exported sample, as prom-client's metrics hand them to its registry. */
interface Sample {
  readonly labels: Record<string, string | number>;
  readonly sharedLabels?: Record<string, string>;
  readonly value: number;
  readonly metricName: string;
}

class DurationHistogram {
  readonly name = NAME;
  readonly help = 'Time ingest requests spent in the node, from their route starting on them to their answer, by protocol and HTTP status code';
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  /** By protocol, then status code (no key string built per request). */
  private readonly series = new Map<string, Map<number, Series>>();

  observe(protocol: string, code: number, seconds: number): void {
    let byCode = this.series.get(protocol);
    if (byCode === undefined) this.series.set(protocol, (byCode = new Map()));
    let s = byCode.get(code);
    if (s === undefined) {
      s = { labels: { protocol, code: String(code) }, counts: new Float64Array(INGEST_DURATION_BUCKETS.length + 1), sum: 0, count: 0 };
      byCode.set(code, s);
    }
    let i = 0;
    while (i < INGEST_DURATION_BUCKETS.length && seconds > INGEST_DURATION_BUCKETS[i]!) i++;
    s.counts[i]!++;
    s.sum += seconds;
    s.count++;
  }

  /** Registry.resetMetrics() calls this. */
  reset(): void {
    this.series.clear();
  }

  /** Buckets (cumulative, `le` then the series' labels), sum and count per series. */
  private samples(shared: boolean): Sample[] {
    const out: Sample[] = [];
    for (const s of [...this.series.values()].flatMap((byCode) => [...byCode.values()])) {
      const with_ = (extra: Record<string, string | number>): Pick<Sample, 'labels' | 'sharedLabels'> =>
        shared ? { labels: extra, sharedLabels: s.labels } : { labels: { ...extra, ...s.labels } };
      let acc = 0;
      for (let i = 0; i < INGEST_DURATION_BUCKETS.length; i++) {
        acc += s.counts[i]!;
        out.push({ ...with_({ le: INGEST_DURATION_BUCKETS[i]! }), value: acc, metricName: `${NAME}_bucket` });
      }
      out.push({ ...with_({ le: '+Inf' }), value: s.count, metricName: `${NAME}_bucket` });
      out.push({ ...with_({}), value: s.sum, metricName: `${NAME}_sum` });
      out.push({ ...with_({}), value: s.count, metricName: `${NAME}_count` });
    }
    return out;
  }

  /** The text format's view (labels of the series as shared labels, after `le`, as prom-client's Histogram writes them). */
  getForPromString(): Promise<{ name: string; help: string; type: string; values: Sample[]; aggregator: string }> {
    return Promise.resolve({ name: this.name, help: this.help, type: this.type, values: this.samples(true), aggregator: this.aggregator });
  }

  /** The JSON view (register.getMetricsAsJSON). */
  get(): Promise<{ name: string; help: string; type: string; values: Sample[]; aggregator: string }> {
    return Promise.resolve({ name: this.name, help: this.help, type: this.type, values: this.samples(false), aggregator: this.aggregator });
  }
}

const duration = new DurationHistogram();
// registerMetric takes any object with the Metric interface's name and get(); the cast is for
// prom-client's types, which list its own classes' other members too.
register.registerMetric(duration as unknown as Metric);

/** Records a request of `protocol` answered with `code` after `seconds`. */
export function observeIngestDuration(protocol: string, code: number, seconds: number): void {
  duration.observe(protocol, code, seconds);
}
