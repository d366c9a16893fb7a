// Decodes a Prometheus remote write 1.0 body (snappy block format around a protobuf
// WriteRequest) into validated series and metric metadata. A pure function of the bytes, so it
// can run anywhere (e.g. a decode worker). The batch is atomic: any problem refuses it all.
//
// Remote write 1.0 defines TimeSeries as labels + samples only; exemplars (field 3) and native
// histograms (field 4), which Prometheus sends when send_exemplars / send_native_histograms are
// on, are fields a 1.0 receiver does not know, so under protobuf's rules they are skipped and the
// samples are accepted. They are decoded as opaque bytes only to be counted.
import protobuf from 'protobufjs';
import { uncompressSync } from 'snappy';
import { sortLabels, type Label, type MetricMetadata, type MetricType } from '../../storage/index.js';
import type { SeriesSamples } from '../series-batch.js';
import { checkLabelName, checkLabelValue, checkMetricName, checkTimestamp, type ValidationLimits } from '../validate.js';

/** prometheus/prompb's WriteRequest, reduced to what a 1.0 receiver reads (plus metadata). */
const root = protobuf.Root.fromJSON({
  nested: {
    WriteRequest: {
      fields: {
        timeseries: { rule: 'repeated', type: 'TimeSeries', id: 1 },
        metadata: { rule: 'repeated', type: 'MetricMetadata', id: 3 },
      },
    },
    TimeSeries: {
      fields: {
        labels: { rule: 'repeated', type: 'Label', id: 1 },
        samples: { rule: 'repeated', type: 'Sample', id: 2 },
        exemplars: { rule: 'repeated', type: 'bytes', id: 3 },
        histograms: { rule: 'repeated', type: 'bytes', id: 4 },
      },
    },
    Label: { fields: { name: { type: 'string', id: 1 }, value: { type: 'string', id: 2 } } },
    Sample: { fields: { value: { type: 'double', id: 1 }, timestamp: { type: 'int64', id: 2 } } },
    MetricMetadata: {
      fields: {
        type: { type: 'int32', id: 1 },
        metricFamilyName: { type: 'string', id: 2 },
        help: { type: 'string', id: 4 },
        unit: { type: 'string', id: 5 },
      },
    },
  },
});
/** The WriteRequest type, exported for tests and tools that build requests. */
export const WriteRequest = root.lookupType('WriteRequest');

interface Int64 {
  toNumber(): number;
}
interface PbLabel {
  name: string;
  value: string;
}
interface PbSample {
  value: number;
  timestamp: number | Int64;
}
interface PbSeries {
  labels: PbLabel[];
  samples: PbSample[];
  exemplars: Uint8Array[];
  histograms: Uint8Array[];
}
interface PbMetadata {
  type: number;
  metricFamilyName: string;
  help: string;
  unit: string;
}
interface PbWriteRequest {
  timeseries: PbSeries[];
  metadata: PbMetadata[];
}

/** prompb MetricMetadata.MetricType -> ours (gaugehistogram, info and stateset have no twin). */
const TYPES: readonly MetricType[] = ['unknown', 'counter', 'gauge', 'histogram', 'unknown', 'summary', 'unknown', 'unknown'];

export interface WriteBatch {
  readonly series: SeriesSamples[];
  readonly metadata: Map<string, MetricMetadata>;
  readonly samples: number;
  readonly droppedExemplars: number;
  readonly droppedHistograms: number;
}

/** One problem, naming the series (0-based index in the request) it was found in. */
export interface SeriesProblem {
  readonly series: number | null;
  readonly message: string;
}

export type DecodeResult =
  | { readonly ok: true; readonly batch: WriteBatch }
  | { readonly ok: false; readonly status: 400 | 413; readonly message: string; readonly details: SeriesProblem[] };

export interface DecodeOptions {
  readonly now: number;
  readonly limits: ValidationLimits;
  /** Largest decompressed size accepted. */
  readonly maxBytes: number;
}

const MAX_LISTED = 20;

/** The uncompressed length a snappy block announces (its varint preamble), or -1 if malformed. */
export function snappyLength(b: Uint8Array): number {
  let n = 0;
  for (let i = 0, shift = 0; i < 5 && i < b.length; i++, shift += 7) {
    const c = b[i]!;
    n += (c & 0x7f) * 2 ** shift;
    if (c < 0x80) return n;
  }
  return -1;
}

function fail(status: 400 | 413, message: string, details: SeriesProblem[] = []): DecodeResult {
  return { ok: false, status, message, details };
}

function describeSeries(labels: PbLabel[]): string {
  let name = '';
  const rest: string[] = [];
  for (const l of labels) {
    if (l.name === '__name__') name = l.value;
    else if (rest.length < 5) rest.push(`${l.name}=${JSON.stringify(l.value.length > 40 ? l.value.slice(0, 40) + '…' : l.value)}`);
  }
  return `${name.length > 80 ? name.slice(0, 80) + '…' : name}{${rest.join(', ')}}`;
}

