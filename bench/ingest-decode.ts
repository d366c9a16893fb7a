// Decode throughput of the push protocols, one core, no HTTP: batches of 1000 samples shaped as
// senders send them. Remote write: 1000 series x 1 sample with node-exporter-like labels (how
// Prometheus batches), split into snappy, protobufjs (the reference) against the hand-written
// decoder, and the whole decodeWriteRequest (with validation) with its label cache warm (senders
// resend the same series) and cold. Influx: 100 lines x 10 fields (a Telegraf-like batch), and
// 1000 lines of one field as `metricstream bench --protocol influx` sends them.
// JSON (POST /metrics) and JSON lines (/api/v1/import): the bodies `metricstream bench` sends
// (1000 samples of 10,000 seed-shaped series), JSON.parse alone as the floor of the old path, the
// old path (JSON.parse + validation), the byte scanner with its label cache warm and cold, and
// for JSON lines a decode worker's whole job (decodeImportLines and the series numbering).
// Run `npm run build && node dist/bench/ingest-decode.js [seconds in all]`. Prints figures, asserts nothing.
import { performance } from 'node:perf_hooks';
import { compressSync, uncompressSync } from 'snappy';
import { makeSeries } from '../src/bench/payload.js';
import { PROTOCOLS, TS_WIDTH, writeTimestamp } from '../src/bench/protocol.js';
import { parseImportLine } from '../src/ingest/import/parse.js';
import { parseLineProtocol } from '../src/ingest/influx/parse.js';
import { scanLineProtocol } from '../src/ingest/influx/scan-line-protocol.js';
import { SeriesNumbering } from '../src/ingest/decode/series-codec.js';
import { decodeImportLines } from '../src/ingest/import/decode-import-lines.js';
import { decodeImportBody } from '../src/ingest/json-scan/import-scan.js';
import { scanSeedBody } from '../src/ingest/json-scan/seed-scan.js';
import { parseSeedBatch } from '../src/ingest/seed-json/parse.js';
import { decodeWriteRequest } from '../src/ingest/remote-write/parse.js';
import { WriteRequest } from '../src/ingest/remote-write/write-request-fixtures.js';
import { decodeLabels, decodeWireWriteRequest } from '../src/ingest/remote-write/write-request.js';
import { testLimits } from '../src/ingest/validate-fixtures.js';

const SECONDS = Number(process.argv[2] ?? 12);
const BATCHES = 50;
const LIMITS = testLimits();
const NOW = Date.now();

const candidates: { name: string; samplesPerRun: number; fn: (i: number) => void; runs: number; ms: number }[] = [];
function measure(name: string, samplesPerRun: number, fn: (i: number) => void): void {
  candidates.push({ name, samplesPerRun, fn, runs: 0, ms: 0 });
}

/** Round robin, 100 ms per candidate per round, so load from other processes hits all alike. */
function runAll(): void {
  for (const c of candidates) for (let i = 0; i < 100; i++) c.fn(i); // warm up
  const rounds = Math.max(1, Math.round((SECONDS * 10) / candidates.length));
  for (let r = 0; r < rounds; r++) {
    for (const c of candidates) {
      const start = performance.now();
      let n = 0;
      while (performance.now() - start < 100) c.fn(c.runs + n++);
      c.runs += n;
      c.ms += performance.now() - start;
    }
  }
  for (const c of candidates) {
    console.log(`${c.name.padEnd(48)} ${((c.runs * c.samplesPerRun) / (c.ms / 1000) / 1e6).toFixed(2)} M samples/s  (${c.runs} batches in ${(c.ms / 1000).toFixed(1)} s)`);
  }
}

