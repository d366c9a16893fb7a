// The fast path of POST /api/v1/import: scans one JSON line's bytes
// ({"metric":{...},"values":[...],"timestamps":[...]}) into typed arrays, finding the series'
// labels in a cache by the bytes of its "metric" object. It answers only for lines JSON.parse
// accepts and parseImportLine finds valid and already in time order; anything else (a syntax
// error, an invalid value, unsorted timestamps, Unicode spaces that trim() removes, escaped
// keys, "Inf" strings written with escapes) goes to the text path, line by line.
import type { Labels } from '../../storage/index.js';
import { importLabels, parseImportLine } from '../import/parse.js';
import type { SampleBatch, SeriesRef } from '../series-batch.js';
import { checkTimestamp, type Problem, type ValidationLimits } from '../validate.js';
import { BytesCache } from '../bytes-cache.js';
import { cached, cachedObjectEnd } from './cached-object.js';
import { ascii, BAIL, bytesEqual, matchBytes, scanNumber, scanPlainDecimal, scanPlainInteger, scanString, skipValue, skipWs, tok, utf8Slice } from './json-bytes.js';
import { freezeLabels, plainMetricLabels } from './plain-labels.js';

/**
 * A cached series: its checked labels and, once appended (or numbered by a decode worker), its
 * reference (SeriesRef): a series seen before is then found without a lookup by its labels.
 */
interface ImportSeries extends SeriesRef {
  readonly labels: Labels;
}

/** One line's samples (reused from line to line: only [0, n) is this line's). */
export class ImportScratch {
  ts: Float64Array<ArrayBuffer> = new Float64Array(64);
  vs: Float64Array<ArrayBuffer> = new Float64Array(64);
  n = 0;
  /** The line's series reference when the byte scan answered it (null from the text path). */
  ref: SeriesRef | null = null;
  /** The problems of the last line, when importLine returned null for a bad line. */
  problems: Problem[] | null = null;
}

const caches = new WeakMap<ValidationLimits, BytesCache<ImportSeries>>();
export const IMPORT_CACHE_CAPACITY = 65_536;

let lastLimits: ValidationLimits | null = null;
let lastCache: BytesCache<ImportSeries> | null = null;

function cacheFor(limits: ValidationLimits): BytesCache<ImportSeries> {
  if (limits === lastLimits) return lastCache!;
  let c = caches.get(limits);
  if (c === undefined) caches.set(limits, (c = new BytesCache<ImportSeries>(IMPORT_CACHE_CAPACITY)));
  lastLimits = limits;
  lastCache = c;
  return c;
}

/**
 * Appends a line's samples to `ts`/`vs` at `at` (room checked by the caller). Most lines hold one
 * sample: element copies then, where two subarray() views and set() calls per line cost more
 * than scanning the line. Typed-array element copies keep NaN payloads.
 */
export function copySamples(out: ImportScratch, ts: Float64Array, vs: Float64Array, at: number): void {
  const n = out.n;
  if (n <= 16) {
    const ots = out.ts;
    const ovs = out.vs;
    for (let i = 0; i < n; i++) {
      ts[at + i] = ots[i]!;
      vs[at + i] = ovs[i]!;
    }
    return;
  }
  ts.set(out.ts.subarray(0, n), at);
  vs.set(out.vs.subarray(0, n), at);
}

function grow(a: Float64Array): Float64Array<ArrayBuffer> {
  const b = new Float64Array(a.length * 2);
  b.set(a);
  return b;
}

/** A line of only JSON whitespace. */
export const BLANK = 'blank';

/** How many entries the last array scan wrote. */
let arrCount = 0;

/** Scans a "values" array into out.vs; BAIL on anything but numbers and the exact strings NaN, +Inf, Inf, -Inf. */
function scanValues(b: Buffer, p: number, end: number, out: ImportScratch): number {
  let n = 0;
  p = skipWs(b, p + 1, end);
  if (p < end && b[p] === 0x5d) {
    arrCount = 0;
    return p + 1;
  }
  for (;;) {
    if (p >= end) return BAIL;
    const c = b[p]!;
    let v: number;
    if (c === 0x22) {
      const q = scanString(b, p, end);
      if (q === BAIL || tok.escaped) return BAIL;
      if (bytesEqual(b, p + 1, q - 1, 'NaN')) v = NaN;
      else if (bytesEqual(b, p + 1, q - 1, '+Inf') || bytesEqual(b, p + 1, q - 1, 'Inf')) v = Infinity;
      else if (bytesEqual(b, p + 1, q - 1, '-Inf')) v = -Infinity;
      else return BAIL;
      p = q;
    } else {
      p = scanNumber(b, p, end);
      if (p === BAIL) return BAIL;
      v = tok.num;
    }
    if (n === out.vs.length) out.vs = grow(out.vs);
    out.vs[n++] = v;
    p = skipWs(b, p, end);
    if (p >= end) return BAIL;
    if (b[p] === 0x5d) break;
    if (b[p] !== 0x2c) return BAIL;
    p = skipWs(b, p + 1, end);
  }
  arrCount = n;
  return p + 1;
}

