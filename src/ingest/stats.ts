// Ingest counters: the seed's stats JSON (GET /metrics) and their Prometheus twins.
import { Counter } from 'prom-client';

const requestsTotal = new Counter({
  name: 'metricstream_ingest_requests_total',
  help: 'Ingest requests answered, by protocol and HTTP status code',
  labelNames: ['protocol', 'code'] as const,
});
const samplesTotal = new Counter({
  name: 'metricstream_ingest_samples_total',
  help: 'Samples stored, by protocol',
  labelNames: ['protocol'] as const,
});
const rejectedTotal = new Counter({
  name: 'metricstream_ingest_rejected_requests_total',
  help: 'Ingest requests refused, by reason (validation, rate_limited, too_large, unavailable, ...)',
  labelNames: ['reason'] as const,
});

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

  // Bound children per (protocol, code): prom-client hashes a label object on every inc otherwise.
  private readonly children = new Map<string, { requests: ReturnType<typeof requestsTotal.labels>; samples: ReturnType<typeof samplesTotal.labels> }>();

  accepted(protocol: string, code: number, samples: number): void {
    const key = protocol + code;
    let c = this.children.get(key);
    if (c === undefined) {
      c = { requests: requestsTotal.labels(protocol, String(code)), samples: samplesTotal.labels(protocol) };
      this.children.set(key, c);
    }
    c.requests.inc();
    c.samples.inc(samples);
  }

  rejected(protocol: string, code: number, reason: string): void {
    requestsTotal.inc({ protocol, code: String(code) });
    rejectedTotal.inc({ reason });
    if (code === 400) this.validationErrors++;
  }

  rateLimited(): void {
    this.rateLimitedRequests++;
    rejectedTotal.inc({ reason: 'rate_limited' });
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
    };
  }
}