const rwBodies: Buffer[] = [];
for (let b = 0; b < BATCHES; b++) {
  const timeseries = [];
  for (let i = 0; i < 1000; i++) {
    timeseries.push({
      labels: [
        { name: '__name__', value: `node_metric_${i % 50}_total` },
        { name: 'cpu', value: String(i % 16) },
        { name: 'instance', value: `host-${b}:9100` },
        { name: 'job', value: 'node' },
        { name: 'mode', value: ['idle', 'user', 'system', 'iowait'][i % 4]! },
      ],
      samples: [{ value: i * 1.5 + b, timestamp: NOW - 60_000 + b }],
    });
  }
  rwBodies.push(compressSync(WriteRequest.encode(WriteRequest.fromObject({ timeseries })).finish()));
}
const rwRaw = rwBodies.map((b) => uncompressSync(b, { asBuffer: true }) as Buffer);
console.log(`remote write batch: ${rwRaw[0]!.length} bytes protobuf, ${rwBodies[0]!.length} bytes snappy`);
measure('remote write: snappy uncompress', 1000, (i) => uncompressSync(rwBodies[i % BATCHES]!, { asBuffer: true }));
measure('remote write: protobufjs decode (reference)', 1000, (i) => WriteRequest.decode(rwRaw[i % BATCHES]!));
measure('remote write: hand-written wire decode + labels', 1000, (i) => {
  const r = decodeWireWriteRequest(rwRaw[i % BATCHES]!);
  for (const s of r.series) if (s.labels === null) decodeLabels(r.bytes, s.labelsFrom, s.labelsTo);
});
measure('remote write: decodeWriteRequest, label cache warm', 1000, (i) => {
  const r = decodeWriteRequest(rwBodies[i % BATCHES]!, { now: NOW, limits: LIMITS, maxBytes: 10 << 20 });
  if (!r.ok) throw new Error(r.message);
});
measure('remote write: decodeWriteRequest, label cache cold', 1000, (i) => {
  // A new limits object has an empty cache: every series decodes, validates and sorts its labels.
  const r = decodeWriteRequest(rwBodies[i % BATCHES]!, { now: NOW, limits: { ...LIMITS }, maxBytes: 10 << 20 });
  if (!r.ok) throw new Error(r.message);
});

