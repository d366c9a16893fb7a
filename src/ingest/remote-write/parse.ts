// Decodes a Prometheus remote write 1.0 body (snappy block format around a protobuf
// WriteRequest) into validated series and metric metadata. A pure function of the bytes, so it
// can run anywhere (e.g. a decode worker). The batch is atomic: any problem refuses it all.
//
// Remote write 1.0 defines TimeSeries as labels + samples only; exemplars (field 3) and native
// histograms (field 4), which Prometheus sends when send_exemplars / send_native_histograms are
// on, are fields a 1.0 receiver does not know, so under protobuf's rules they are skipped and the
// samples are accepted. They are only counted.
import { uncompressSync } from 'snappy';
import { sortLabels, type Label, type MetricMetadata, type MetricType } from '../../storage/index.js';
import { BytesCache } from '../bytes-cache.js';
import type { SampleBatch, SeriesRef } from '../series-batch.js';
import { checkLabelName, checkLabelValue, checkMetricName, checkTimestamp, type ValidationLimits } from '../validate.js';
import { PredictedOut, scanPredictedSeries, type CachedSeries } from './predicted-series.js';
import { decodeLabels, decodeWireWriteRequest, WireError, type WireWriteRequest } from './write-request.js';

/** prompb MetricMetadata.MetricType -> ours (gaugehistogram, info and stateset have no twin). */
const TYPES: readonly MetricType[] = ['unknown', 'counter', 'gauge', 'histogram', 'unknown', 'summary', 'unknown', 'unknown'];

