// The fast path of POST /metrics: scans the raw body bytes of {"metrics":[{...},...]} straight
// into columns (no JSON.parse, no object per metric), finding each series' labels in a cache by
// the bytes of its name and tags. It only ever answers for a body that JSON.parse accepts and
// parseSeedBatch finds valid; for anything else (a syntax error, an invalid metric, a duplicate
// "metrics" key, an escaped key, deep nesting) it returns null and the caller runs the
// JSON.parse path, which then produces the same answer and error messages as before.
import type { Labels, MetricType } from '../../storage/index.js';
import type { SampleBatch, SeriesRef } from '../series-batch.js';
import { parseRfc3339, TYPES } from '../seed-json/parse.js';
import { buildLabels, checkMetricName, checkTimestamp, type Problem, type ValidationLimits } from '../validate.js';
import { BytesCache } from '../bytes-cache.js';
import { cached, cachedObjectEnd } from './cached-object.js';
import { ascii, BAIL, bytesEqual, decodeString, matchBytes, scanNumber, scanPlainDecimal, scanPlainInteger, scanString, skipValue, skipWs, tok, utf8Slice } from './json-bytes.js';
import { freezeLabels, plainTagLabels } from './plain-labels.js';

/** A decoded POST /metrics body: one entry (one sample) per metric, in order. */
export interface SeedBatch extends SampleBatch {
  readonly names: readonly string[];
  readonly types: readonly MetricType[];
  readonly help: readonly (string | undefined)[];
  readonly unit: readonly (string | undefined)[];
}

/** A cached series: its name, checked labels, and its storage reference once appended (SeriesRef). */
interface SeriesEntry extends SeriesRef {
  readonly name: string;
  readonly labels: Labels;
}

/** Checked, frozen label sets by the bytes of their name and tags, per set of limits. */
const caches = new WeakMap<ValidationLimits, BytesCache<SeriesEntry>>();
export const SEED_CACHE_CAPACITY = 65_536;

function cacheFor(limits: ValidationLimits): BytesCache<SeriesEntry> {
  let c = caches.get(limits);
  if (c === undefined) caches.set(limits, (c = new BytesCache<SeriesEntry>(SEED_CACHE_CAPACITY)));
  return c;
}

/** Field states of the metric being scanned: absent, a value of the wanted JSON type, or another type. */
const ABSENT = 0;
const OK = 1;
const WRONG = 2;

/** The metric object being scanned; reused for every metric (last duplicate key wins, as in JSON.parse). */
const m = {
  name: ABSENT, nameFrom: 0, nameTo: 0, nameEsc: false,
  value: ABSENT, v: 0,
  type: ABSENT, typeName: null as MetricType | null, typeFrom: 0, typeTo: 0, typeEsc: false,
  tags: ABSENT, tagsFrom: 0, tagsTo: 0, tagsEntry: -1,
  ts: ABSENT, tsIsString: false, t: 0, tsFrom: 0, tsTo: 0, tsEsc: false,
  help: ABSENT, helpFrom: 0, helpTo: 0, helpEsc: false,
  unit: ABSENT, unitFrom: 0, unitTo: 0, unitEsc: false,
};

function resetMetric(): void {
  m.name = m.value = m.type = m.tags = m.ts = m.help = m.unit = ABSENT;
  m.tagsEntry = -1;
}