/** Scans a "timestamps" array of numbers into out.ts. */
function scanTimestamps(b: Buffer, p: number, end: number, out: ImportScratch): number {
  let n = 0;
  p = skipWs(b, p + 1, end);
  if (p < end && b[p] === 0x5d) {
    arrCount = 0;
    return p + 1;
  }
  for (;;) {
    p = scanNumber(b, p, end);
    if (p === BAIL) return BAIL;
    if (n === out.ts.length) out.ts = grow(out.ts);
    out.ts[n++] = tok.num;
    p = skipWs(b, p, end);
    if (p >= end) return BAIL;
    if (b[p] === 0x5d) break;
    if (b[p] !== 0x2c) return BAIL;
    p = skipWs(b, p + 1, end);
  }
  arrCount = n;
  return p + 1;
}

const METRIC_KEY = ascii('{"metric":');
const VALUES_KEY = ascii(',"values":[');
const TIMESTAMPS_KEY = ascii(',"timestamps":[');

/** Where the metric object of the line scanCompact read last ends, and its cache entry (-1: none matched). */
let compactMetricTo = -1;
let compactEntry = -1;

/**
 * The line written as most senders write every line, {"metric":{...},"values":[...],
 * "timestamps":[...]} without spaces (as VictoriaMetrics exports): the keys are compared as whole
 * byte runs. Returns where the metric object starts (its end and cache entry in compactMetricTo
 * and compactEntry, the samples in out) or BAIL for any other line, which the key loop reads.
 */
function scanCompact(b: Buffer, p: number, to: number, cache: BytesCache<ImportSeries>, out: ImportScratch): number {
  if (!matchBytes(b, p, to, METRIC_KEY)) return BAIL;
  const mf = p + METRIC_KEY.length;
  if (mf >= to || b[mf] !== 0x7b) return BAIL;
  let q = cachedObjectEnd(cache, b, mf, to);
  compactEntry = cached.entry;
  if (q === BAIL || !matchBytes(b, q, to, VALUES_KEY)) return BAIL;
  compactMetricTo = q;
  q = scanValues(b, q + VALUES_KEY.length - 1, to, out);
  const nv = arrCount;
  if (q === BAIL || !matchBytes(b, q, to, TIMESTAMPS_KEY)) return BAIL;
  q = scanTimestamps(b, q + TIMESTAMPS_KEY.length - 1, to, out);
  if (q === BAIL || arrCount !== nv || q >= to || b[q] !== 0x7d || skipWs(b, q + 1, to) !== to) return BAIL;
  return mf;
}

/**
 * Scans the line b[from, to) (no \n in it): the series' labels with its samples in out[0, n),
 * BLANK for a line of JSON whitespace, or null for "not answered here" (use parseImportLine).
 */
