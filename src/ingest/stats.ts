// Ingest counters: the seed's stats JSON (GET /metrics) and their Prometheus twins. The hot path
// adds to plain numbers; the Prometheus counters pull the increase when scraped, because
// prom-client's inc() costs a few percent of a small request.
import { Counter } from 'prom-client';

/** Per (protocol, code): requests answered and samples stored, summed over all servers. */
const answered = new Map<string, { protocol: string; code: string; requests: number; samples: number; reported: number; reportedSamples: number }>();
/** Per protocol: samples stored outside any request (StatsD flushes). */
const stored = new Map<string, { samples: number; reported: number }>();
const rejectedBy = new Map<string, { count: number; reported: number }>();

function entry(protocol: string, code: number) {
  const key = `${protocol} ${code}`;
  let e = answered.get(key);
  if (e === undefined) answered.set(key, (e = { protocol, code: String(code), requests: 0, samples: 0, reported: 0, reportedSamples: 0 }));
  return e;
}

new Counter({
  name: 'metricstream_ingest_requests_total',
  help: 'Ingest requests answered, by protocol and HTTP status code',
  labelNames: ['protocol', 'code'] as const,
  collect() {
    for (const e of answered.values()) {
      this.inc({ protocol: e.protocol, code: e.code }, e.requests - e.reported);
      e.reported = e.requests;
    }
  },
});
new Counter({
  name: 'metricstream_ingest_samples_total',
  help: 'Samples stored, by protocol',
  labelNames: ['protocol'] as const,
  collect() {
    for (const e of answered.values()) {
      if (e.samples === e.reportedSamples) continue;
      this.inc({ protocol: e.protocol }, e.samples - e.reportedSamples);
      e.reportedSamples = e.samples;
    }
    for (const [protocol, e] of stored) {
      if (e.samples === e.reported) continue;
      this.inc({ protocol }, e.samples - e.reported);
      e.reported = e.samples;
    }
  },
});
new Counter({
  name: 'metricstream_ingest_rejected_requests_total',
  help: 'Ingest requests refused, by reason (validation, rate_limited, body_too_large, unavailable, ...)',
  labelNames: ['reason'] as const,
  collect() {
    for (const [reason, e] of rejectedBy) {
      this.inc({ reason }, e.count - e.reported);
      e.reported = e.count;
    }
  },
});

function countRejected(reason: string): void {
  const e = rejectedBy.get(reason);
  if (e === undefined) rejectedBy.set(reason, { count: 1, reported: 0 });
  else e.count++;
}

/** The seed's counters, one set per server. */
export class IngestStats {
  /** Metrics in 200 answers of POST /metrics. */
  metricsReceived = 0;
  /** 200 answers of POST /metrics. */
  batchesProcessed = 0;
  /** 400 answers of ingest routes. */
  validationErrors = 0;
  /** 429 answers. */
  rateLimitedRequests = 0;
  /** 204 answers of POST /api/v1/import. */
  importRequests = 0;
  /** Samples stored by POST /api/v1/import. */
  samplesImported = 0;
  /** StatsD lines received (UDP and TCP, not counting empty lines). */
  statsdLines = 0;
  /** StatsD lines dropped as malformed. */
  statsdMalformedLines = 0;
  /** Samples written by StatsD flushes. */
  statsdSamplesFlushed = 0;
  private readonly ok = new Map<string, ReturnType<typeof entry>>();

  /** Samples stored by a protocol without a request to answer (StatsD flushes). */
  storedSamples(protocol: string, samples: number): void {
    let e = stored.get(protocol);
    if (e === undefined) stored.set(protocol, (e = { samples: 0, reported: 0 }));
    e.samples += samples;
  }

  accepted(protocol: string, code: number, samples: number): void {
    // One cached entry per protocol (each protocol has one success code).
    let e = this.ok.get(protocol);
    if (e === undefined || e.code !== String(code)) this.ok.set(protocol, (e = entry(protocol, code)));
    e.requests++;
    e.samples += samples;
  }

  rejected(protocol: string, code: number, reason: string): void {
    entry(protocol, code).requests++;
    countRejected(reason);
    if (code === 400) this.validationErrors++;
  }

  rateLimited(): void {
    this.rateLimitedRequests++;
    countRejected('rate_limited');
  }

  /** The seed's stats document (more fields may follow the seed's four). */
  toJSON(): Record<string, number> {
    return {
      metrics_received: this.metricsReceived,
      batches_processed: this.batchesProcessed,
      validation_errors: this.validationErrors,
      rate_limited_requests: this.rateLimitedRequests,
      import_requests: this.importRequests,
      samples_imported: this.samplesImported,
      statsd_lines_received: this.statsdLines,
      statsd_malformed_lines: this.statsdMalformedLines,
      statsd_samples_flushed: this.statsdSamplesFlushed,
    };
  }
}