const lpBodies: Buffer[] = [];
for (let b = 0; b < BATCHES; b++) {
  const lines: string[] = [];
  for (let i = 0; i < 100; i++) {
    const fields = Array.from({ length: 10 }, (_, f) => `field_${f}=${(i * 10 + f) * 0.25 + b}`).join(',');
    lines.push(`cpu,host=host-${i},region=eu-west-1,service=api ${fields} ${BigInt(NOW - 60_000 + b) * 1_000_000n}`);
  }
  lpBodies.push(Buffer.from(lines.join('\n')));
}
console.log(`influx batch: ${lpBodies[0]!.length} bytes`);
measure('influx: parseLineProtocol (all)', 1000, (i) => {
  const r = parseLineProtocol(lpBodies[i % BATCHES]!, { precision: 'ns', now: NOW, limits: LIMITS, defaultLabels: [{ name: 'db', value: 'telegraf' }] });
  if (r.errors.length > 0) throw new Error(r.errors[0]!.error_message);
});
measure('influx: the same, byte scanner', 1000, (i) => {
  const r = scanLineProtocol(lpBodies[i % BATCHES]!, { precision: 'ns', now: NOW, limits: LIMITS, defaultLabels: [{ name: 'db', value: 'telegraf' }] });
  if (r.errors.length > 0) throw new Error(r.errors[0]!.error_message);
});
const series = makeSeries(10_000);
const jsonBodies: Buffer[] = [];
const importBodies: Buffer[] = [];
for (let b = 0; b < BATCHES; b++) {
  const items = Array.from({ length: 1000 }, (_, i) => series[(b * 1000 + i) % series.length]!);
  jsonBodies.push(PROTOCOLS.get('json')!.encode(items).body);
  const imp = PROTOCOLS.get('import')!.encode(items);
  for (const off of imp.tsOffsets!) writeTimestamp(imp.body, off, NOW - 60_000 + b);
  importBodies.push(imp.body);
}
if (String(NOW).length !== TS_WIDTH) throw new Error('timestamp width');
const lpBenchBodies: Buffer[] = [];
for (let b = 0; b < BATCHES; b++) {
  const items = Array.from({ length: 1000 }, (_, i) => series[(b * 1000 + i) % series.length]!);
  const lp = PROTOCOLS.get('influx')!.encode(items);
  for (const off of lp.tsOffsets!) writeTimestamp(lp.body, off, NOW - 60_000 + b);
  lpBenchBodies.push(lp.body);
}
measure('influx: 1000 lines x 1 field (bench client), ms', 1000, (i) => {
  const r = parseLineProtocol(lpBenchBodies[i % BATCHES]!, { precision: 'ms', now: NOW, limits: LIMITS, defaultLabels: [] });
  if (r.errors.length > 0) throw new Error(r.errors[0]!.error_message);
});
measure('influx: the same, byte scanner', 1000, (i) => {
  const r = scanLineProtocol(lpBenchBodies[i % BATCHES]!, { precision: 'ms', now: NOW, limits: LIMITS, defaultLabels: [] });
  if (r.errors.length > 0) throw new Error(r.errors[0]!.error_message);
});
// peer-bench's W2 body (bench/side-by-side.sh): 4 tags, one field, ns timestamps, ?db=bench.
const w2Bodies: Buffer[] = [];
for (let b = 0; b < BATCHES; b++) {
  let text = '';
  for (let i = 0; i < 1000; i++) {
    const s = b * 1000 + i;
    const m = s % 100;
    const h = Math.floor(s / 100) % 100;
    const tag = m % 2 === 0 ? `unit=${['percent', 'bytes', 'seconds'][m % 3]}` : `status=${['200', '404', '500'][m % 3]}`;
    const name = m % 2 === 0 ? `bench_gauge_${String(m >> 1).padStart(2, '0')}` : `bench_counter_${String(m >> 1).padStart(2, '0')}_total`;
    const value = m % 2 === 0 ? ((s * 7919) % 10000) / 100 : s * 977;
    text += `${name},host=host${String(h).padStart(3, '0')},region=${['us-east-1', 'us-west-2', 'eu-west-1', 'ap-south-1'][h % 4]},${tag} value=${value} ${NOW - 60_000 + b}000000\n`;
  }
  w2Bodies.push(Buffer.from(text));
}
console.log(`influx W2 batch: ${w2Bodies[0]!.length} bytes`);
const w2Opts = { precision: 'ns', now: NOW, limits: LIMITS, defaultLabels: [{ name: 'db', value: 'bench' }] } as const;
measure('influx: W2 body, parseLineProtocol', 1000, (i) => {
  const r = parseLineProtocol(w2Bodies[i % BATCHES]!, w2Opts);
  if (r.errors.length > 0) throw new Error(r.errors[0]!.error_message);
});
measure('influx: W2 body, byte scanner', 1000, (i) => {
  const r = scanLineProtocol(w2Bodies[i % BATCHES]!, w2Opts);
  if (r.errors.length > 0) throw new Error(r.errors[0]!.error_message);
});
console.log(`json batch: ${jsonBodies[0]!.length} bytes; import batch: ${importBodies[0]!.length} bytes`);
const checkSeed = (ok: boolean | null): void => {
  if (!ok) throw new Error('seed body refused');
};
measure('json: JSON.parse only (floor of the old path)', 1000, (i) => JSON.parse(jsonBodies[i % BATCHES]!.toString('utf8')));
measure('json: JSON.parse + parseSeedBatch (old path)', 1000, (i) => {
  checkSeed(parseSeedBatch(JSON.parse(jsonBodies[i % BATCHES]!.toString('utf8')), NOW, LIMITS, 1000).ok);
});
measure('json: byte scanner, label cache warm', 1000, (i) => checkSeed(scanSeedBody(jsonBodies[i % BATCHES]!, NOW, LIMITS, 1000) !== null));
measure('json: byte scanner, label cache cold', 1000, (i) => checkSeed(scanSeedBody(jsonBodies[i % BATCHES]!, NOW, { ...LIMITS }, 1000) !== null));
/** The old import path: each line decoded to a string, trimmed, JSON.parse + checks. */
function importOld(b: Buffer, parse: (text: string) => unknown): void {
  for (let from = 0; from < b.length; ) {
    let nl = b.indexOf(10, from);
    if (nl < 0) nl = b.length;
    const text = b.toString('utf8', from, nl).trim();
    from = nl + 1;
    if (text.length > 0 && Array.isArray(parse(text))) throw new Error('import line refused');
  }
}
measure('import: JSON.parse per line only (floor)', 1000, (i) => importOld(importBodies[i % BATCHES]!, (t) => JSON.parse(t)));
measure('import: JSON.parse + parseImportLine (old path)', 1000, (i) => importOld(importBodies[i % BATCHES]!, (t) => parseImportLine(t, NOW, LIMITS)));
measure('import: byte scanner, label cache warm', 1000, (i) => {
  if (!('labels' in decodeImportBody(importBodies[i % BATCHES]!, NOW, LIMITS))) throw new Error('import body refused');
});
// What a decode worker does with a piece: the decoder, then its series numbering (series-codec).
const numbering = new SeriesNumbering(1 << 20);
measure('import: decode worker job (decoder + numbering)', 1000, (i) => {
  const r = decodeImportLines(importBodies[i % BATCHES]!, { now: NOW, params: {} }, { limits: LIMITS, maxBytes: 1 << 26, maxMetrics: 1 << 20 });
  if (!r.ok) throw new Error('import body refused');
  numbering.encode(r.batch.labels, r.batch.refs);
});
measure('import: byte scanner, label cache cold', 1000, (i) => {
  if (!('labels' in decodeImportBody(importBodies[i % BATCHES]!, NOW, { ...LIMITS }))) throw new Error('import body refused');
});
runAll();