export interface WriteBatch extends SampleBatch {
  readonly refs: readonly SeriesRef[];
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

/**
 * Validated, sorted labels (or the problem found) by the bytes a sender encoded them as, per set
 * of limits. Senders resend the same series every interval, in the same order, so most series
 * skip decoding, validating and sorting their labels, and most lookups are one byte compare
 * against the predicted entry (BytesCache). A Map keyed by a latin1 string of the bytes cost
 * 0.5 µs per lookup at 10,000 series, more than the rest of the decode. Bounded: emptied when full.
 */
const labelCaches = new WeakMap<ValidationLimits, BytesCache<CachedSeries | string>>();
const LABEL_CACHE_MAX = 65_536;

function cacheFor(limits: ValidationLimits): BytesCache<CachedSeries | string> {
  let c = labelCaches.get(limits);
  if (c === undefined) labelCaches.set(limits, (c = new BytesCache<CachedSeries | string>(LABEL_CACHE_MAX)));
  return c;
}

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

function describeSeries(labels: readonly Label[]): string {
  let name = '';
  const rest: string[] = [];
  for (const l of labels) {
    if (l.name === '__name__') name = l.value;
    else if (rest.length < 5) rest.push(`${l.name}=${JSON.stringify(l.value.length > 40 ? l.value.slice(0, 40) + '…' : l.value)}`);
  }
  return `${name.length > 80 ? name.slice(0, 80) + '…' : name}{${rest.join(', ')}}`;
}

/** Checks one series' labels; returns them sorted (empty values dropped) or a problem message. */
function seriesLabels(pb: readonly Label[], limits: ValidationLimits): Label[] | string {
  const out: Label[] = [];
  // Names sent with an empty value: not stored, but still names of the series, so one sent twice
  // (or also with a value) is a duplicate, as Prometheus's receiver checks the labels as sent.
  let emptyNames: string[] | null = null;
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
    else {
      if (emptyNames?.includes(l.name)) return `label ${JSON.stringify(l.name)} appears more than once`;
      (emptyNames ??= []).push(l.name);
    }
  }
  if (name === null) return 'series has no "__name__" label; every series needs a metric name';
  if (out.length > limits.maxLabelsPerSeries) return `series has ${out.length} labels, the limit is ${limits.maxLabelsPerSeries}`;
  out.push({ name: '__name__', value: name });
  sortLabels(out);
  for (let i = 1; i < out.length; i++) {
    if (out[i]!.name === out[i - 1]!.name) return `label ${JSON.stringify(out[i]!.name)} appears more than once`;
  }
  if (emptyNames !== null) {
    for (const e of emptyNames) {
      if (out.some((l) => l.name === e)) return `label ${JSON.stringify(e)} appears more than once`;
    }
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
  const cache = cacheFor(o.limits);
  // Most series first, in one go (predicted-series.ts); the general decoder takes the message
  // from the first TimeSeries that read leaves, numbering its series after those taken.
  const fast = new PredictedOut(Math.max(16, Math.min(1 << 20, raw.length >>> 5)));
  const from = scanPredictedSeries(raw as Buffer, new DataView(raw.buffer, raw.byteOffset, raw.byteLength), 0, cache, fast, o.now, o.limits);
  if (from === raw.length) {
    const { labels, refs, start, ts, vs, n } = fast;
    return { ok: true, batch: { labels, refs, start, ts, vs, metadata: new Map(), samples: n, droppedExemplars: 0, droppedHistograms: 0 } };
  }
  let req: WireWriteRequest;
  try {
    req = decodeWireWriteRequest(raw, from);
  } catch (e) {
    if (!(e instanceof WireError)) throw e;
    return fail(400, `request body is not a valid protobuf WriteRequest: ${e.message} at byte ${e.offset}`);
  }
  const problems: SeriesProblem[] = [];
  let badSeries = 0;
  const labelsOf = fast.labels;
  const refs = fast.refs;
  // Series without samples hold no range of the columns, so the kept ranges follow each other,
  // after the samples taken in one go.
  const start = fast.start;
  const taken = fast.n;
  // The general decoder numbers its series after those taken (one per sample taken).
  let samples = taken;
  let droppedExemplars = 0;
  let droppedHistograms = 0;
  const { ts, vs, bytes } = req;
  const all = req.series;
  for (let k = 0; k < all.length; k++) {
    const s = all[k]!;
    droppedExemplars += s.exemplars;
    droppedHistograms += s.histograms;
    if (s.from === s.to) continue;
    let labels: Label[] | string;
    let ref: SeriesRef;
    if (s.labels !== null) {
      labels = seriesLabels(s.labels, o.limits);
      ref = { ref: 0, scope: null };
    } else {
      const hit = cache.find(bytes, s.labelsFrom, s.labelsTo, s.labelsTo, s.labelsTo);
      let known: CachedSeries | string;
      if (hit >= 0) known = cache.value(hit);
      else {
        try {
          const checked = seriesLabels(decodeLabels(bytes, s.labelsFrom, s.labelsTo), o.limits);
          known = typeof checked === 'string' ? checked : { labels: checked, ref: 0, scope: null };
        } catch (e) {
          if (!(e instanceof WireError)) throw e;
          return fail(400, `request body is not a valid protobuf WriteRequest: ${e.message} at byte ${e.offset}`);
        }
        // Right after the find() that missed: add() takes the key's hash from it.
        cache.add(bytes, s.labelsFrom, s.labelsTo, s.labelsTo, s.labelsTo, known);
      }
      if (typeof known === 'string') {
        labels = known;
        ref = { ref: 0, scope: null };
      } else {
        labels = known.labels;
        ref = known;
      }
    }
    let problem: string | null = typeof labels === 'string' ? labels : null;
    for (let i = s.from; problem === null && i < s.to; i++) problem = checkTimestamp(ts[i]!, o.now, o.limits);
    if (problem !== null) {
      badSeries++;
      const raw = s.labels ?? decodeLabels(bytes, s.labelsFrom, s.labelsTo);
      if (problems.length < MAX_LISTED) problems.push({ series: taken + k, message: `${describeSeries(raw)}: ${problem}` });
      continue;
    }
    labelsOf.push(labels as Label[]);
    refs.push(ref);
    start.push(taken + s.to);
    samples += s.to - s.from;
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
    return fail(400, `${badSeries} of ${taken + all.length + req.metadata.length} series and metadata entries are invalid, nothing was stored; ${problems[0]!.message}`, problems);
  }
  if (taken === 0) return { ok: true, batch: { labels: labelsOf, refs, start, ts, vs, metadata, samples, droppedExemplars, droppedHistograms } };
  // Both parts' samples in one pair of columns.
  const allTs = new Float64Array(samples);
  const allVs = new Float64Array(samples);
  allTs.set(fast.ts.subarray(0, taken));
  allVs.set(fast.vs.subarray(0, taken));
  allTs.set(ts.subarray(0, samples - taken), taken);
  allVs.set(vs.subarray(0, samples - taken), taken);
  return { ok: true, batch: { labels: labelsOf, refs, start, ts: allTs, vs: allVs, metadata, samples, droppedExemplars, droppedHistograms } };
}
