// OTLP/HTTP decode throughput, one core, no HTTP: batches of 1000 gauge/counter points shaped as
// `metricstream bench --protocol otlp` sends them (3 metric names, 2 attributes per point), and
// histogram batches as the OpenTelemetry SDK sends them (100 points x 10 buckets = 1400 samples).
// protobufjs's decode (the tests' reference) against the hand-written decoder, then decode +
// translation into labelled samples (what the handler does before appending), and the JSON
// decoder on the same requests as OTLP/JSON. Figures are samples per second of CPU time of this
// process (process.cpuUsage), which other load on the machine disturbs less than wall time.
// Run `npm run build && node dist/bench/otlp-decode.js [seconds in all]`. Prints figures, asserts nothing.
import { encodeOtlpBatch } from '../src/bench/otlp-encode.js';
import { makeSeries } from '../src/bench/payload.js';
import { decodeJsonRequest } from '../src/ingest/otlp/decode-json.js';
import { decodeProtoRequest } from '../src/ingest/otlp/decode-proto.js';
import { DeltaTotals } from '../src/ingest/otlp/delta.js';
import { ExportMetricsServiceRequest } from '../src/ingest/otlp/otlp-proto-fixtures.js';
import { translate } from '../src/ingest/otlp/translate.js';
import { testLimits } from '../src/ingest/validate-fixtures.js';

const SECONDS = Number(process.argv[2] ?? 12);
const BATCHES = 20;
const LIMITS = testLimits();
const NOW = Date.now();
const deltas = new DeltaTotals(1_000_000);

const candidates: { name: string; samplesPerRun: number; fn: (i: number) => void; runs: number; cpuMs: number }[] = [];
function measure(name: string, samplesPerRun: number, fn: (i: number) => void): void {
  candidates.push({ name, samplesPerRun, fn, runs: 0, cpuMs: 0 });
}

const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/** Round robin, 100 ms of CPU per candidate per round, so load from other processes hits all alike. */
function runAll(): void {
  for (const c of candidates) for (let i = 0; i < 50; i++) c.fn(i); // warm up
  const rounds = Math.max(1, Math.round((SECONDS * 10) / candidates.length));
  for (let r = 0; r < rounds; r++) {
    for (const c of candidates) {
      const start = cpuMs();
      let n = 0;
      while (cpuMs() - start < 100) c.fn(c.runs + n++);
      c.runs += n;
      c.cpuMs += cpuMs() - start;
    }
  }
  for (const c of candidates) {
    console.log(`${c.name.padEnd(52)} ${((c.runs * c.samplesPerRun) / (c.cpuMs / 1000) / 1e6).toFixed(2)} M samples/s of CPU  (${c.runs} batches in ${(c.cpuMs / 1000).toFixed(1)} s CPU)`);
  }
}

// Gauges and counters: the bench's own bodies, times patched to now.
const series = makeSeries(3000);
const gaugeBodies: Buffer[] = [];
for (let b = 0; b < BATCHES; b++) {
  const t = encodeOtlpBatch(Array.from({ length: 1000 }, (_, j) => series[(b * 1000 + j) % series.length]!));
  for (let j = 0; j < t.samples; j++) t.writeTime(t.body, t.tsOffsets[j]!, NOW - 1000);
  gaugeBodies.push(t.body);
}
const gaugeJson = gaugeBodies.map((b) => Buffer.from(JSON.stringify(ExportMetricsServiceRequest.toObject(ExportMetricsServiceRequest.decode(b), { longs: String, json: true }))));

// Histograms: 100 points x 10 bounds each (11 buckets + sum + count + +Inf = 14 samples... 13 series per point).
const histBodies: Buffer[] = [];
const bounds = [5, 10, 25, 50, 75, 100, 250, 500, 750, 1000];
for (let b = 0; b < BATCHES; b++) {
  const dataPoints = Array.from({ length: 100 }, (_, i) => ({
    attributes: [
      { key: 'http.route', value: { stringValue: `/api/v${b}/r${i}` } },
      { key: 'http.response.status_code', value: { intValue: 200 } },
    ],
    startTimeUnixNano: String(BigInt(NOW - 60_000) * 1_000_000n),
    timeUnixNano: String(BigInt(NOW - 1000) * 1_000_000n),
    count: 110,
    sum: 5432.1,
    bucketCounts: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 55],
    explicitBounds: bounds,
  }));
  const msg = {
    resourceMetrics: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'api' } }, { key: 'service.instance.id', value: { stringValue: `pod-${b}` } }] },
        scopeMetrics: [{ scope: { name: 'http' }, metrics: [{ name: 'http.server.request.duration', unit: 'ms', histogram: { aggregationTemporality: 2, dataPoints } }] }],
      },
    ],
  };
  histBodies.push(Buffer.from(ExportMetricsServiceRequest.encode(ExportMetricsServiceRequest.fromObject(msg)).finish()));
}
const HIST_SAMPLES = 100 * (bounds.length + 1 + 2);

const opts = { now: NOW, limits: LIMITS, tenant: 'default', deltas, promoteScope: false };
measure('gauges: protobufjs decode (reference)', 1000, (i) => void ExportMetricsServiceRequest.decode(gaugeBodies[i % BATCHES]!));
measure('gauges: hand-written decode', 1000, (i) => void decodeProtoRequest(gaugeBodies[i % BATCHES]!));
measure('gauges: hand-written decode + translate', 1000, (i) => void translate(decodeProtoRequest(gaugeBodies[i % BATCHES]!), opts));
measure('gauges: OTLP/JSON decode + translate', 1000, (i) => void translate(decodeJsonRequest(gaugeJson[i % BATCHES]!), opts));
measure('histograms: protobufjs decode (reference)', HIST_SAMPLES, (i) => void ExportMetricsServiceRequest.decode(histBodies[i % BATCHES]!));
measure('histograms: hand-written decode', HIST_SAMPLES, (i) => void decodeProtoRequest(histBodies[i % BATCHES]!));
measure('histograms: hand-written decode + translate', HIST_SAMPLES, (i) => void translate(decodeProtoRequest(histBodies[i % BATCHES]!), opts));
runAll();