export function scanImportLine(b: Buffer, from: number, to: number, now: number, limits: ValidationLimits, out: ImportScratch): Labels | typeof BLANK | null {
  let p = skipWs(b, from, to);
  if (p === to) return BLANK;
  if (b[p] !== 0x7b) return null;
  const cache = cacheFor(limits);
  const compact = scanCompact(b, p, to, cache, out);
  if (compact !== BAIL) return lineSeries(b, compact, compactMetricTo, compactEntry, arrCount, now, limits, out, cache);
  p = skipWs(b, p + 1, to);
  let metricFrom = -1;
  let metricTo = -1;
  let metricEntry = -1;
  let nv = -1;
  let nt = -1;
  if (p < to && b[p] === 0x7d) return null;
  for (;;) {
    if (p >= to || b[p] !== 0x22) return null;
    const k = p;
    const q = scanString(b, p, to);
    if (q === BAIL || tok.escaped) return null;
    const isMetric = bytesEqual(b, k + 1, q - 1, 'metric');
    const isValues = !isMetric && bytesEqual(b, k + 1, q - 1, 'values');
    const isTimestamps = !isMetric && !isValues && bytesEqual(b, k + 1, q - 1, 'timestamps');
    p = skipWs(b, q, to);
    if (p >= to || b[p] !== 0x3a) return null;
    p = skipWs(b, p + 1, to);
    if (p >= to) return null;
    const c = b[p];
    // Last duplicate key wins, as in JSON.parse; a field of the wrong type is the text path's to refuse.
    if (isMetric) {
      if (c !== 0x7b) return null;
      metricFrom = p;
      p = cachedObjectEnd(cache, b, metricFrom, to);
      metricEntry = cached.entry;
      if (p === BAIL) p = skipValue(b, metricFrom, to);
      metricTo = p;
    } else if (isValues) {
      if (c !== 0x5b) return null;
      p = scanValues(b, p, to, out);
      nv = arrCount;
    } else if (isTimestamps) {
      if (c !== 0x5b) return null;
      p = scanTimestamps(b, p, to, out);
      nt = arrCount;
    } else {
      p = skipValue(b, p, to);
    }
    if (p === BAIL) return null;
    p = skipWs(b, p, to);
    if (p >= to) return null;
    if (b[p] === 0x7d) break;
    if (b[p] !== 0x2c) return null;
    p = skipWs(b, p + 1, to);
  }
  if (skipWs(b, p + 1, to) !== to) return null;
  if (metricFrom < 0 || nv < 0 || nv !== nt) return null;
  return lineSeries(b, metricFrom, metricTo, metricEntry, nt, now, limits, out, cache);
}

/**
 * The end of a scanned line: checks its nt timestamps (in out.ts, values in out.vs) and finds its
 * series by the metric object b[metricFrom, metricTo) (cache entry metricEntry when it was
 * matched already, else -1); null for a line the text path must read.
 */
function lineSeries(
  b: Buffer,
  metricFrom: number,
  metricTo: number,
  metricEntry: number,
  nt: number,
  now: number,
  limits: ValidationLimits,
  out: ImportScratch,
  cache: BytesCache<ImportSeries>,
): Labels | null {
  // Every timestamp valid and in order; the text path sorts the others.
  const ts = out.ts;
  for (let i = 0; i < nt; i++) {
    const t = ts[i]!;
    if (checkTimestamp(t, now, limits) !== null) return null;
    if (i > 0 && t < ts[i - 1]!) return null;
  }
  out.n = nt;
  let series: ImportSeries;
  if (metricEntry >= 0) {
    cache.hit(metricEntry);
    series = cache.value(metricEntry);
    out.ref = series;
    return series.labels;
  }
  const hit = cache.find(b, 0, 0, metricFrom, metricTo);
  if (hit >= 0) {
    series = cache.value(hit);
    out.ref = series;
    return series.labels;
  }
  let labels = plainMetricLabels(b, metricFrom, metricTo, limits);
  if (labels === null) {
    let metric: unknown;
    try {
      metric = JSON.parse(utf8Slice.call(b, metricFrom, metricTo));
    } catch {
      return null;
    }
    const problems: Problem[] = [];
    labels = importLabels(metric as object, limits, problems);
    if (problems.length > 0) return null;
  }
  freezeLabels(labels);
  series = { labels, ref: 0, scope: null };
  cache.add(b, 0, 0, metricFrom, metricTo, series);
  out.ref = series;
  return labels;
}

// The line as peer senders and VictoriaMetrics's export write it, compared as 32-bit words:
// {"metric":  then the label object, then ,"values":[  and  ],"timestamps":[  around the sample.
const W_METRIC = [0x656d227b, 0x63697274, 0x3a22]; // {"me tric ":
const W_VALUES = [0x6176222c, 0x7365756c, 0x5b3a22]; // ,"va lues ":[
const W_TIMESTAMPS = [0x74222c5d, 0x73656d69, 0x706d6174, 0x5b3a2273]; // ],"t imes tamp s":[

/** Where the line scanPredictedLine read ends (its newline, or the end of the input). */
export let predictedLineEnd = 0;

/**
 * The whole line at b[from] when it is exactly {"metric":{...},"values":[v],"timestamps":[t]}
 * followed by a newline or the end: one sample, a plain decimal value, an integer timestamp the
 * limits accept, and the label object byte for byte the series the label cache predicts next
 * (senders repeat their series in order). Returns that series' labels with the sample in out
 * (the line's end in predictedLineEnd), or null with nothing consumed: the caller then finds
 * the line's end and reads it through importLine, which gives the same answer for these lines
 * (the same cache entry, the same number rules; the equivalence tests hold them together).
 * Cheaper per line than importLine: no search for the newline, and the fixed keys compared a
 * word at a time.
 */