/** Checks one series' labels; returns them sorted (empty values dropped) or a problem message. */
function seriesLabels(pb: PbLabel[], limits: ValidationLimits): Label[] | string {
  const out: Label[] = [];
  let name: string | null = null;
  for (const l of pb) {
    if (l.name === '__name__') {
      if (name !== null) return 'label "__name__" appears more than once';
      const p = checkMetricName(l.value, limits);
      if (p) return p;
      name = l.value;
      continue;
    }
    const np = checkLabelName(l.name, limits);
    if (np) return np;
    const vp = checkLabelValue(l.value, limits);
    if (vp) return `label ${JSON.stringify(l.name)}: ${vp}`;
    // An empty value means "no such label" (Prometheus semantics).
    if (l.value !== '') out.push({ name: l.name, value: l.value });
  }
  if (name === null) return 'series has no "__name__" label; every series needs a metric name';
  if (out.length > limits.maxLabelsPerSeries) return `series has ${out.length} labels, the limit is ${limits.maxLabelsPerSeries}`;
  out.push({ name: '__name__', value: name });
  sortLabels(out);
  for (let i = 1; i < out.length; i++) {
    if (out[i]!.name === out[i - 1]!.name) return `label ${JSON.stringify(out[i]!.name)} appears more than once`;
  }
  return out;
}

/**
 * Decodes and validates a snappy-compressed WriteRequest. Never throws on bad input.
 * @example decodeWriteRequest(snappy.compressSync(WriteRequest.encode(msg).finish()), { now: Date.now(), limits, maxBytes: 10 << 20 })
 */
export function decodeWriteRequest(body: Uint8Array, o: DecodeOptions): DecodeResult {
  if (body.length === 0) return fail(400, 'request body is empty; send a snappy-compressed protobuf WriteRequest');
  const size = snappyLength(body);
  if (size < 0) return fail(400, 'request body is not snappy-compressed data (block format): its length preamble is malformed');
  if (size > o.maxBytes) return fail(413, `request body decompresses to ${size} bytes, the limit is ${o.maxBytes} bytes`);
  let raw: Uint8Array;
  try {
    raw = uncompressSync(body, { asBuffer: true }) as Buffer;
  } catch (e) {
    return fail(400, `request body is not valid snappy-compressed data (block format): ${(e as Error).message}`);
  }
  let req: PbWriteRequest;
  try {
    req = WriteRequest.decode(raw) as unknown as PbWriteRequest;
  } catch (e) {
    return fail(400, `request body is not a valid protobuf WriteRequest: ${(e as Error).message}`);
  }
  const problems: SeriesProblem[] = [];
  let badSeries = 0;
  const series: SeriesSamples[] = [];
  let samples = 0;
  let droppedExemplars = 0;
  let droppedHistograms = 0;
  const ts = req.timeseries;
  for (let k = 0; k < ts.length; k++) {
    const s = ts[k]!;
    droppedExemplars += s.exemplars.length;
    droppedHistograms += s.histograms.length;
    const pbSamples = s.samples;
    if (pbSamples.length === 0) continue;
    const labels = seriesLabels(s.labels, o.limits);
    let problem: string | null = typeof labels === 'string' ? labels : null;
    const times = new Float64Array(pbSamples.length);
    const values = new Float64Array(pbSamples.length);
    for (let i = 0; problem === null && i < pbSamples.length; i++) {
      const p = pbSamples[i]!;
      const t = typeof p.timestamp === 'number' ? p.timestamp : p.timestamp.toNumber();
      problem = checkTimestamp(t, o.now, o.limits);
      times[i] = t;
      values[i] = p.value;
    }
    if (problem !== null) {
      badSeries++;
      if (problems.length < MAX_LISTED) problems.push({ series: k, message: `${describeSeries(s.labels)}: ${problem}` });
      continue;
    }
    series.push({ labels: labels as Label[], ts: times, vs: values });
    samples += pbSamples.length;
  }
  const metadata = new Map<string, MetricMetadata>();
  for (const m of req.metadata) {
    const p = checkMetricName(m.metricFamilyName, o.limits);
    if (p) {
      badSeries++;
      if (problems.length < MAX_LISTED) problems.push({ series: null, message: `metadata: ${p}` });
      continue;
    }
    metadata.set(m.metricFamilyName, { type: TYPES[m.type] ?? 'unknown', help: m.help, unit: m.unit });
  }
  if (badSeries > 0) {
    return fail(400, `${badSeries} of ${ts.length + req.metadata.length} series and metadata entries are invalid, nothing was stored; ${problems[0]!.message}`, problems);
  }
  return { ok: true, batch: { series, metadata, samples, droppedExemplars, droppedHistograms } };
}