/** The value at `p` of the field `key`: records its state (and span or number) in `m`; returns the position after it. */
function scanMetricField(b: Buffer, p: number, end: number, key: number): number {
  const c = b[p];
  switch (key) {
    case K_NAME:
    case K_TYPE:
    case K_HELP:
    case K_UNIT: {
      if (c !== 0x22) {
        if (key === K_NAME) m.name = WRONG;
        else if (key === K_TYPE) m.type = WRONG;
        else if (key === K_HELP) m.help = WRONG;
        else m.unit = WRONG;
        return skipValue(b, p, end);
      }
      if (key === K_TYPE) {
        // The four valid types, written plainly, are matched in place.
        for (let i = 0; i < TYPE_TOKENS.length; i++) {
          if (matchBytes(b, p, end, TYPE_TOKENS[i]!)) {
            m.type = OK;
            m.typeName = TYPE_NAMES[i]!;
            return p + TYPE_TOKENS[i]!.length;
          }
        }
      }
      const q = scanString(b, p, end);
      if (q === BAIL) return BAIL;
      if (key === K_NAME) (m.name = OK), (m.nameFrom = p), (m.nameTo = q), (m.nameEsc = tok.escaped);
      else if (key === K_TYPE) (m.type = OK), (m.typeName = null), (m.typeFrom = p), (m.typeTo = q), (m.typeEsc = tok.escaped);
      else if (key === K_HELP) (m.help = OK), (m.helpFrom = p), (m.helpTo = q), (m.helpEsc = tok.escaped);
      else (m.unit = OK), (m.unitFrom = p), (m.unitTo = q), (m.unitEsc = tok.escaped);
      return q;
    }
    case K_VALUE: {
      if (c === 0x2d || (c !== undefined && c >= 0x30 && c <= 0x39)) {
        const q = scanNumber(b, p, end);
        m.value = OK;
        m.v = tok.num;
        return q;
      }
      m.value = WRONG;
      return skipValue(b, p, end);
    }
    case K_TAGS: {
      if (c === 0x7b) {
        let q = cachedObjectEnd(cache, b, p, end);
        m.tagsEntry = cached.entry;
        if (q === BAIL) q = skipValue(b, p, end);
        m.tags = OK;
        m.tagsFrom = p;
        m.tagsTo = q;
        return q;
      }
      const q = skipValue(b, p, end);
      // null means no tags, as in parseSeedBatch; the empty span keys the cache like absent tags.
      m.tags = c === 0x6e ? ABSENT : WRONG;
      return q;
    }
    case K_TIMESTAMP: {
      if (c === 0x22) {
        const q = scanString(b, p, end);
        m.ts = OK;
        m.tsIsString = true;
        m.tsFrom = p;
        m.tsTo = q;
        m.tsEsc = tok.escaped;
        return q;
      }
      if (c === 0x2d || (c !== undefined && c >= 0x30 && c <= 0x39)) {
        const q = scanNumber(b, p, end);
        m.ts = OK;
        m.tsIsString = false;
        m.t = tok.num;
        return q;
      }
      m.ts = WRONG;
      return skipValue(b, p, end);
    }
    default:
      return skipValue(b, p, end);
  }
}

const K_OTHER = 0;
const K_NAME = 1;
const K_VALUE = 2;
const K_TYPE = 3;
const K_TAGS = 4;
const K_TIMESTAMP = 5;
const K_HELP = 6;
const K_UNIT = 7;

const KEY_TOKENS: readonly (readonly [number, Uint8Array])[] = [
  [K_NAME, ascii('"name"')],
  [K_VALUE, ascii('"value"')],
  [K_TYPE, ascii('"type"')],
  [K_TAGS, ascii('"tags"')],
  [K_TIMESTAMP, ascii('"timestamp"')],
  [K_HELP, ascii('"help"')],
  [K_UNIT, ascii('"unit"')],
];

/** Set by matchKey: the field it matched. */
let matched = K_OTHER;

/** Matches one of the metric's field names, written plainly, at the quote at `p`: the position after it, or -1. */
function matchKey(b: Buffer, p: number, end: number): number {
  const c = b[p + 1];
  // Dispatch on the first letter, so a key costs one or two short compares.
  let from = 0;
  let to = 0;
  if (c === 0x6e) (from = 0), (to = 1);
  else if (c === 0x76) (from = 1), (to = 2);
  else if (c === 0x74) (from = 2), (to = 5);
  else if (c === 0x68) (from = 5), (to = 6);
  else if (c === 0x75) (from = 6), (to = 7);
  for (let i = from; i < to; i++) {
    const [k, lit] = KEY_TOKENS[i]!;
    if (matchBytes(b, p, end, lit)) {
      matched = k;
      return p + lit.length;
    }
  }
  return -1;
}

const TYPE_NAMES: readonly MetricType[] = ['gauge', 'counter', 'histogram', 'summary'];
const TYPE_TOKENS: readonly Uint8Array[] = TYPE_NAMES.map((t) => ascii(`"${t}"`));

/** The metric's type, or null when parseSeedBatch would refuse it. */
function metricType(b: Buffer): MetricType | null {
  if (m.type === ABSENT) return 'gauge';
  if (m.type === WRONG) return null;
  if (m.typeName !== null) return m.typeName;
  if (!m.typeEsc) {
    for (const t of TYPE_NAMES) if (bytesEqual(b, m.typeFrom + 1, m.typeTo - 1, t)) return t;
    return null;
  }
  const s = decodeString(b, m.typeFrom, m.typeTo, true);
  return TYPES.has(s) ? (s as MetricType) : null;
}