export function scanPredictedLine(
  b: Buffer,
  view: DataView,
  from: number,
  end: number,
  now: number,
  limits: ValidationLimits,
  out: ImportScratch,
): Labels | null {
  // The shortest such line: {"metric":{},"values":[0],"timestamps":[0]} is 44 bytes.
  if (from + 44 > end) return null;
  if (view.getInt32(from, true) !== W_METRIC[0] || view.getInt32(from + 4, true) !== W_METRIC[1] || view.getUint16(from + 8, true) !== W_METRIC[2]) return null;
  const cache = cacheFor(limits);
  const e = cache.predicted();
  if (e < 0) return null;
  let p = cache.matchSecond(e, b, from + 10, end);
  if (p < 0 || p + 11 > end) return null;
  if (view.getInt32(p, true) !== W_VALUES[0] || view.getInt32(p + 4, true) !== W_VALUES[1] || (view.getUint32(p + 7, true) >>> 8) !== W_VALUES[2]) return null;
  p = scanPlainDecimal(b, p + 11, end);
  if (p === BAIL) return null;
  const v = tok.num;
  // ],"timestamps":[ then a positive integer below 2^53 (at most 15 digits) then ]} and the line's end.
  if (p + 16 > end) return null;
  if (
    view.getInt32(p, true) !== W_TIMESTAMPS[0] ||
    view.getInt32(p + 4, true) !== W_TIMESTAMPS[1] ||
    view.getInt32(p + 8, true) !== W_TIMESTAMPS[2] ||
    view.getInt32(p + 12, true) !== W_TIMESTAMPS[3]
  ) {
    return null;
  }
  p = scanPlainInteger(b, p + 16, end);
  if (p === BAIL) return null;
  const t = tok.num;
  if (p + 2 > end || b[p] !== 0x5d || b[p + 1] !== 0x7d) return null;
  p += 2;
  if (p < end && b[p] !== 0x0a) return null;
  if (checkTimestamp(t, now, limits) !== null) return null;
  cache.hit(e);
  const series = cache.value(e);
  out.ts[0] = t;
  out.vs[0] = v;
  out.n = 1;
  out.ref = series;
  predictedLineEnd = p;
  return series.labels;
}

/**
 * One import line, by the fast scan or else the text path: the series' labels with its samples
 * in out[0, n), or null for a blank line (out.problems null) or a bad one (out.problems set).
 */
export function importLine(b: Buffer, from: number, to: number, now: number, limits: ValidationLimits, out: ImportScratch): Labels | null {
  out.problems = null;
  out.ref = null;
  const fast = scanImportLine(b, from, to, now, limits, out);
  if (fast === BLANK) return null;
  if (fast !== null) return fast;
  const text = utf8Slice.call(b, from, to).trim();
  if (text.length === 0) return null;
  const r = parseImportLine(text, now, limits);
  if (Array.isArray(r)) {
    out.problems = r;
    return null;
  }
  const n = r.ts.length;
  while (out.ts.length < n) out.ts = grow(out.ts);
  while (out.vs.length < n) out.vs = grow(out.vs);
  for (let i = 0; i < n; i++) {
    out.ts[i] = r.ts[i]!;
    out.vs[i] = r.vs[i]!;
  }
  out.n = n;
  return r.labels;
}

/** A whole import body as a batch (one entry per non-blank line), or the first bad line's number and problems. For tests and benchmarks; the handler streams. */
export function decodeImportBody(b: Buffer, now: number, limits: ValidationLimits): SampleBatch | { line: number; problems: Problem[] } {
  const out = new ImportScratch();
  const labels: Labels[] = [];
  const start: number[] = [0];
  let ts = new Float64Array(1024);
  let vs = new Float64Array(1024);
  let total = 0;
  let lineNo = 0;
  for (let from = 0; from < b.length; ) {
    let nl = b.indexOf(10, from);
    if (nl < 0) nl = b.length;
    lineNo++;
    const r = importLine(b, from, nl, now, limits, out);
    from = nl + 1;
    if (r === null) {
      if (out.problems !== null) return { line: lineNo, problems: out.problems };
      continue;
    }
    while (total + out.n > ts.length) {
      ts = grow(ts);
      vs = grow(vs);
    }
    copySamples(out, ts, vs, total);
    total += out.n;
    labels.push(r);
    start.push(total);
  }
  return { labels, start, ts: ts.subarray(0, total), vs: vs.subarray(0, total) };
}