/** The metric's timestamp, or NaN when parseSeedBatch would refuse it. */
function metricTime(b: Buffer, now: number, limits: ValidationLimits): number {
  if (m.ts === ABSENT) return now;
  if (m.ts === WRONG) return NaN;
  const t = m.tsIsString ? parseRfc3339(decodeString(b, m.tsFrom, m.tsTo, m.tsEsc)) : m.t;
  if (Number.isNaN(t) || checkTimestamp(t, now, limits) !== null) return NaN;
  return t;
}

/** The series of the metric just scanned (cached, or checked and cached now), or null if invalid. */
function metricSeries(b: Buffer, limits: ValidationLimits): SeriesEntry | null {
  if (m.name !== OK) return null;
  const e = m.tagsEntry;
  if (e >= 0 && m.tags === OK && cache.matchFirst(e, b, m.nameFrom, m.nameTo)) {
    cache.hit(e);
    return cache.value(e);
  }
  const tagsFrom = m.tags === OK ? m.tagsFrom : 0;
  const tagsTo = m.tags === OK ? m.tagsTo : 0;
  const hit = cache.find(b, m.nameFrom, m.nameTo, tagsFrom, tagsTo);
  if (hit >= 0) return cache.value(hit);
  // A new series: decode and check it exactly as parseSeedBatch does, with JSON.parse for the tags.
  const name = decodeString(b, m.nameFrom, m.nameTo, m.nameEsc);
  if (checkMetricName(name, limits) !== null) return null;
  let labels: Labels | null = null;
  if (m.tags === OK) labels = plainTagLabels(name, b, tagsFrom, tagsTo, limits);
  if (labels === null) {
    let tags: unknown;
    if (m.tags === OK) {
      try {
        tags = JSON.parse(utf8Slice.call(b, tagsFrom, tagsTo));
      } catch {
        return null;
      }
    }
    const problems: Problem[] = [];
    labels = buildLabels(name, tags, limits, problems);
    if (problems.length > 0) return null;
  }
  const entry: SeriesEntry = { name, labels: freezeLabels(labels), ref: 0, scope: null };
  cache.add(b, m.nameFrom, m.nameTo, tagsFrom, tagsTo, entry);
  return entry;
}

/**
 * Scans a POST /metrics body; null means "not answered here": run JSON.parse + parseSeedBatch.
 * @example scanSeedBody(Buffer.from('{"metrics":[{"name":"up","value":1}]}'), Date.now(), limits, 1000)
 */
export function scanSeedBody(b: Buffer, now: number, limits: ValidationLimits, maxMetrics: number): SeedBatch | null {
  const end = b.length;
  let p = skipWs(b, 0, end);
  if (p >= end || b[p] !== 0x7b) return null;
  p = skipWs(b, p + 1, end);
  let batch: SeedBatch | null = null;
  for (;;) {
    if (p >= end || b[p] !== 0x22) return null;
    const k = p;
    p = scanString(b, p, end);
    if (p === BAIL || tok.escaped) return null;
    const isMetrics = bytesEqual(b, k + 1, p - 1, 'metrics');
    p = skipWs(b, p, end);
    if (p >= end || b[p] !== 0x3a) return null;
    p = skipWs(b, p + 1, end);
    if (isMetrics) {
      // A second "metrics" key would replace the first: left to JSON.parse.
      if (batch !== null || p >= end || b[p] !== 0x5b) return null;
      batch = scanMetrics(b, p, end, now, limits, maxMetrics);
      if (batch === null) return null;
      p = scanEnd;
    } else {
      p = skipValue(b, p, end);
      if (p === BAIL) return null;
    }
    p = skipWs(b, p, end);
    if (p >= end) return null;
    if (b[p] === 0x7d) break;
    if (b[p] !== 0x2c) return null;
    p = skipWs(b, p + 1, end);
  }
  if (skipWs(b, p + 1, end) !== end) return null;
  return batch;
}

// A metric written as the seed's clients write it, {"name":..,"value":..,"type":..,"tags":{..},
// "timestamp":..} without spaces (type and timestamp optional), compared as 32-bit words.
const W_NAME = [0x616e227b, 0x3a22656d]; // {"na me":
const W_VALUE = [0x6176222c, 0x2265756c]; // ,"va lue"  then :
const W_TYPE = [0x7974222c, 0x3a226570]; // ,"ty pe":
const W_TAGS = [0x6174222c, 0x3a227367]; // ,"ta gs":
const W_TIMESTAMP = [0x6974222c, 0x7473656d, 0x22706d61]; // ,"ti mest amp"  then :

/** For tests: what scanPredictedMetric makes of the metric at b[p] with this limits' label cache (null: BAIL). */
export function predictedMetricAt(b: Buffer, p: number, now: number, limits: ValidationLimits): { labels: Labels; type: MetricType; t: number; v: number; end: number } | null {
  cache = cacheFor(limits);
  const end = scanPredictedMetric(b, new DataView(b.buffer, b.byteOffset, b.byteLength), p, b.length, now, limits);
  if (end === BAIL) return null;
  return { labels: got.series!.labels, type: got.type, t: got.t, v: got.v, end };
}

/** The metric read last (by scanPredictedMetric or scanMetricByKeys): its series, type, sample, help and unit. */
const got = {
  series: null as SeriesEntry | null,
  type: 'gauge' as MetricType,
  t: 0,
  v: 0,
  help: undefined as string | undefined,
  unit: undefined as string | undefined,
};
/** The cache entry of the series scanPredictedMetric read (recorded as found by the caller). */
let fastEntry = -1;

/**
 * The metric at b[p] ('{') when it is {"name":N,"value":V[,"type":T],"tags":{..}[,"timestamp":I]}
 * with no spaces, N and the tags byte for byte the series the label cache predicts next, V a
 * plain decimal, T one of the four types written plainly, I an integer timestamp the limits
 * accept. Returns the position after its '}' (the rest in `got` and fastEntry) or
 * BAIL with nothing consumed: scanMetrics then reads the metric key by key, which gives the same
 * answer for these metrics (the same cache entry, number rules and checks; the equivalence fuzz
 * holds them together). Cheaper: fixed keys compared a word at a time, no key dispatch.
 */
function scanPredictedMetric(b: Buffer, view: DataView, p: number, end: number, now: number, limits: ValidationLimits): number {
  if (p + 40 > end) return BAIL;
  if (view.getInt32(p, true) !== W_NAME[0] || view.getInt32(p + 4, true) !== W_NAME[1]) return BAIL;
  const e = cache.predicted();
  if (e < 0) return BAIL;
  p = cache.matchFirstAt(e, b, p + 8, end);
  if (p < 0 || p + 10 > end) return BAIL;
  if (view.getInt32(p, true) !== W_VALUE[0] || view.getInt32(p + 4, true) !== W_VALUE[1] || b[p + 8] !== 0x3a) return BAIL;
  p = scanPlainDecimal(b, p + 9, end);
  if (p === BAIL) return BAIL;
  const v = tok.num;
  if (p + 8 > end) return BAIL;
  let type: MetricType = 'gauge';
  if (view.getInt32(p, true) === W_TYPE[0] && view.getInt32(p + 4, true) === W_TYPE[1]) {
    p += 8;
    let i = 0;
    for (; i < TYPE_TOKENS.length; i++) if (matchBytes(b, p, end, TYPE_TOKENS[i]!)) break;
    if (i === TYPE_TOKENS.length) return BAIL;
    type = TYPE_NAMES[i]!;
    p += TYPE_TOKENS[i]!.length;
    if (p + 8 > end) return BAIL;
  }
  if (view.getInt32(p, true) !== W_TAGS[0] || view.getInt32(p + 4, true) !== W_TAGS[1]) return BAIL;
  p = cache.matchSecond(e, b, p + 8, end);
  if (p < 0 || p >= end) return BAIL;
  let t = now;
  if (b[p] === 0x2c) {
    if (p + 14 > end) return BAIL;
    if (view.getInt32(p, true) !== W_TIMESTAMP[0] || view.getInt32(p + 4, true) !== W_TIMESTAMP[1] || view.getInt32(p + 8, true) !== W_TIMESTAMP[2] || b[p + 12] !== 0x3a) {
      return BAIL;
    }
    p = scanPlainInteger(b, p + 13, end);
    if (p === BAIL) return BAIL;
    t = tok.num;
    if (checkTimestamp(t, now, limits) !== null) return BAIL;
  }
  if (p >= end || b[p] !== 0x7d) return BAIL;
  fastEntry = e;
  got.series = cache.value(e);
  got.type = type;
  got.t = t;
  got.v = v;
  got.help = got.unit = undefined;
  return p + 1;
}

/** scanMetrics's columns while it scans (see there); grown when a body may hold more metrics. */
let scratchTs = new Float64Array(256);
let scratchVs = new Float64Array(256);

/** Where scanMetrics stopped (after the array's closing bracket). */
let scanEnd = 0;

/** The label cache of the body being scanned. */
let cache: BytesCache<SeriesEntry> = new BytesCache<SeriesEntry>(1);

/**
 * The metric at b[p] ('{') read key by key, in any order and form JSON allows: the position after
 * its '}' (the metric in `got`), or BAIL when parseSeedBatch would refuse it or the scan leaves
 * it to JSON.parse.
 */
function scanMetricByKeys(b: Buffer, p: number, end: number, now: number, limits: ValidationLimits): number {
  resetMetric();
  p = skipWs(b, p + 1, end);
  if (p < end && b[p] === 0x7d) return BAIL; // {} has no name
  for (;;) {
    if (p >= end || b[p] !== 0x22) return BAIL;
    let key = K_OTHER;
    const q = matchKey(b, p, end);
    if (q >= 0) {
      key = matched;
      p = q;
    } else {
      // Another key (skipped), or one of ours written with escapes (left to JSON.parse).
      p = scanString(b, p, end);
      if (p === BAIL || tok.escaped) return BAIL;
    }
    p = skipWs(b, p, end);
    if (p >= end || b[p] !== 0x3a) return BAIL;
    p = scanMetricField(b, skipWs(b, p + 1, end), end, key);
    if (p === BAIL) return BAIL;
    p = skipWs(b, p, end);
    if (p >= end) return BAIL;
    if (b[p] === 0x7d) break;
    if (b[p] !== 0x2c) return BAIL;
    p = skipWs(b, p + 1, end);
  }
  p++;
  // The metric is complete: check it as parseSeedBatch would; any problem leaves the body to it.
  if (m.value !== OK || !Number.isFinite(m.v)) return BAIL;
  const type = metricType(b);
  if (type === null) return BAIL;
  const t = metricTime(b, now, limits);
  if (Number.isNaN(t)) return BAIL;
  if (m.help === WRONG || m.unit === WRONG || m.tags === WRONG) return BAIL;
  const series = metricSeries(b, limits);
  if (series === null) return BAIL;
  got.series = series;
  got.type = type;
  got.t = t;
  got.v = m.v;
  got.help = m.help === OK ? decodeString(b, m.helpFrom, m.helpTo, m.helpEsc) : undefined;
  got.unit = m.unit === OK ? decodeString(b, m.unitFrom, m.unitTo, m.unitEsc) : undefined;
  return p;
}

function scanMetrics(b: Buffer, p: number, end: number, now: number, limits: ValidationLimits, maxMetrics: number): SeedBatch | null {
  cache = cacheFor(limits);
  // A metric takes at least 12 bytes ({"value":1} is refused, but bounds the count). Values go
  // into scratch columns kept between bodies and are copied out at their exact size below: a
  // typed array over 64 bytes gets a backing store outside V8's heap, and allocating two of
  // those per small request (and views cut to size) cost more than scanning a 3-metric body.
  const cap = Math.min(maxMetrics, Math.floor(end / 12) + 1);
  if (scratchTs.length < cap) {
    scratchTs = new Float64Array(Math.max(cap, scratchTs.length * 2));
    scratchVs = new Float64Array(scratchTs.length);
  }
  const ts = scratchTs;
  const vs = scratchVs;
  const labels: Labels[] = [];
  const refs: SeriesRef[] = [];
  const names: string[] = [];
  const types: MetricType[] = [];
  const help: (string | undefined)[] = [];
  const unit: (string | undefined)[] = [];
  let n = 0;
  p = skipWs(b, p + 1, end);
  if (p >= end || b[p] === 0x5d) return null; // an empty array is refused
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  for (;;) {
    if (p >= end || b[p] !== 0x7b || n >= cap) return null;
    // Most metrics are the series the label cache predicts, written compactly: read in one go.
    let q = scanPredictedMetric(b, view, p, end, now, limits);
    if (q !== BAIL) cache.hit(fastEntry);
    else {
      q = scanMetricByKeys(b, p, end, now, limits);
      if (q === BAIL) return null;
    }
    const series = got.series!;
    labels.push(series.labels);
    refs.push(series);
    names.push(series.name);
    types.push(got.type);
    help.push(got.help);
    unit.push(got.unit);
    ts[n] = got.t;
    vs[n] = got.v;
    n++;
    p = skipWs(b, q, end);
    if (p >= end) return null;
    if (b[p] === 0x5d) break;
    if (b[p] !== 0x2c) return null;
    p = skipWs(b, p + 1, end);
  }
  scanEnd = p + 1;
  const start = new Uint32Array(n + 1);
  for (let i = 0; i <= n; i++) start[i] = i;
  const outTs = new Float64Array(n);
  const outVs = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    outTs[i] = ts[i]!;
    outVs[i] = vs[i]!;
  }
  return { labels, refs, start, ts: outTs, vs: outVs, names, types, help, unit };
}
