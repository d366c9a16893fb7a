// Line protocol decoded from the body's bytes: a line's series part (measurement and tags) and
// field key are looked up together by their raw bytes in a BytesCache, and plain numbers are
// read from the bytes, so a line of a series seen before costs no string at all. Anything out of the ordinary on a line (an escape in a field key, a number of
// another form, any error) sends that line to the text parser (parse.ts), which defines the
// semantics: the result is the same batch, line for line, error for error (scan-line-protocol.test.ts).
import { isUtf8 } from 'node:buffer';
import type { Labels } from '../../storage/index.js';
import { BytesCache } from '../bytes-cache.js';
import type { SeriesRef } from '../series-batch.js';
import { checkMetricName, checkTimestamp, type ValidationLimits } from '../validate.js';
import {
  BadLine,
  cut,
  fieldLabels,
  MAX_ORIGINAL_LINE,
  parseLine,
  parseLineProtocol,
  parseSeriesPart,
  partsFor,
  seriesPartEnd,
  type Columns,
  type InfluxParseOptions,
  type LineError,
  type SeriesPart,
} from './parse.js';
import { BAIL, scanPlainDecimal, tok } from '../json-scan/json-bytes.js';
import { scanBool, scanDecimal, scanInteger, scanTimestamp } from './scan-numbers.js';

/** The batch of scanLineProtocol: typed columns, and a SeriesRef per entry kept with its labels. */
export interface ScannedBatch {
  readonly labels: Labels[];
  readonly refs: SeriesRef[];
  readonly start: Uint32Array;
  readonly ts: Float64Array;
  readonly vs: Float64Array;
  /** Per entry: the 1-based line it came from. */
  readonly lineOf: Uint32Array;
  /** Refused lines, in line order. */
  readonly errors: LineError[];
  /** Lines holding a point (not empty, not comments). */
  readonly points: number;
}

/**
 * A (series part, field key) pair: its labels (null until a numeric value was seen), and itself
 * the pair's SeriesRef (one object per sample for the appender to visit, not two).
 */
interface ScanField extends SeriesRef {
  readonly part: SeriesPart;
  labels: Labels | null;
}

/** Both caches for one set of options (checks depend on limits and default labels). */
interface Caches {
  /** By the bytes of the series part and of the field key: what a line of a known series needs. */
  readonly fields: BytesCache<ScanField>;
  /** By the bytes of the series part: the parsed part, for a known series' new field. */
  readonly parts: BytesCache<SeriesPart>;
}

const SPACE = 32;
const TAB = 9;
const COMMA = 44;
const EQUALS = 61;
const BACKSLASH = 92;
const QUOTE = 34;
const NEWLINE = 10;
/** Option sets (default labels, i.e. databases) with caches, per limits object. */
const MAX_OPTION_SETS = 64;
let maxFields = 200_000;
let maxParts = 100_000;

/** For tests: cache sizes of option sets seen from now on (small ones make the caches start over often). */
export function setScanCacheSizes(fields: number, parts: number): void {
  maxFields = fields;
  maxParts = parts;
}

const caches = new WeakMap<ValidationLimits, Map<string, Caches>>();

function cachesFor(o: InfluxParseOptions): Caches {
  let byDefaults = caches.get(o.limits);
  if (byDefaults === undefined) caches.set(o.limits, (byDefaults = new Map()));
  let d = '';
  for (const l of o.defaultLabels) d += l.name + '\u0000' + l.value + '\u0000';
  let c = byDefaults.get(d);
  if (c === undefined) {
    // One pair of caches per database written to: a client naming a new one per request must
    // not grow memory without bound.
    if (byDefaults.size >= MAX_OPTION_SETS) byDefaults.clear();
    byDefaults.set(d, (c = { fields: new BytesCache<ScanField>(maxFields), parts: new BytesCache<SeriesPart>(maxParts) }));
  }
  return c;
}

/** Growable typed columns. */
class Out {
  // Sized up front and cut to length at the end: pushes would copy them as they grow.
  labels: Labels[];
  refs: SeriesRef[];
  ts: Float64Array;
  vs: Float64Array;
  lineOf: Uint32Array;
  n = 0;
  constructor(capacity: number) {
    this.labels = new Array<Labels>(capacity);
    this.refs = new Array<SeriesRef>(capacity);
    this.ts = new Float64Array(capacity);
    this.vs = new Float64Array(capacity);
    this.lineOf = new Uint32Array(capacity);
  }

  push(labels: Labels, ref: SeriesRef, t: number, v: number, line: number): void {
    const n = this.n;
    if (n === this.ts.length) this.grow();
    this.labels[n] = labels;
    this.refs[n] = ref;
    this.ts[n] = t;
    this.vs[n] = v;
    this.lineOf[n] = line;
    this.n = n + 1;
  }

  private grow(): void {
    const size = this.ts.length * 2 + 16;
    const ts = new Float64Array(size);
    ts.set(this.ts);
    const vs = new Float64Array(size);
    vs.set(this.vs);
    const lineOf = new Uint32Array(size);
    lineOf.set(this.lineOf);
    this.ts = ts;
    this.vs = vs;
    this.lineOf = lineOf;
  }
}

/** Scratch state of one body's scan. */
interface Scan {
  readonly body: Buffer;
  readonly o: InfluxParseOptions;
  readonly fields: BytesCache<ScanField>;
  readonly parts: BytesCache<SeriesPart>;
  readonly out: Out;
  /** Field-cache entries of the current line's fields (-1 - entry for string fields), and their values. */
  fieldAt: Int32Array;
  values: Float64Array;
}

/** The parsed series part b[a, partEnd) of the line b[a, e), from the cache or parsed now; null if the line is bad. */
function seriesPart(sc: Scan, a: number, partEnd: number, e: number): SeriesPart | null {
  const parts = sc.parts;
  const b = sc.body;
  const k = parts.find(b, a, partEnd, 0, 0);
  if (k >= 0) return parts.value(k);
  // Parsed by the text parser from the whole line, so it stops exactly where it would.
  const s = b.toString('utf8', a, e);
  const at = [0];
  let part: SeriesPart;
  try {
    part = parseSeriesPart(s, sc.o, at);
  } catch (err) {
    if (err instanceof BadLine) return null;
    throw err;
  }
  if (at[0] !== seriesPartEnd(s)) return null;
  parts.add(b, a, partEnd, 0, 0, part);
  return part;
}

/**
 * Scans the line b[a, e) (trimmed, not empty, not a comment) on the fast path; false when the
 * line must go to the text parser (something unusual, or an error). Adds nothing when false.
 */
function scanLine(sc: Scan, a: number, e: number, lineNo: number): boolean {
  const b = sc.body;
  const cache = sc.fields;
  // Most lines repeat the series and field that followed the previous line's last time: their
  // bytes are compared in place, without finding where the series part ends first.
  let partEnd = -1;
  let i = -1;
  let first = cache.predicted();
  if (first >= 0) {
    const pe = cache.matchFirstAt(first, b, a, e);
    if (pe >= 0 && b[pe] === SPACE) {
      partEnd = pe;
      i = pe + 1;
      while (i < e && b[i] === SPACE) i++;
      const ke = cache.matchSecond(first, b, i, e);
      if (ke >= 0 && b[ke] === EQUALS) cache.hit(first);
      else first = -1;
    } else first = -1;
  }
  if (partEnd < 0) {
    // The series part ends at the first space outside escapes.
    for (i = a; i < e; i++) {
      const c = b[i]!;
      if (c === SPACE) break;
      if (c === BACKSLASH) i++;
    }
    if (i >= e) return false;
    partEnd = i;
    while (i < e && b[i] === SPACE) i++;
  }
  if (i >= e) return false;

  let fields = 0;
  let numeric = 0;
  for (;;) {
    const ks = i;
    let f = first;
    if (f >= 0) {
      first = -1;
      i = cache.matchSecond(f, b, i, e);
    } else {
      for (; i < e; i++) {
        const c = b[i]!;
        if (c === EQUALS || c === COMMA || c === SPACE) break;
        if (c === BACKSLASH) return false;
      }
      if (i === ks || i >= e || b[i] !== EQUALS) return false;
      f = cache.find(b, a, partEnd, ks, i);
      if (f < 0) {
        const part = seriesPart(sc, a, partEnd, e);
        if (part === null) return false;
        const before = cache.entries;
        // The parts cache has its own last miss: this add is of the key fields.find() just missed.
        cache.add(b, a, partEnd, ks, i, { part, labels: null, ref: 0, scope: null });
        // Emptied to make room: the entries of this line's earlier fields are gone.
        if (cache.entries <= before && fields > 0) return false;
        f = cache.entries - 1;
      }
    }
    const ke = i;
    for (let k = 0; k < fields; k++) {
      const seen = sc.fieldAt[k]!;
      if (seen === f || seen === -1 - f) return false;
    }
    if (fields === sc.fieldAt.length) {
      const grown = new Int32Array(fields * 2);
      grown.set(sc.fieldAt);
      sc.fieldAt = grown;
      const v = new Float64Array(fields * 2);
      v.set(sc.values);
      sc.values = v;
    }
    i++;
    if (i >= e) return false;
    if (b[i] === QUOTE) {
      // A string field: skipped, as the text parser does.
      let j = i + 1;
      for (; j < e; j++) {
        const c = b[j]!;
        if (c === BACKSLASH) j++;
        else if (c === QUOTE) break;
      }
      if (j >= e) return false;
      // Kept as -1 - f: no sample, but a later field of the same key is still a duplicate.
      sc.fieldAt[fields++] = -1 - f;
      i = j + 1;
    } else {
      const vs = i;
      while (i < e) {
        const c = b[i]!;
        if (c === COMMA || c === SPACE) break;
        i++;
      }
      const last = b[i - 1];
      const v = last === 105 || last === 117 ? scanInteger(b, vs, i) : scanBool(b, vs, i);
      const value = v === v ? v : scanDecimal(b, vs, i);
      if (value !== value) return false;
      const field = cache.value(f);
      if (field.labels === null) {
        const key = b.toString('utf8', ks, ke);
        const { measurement } = field.part;
        if (checkMetricName(key === 'value' ? measurement : `${measurement}_${key}`, sc.o.limits) !== null) return false;
        field.labels = fieldLabels(field.part, key);
      }
      sc.fieldAt[fields++] = f;
      sc.values[fields - 1] = value;
      numeric++;
    }
    if (i >= e) break;
    const c = b[i];
    if (c === SPACE) break;
    if (c !== COMMA) return false;
    i++;
  }
  while (i < e && b[i] === SPACE) i++;
  const o = sc.o;
  let t = o.now;
  if (i < e) {
    let j = i;
    while (j < e && b[j] !== SPACE) j++;
    t = scanTimestamp(b, i, j, o.precision);
    if (t !== t) return false;
    if (j < e) return false;
    if (checkTimestamp(t, o.now, o.limits) !== null) return false;
  }
  if (numeric === 0) return true;
  const out = sc.out;
  for (let k = 0; k < fields; k++) {
    const f = sc.fieldAt[k]!;
    if (f < 0) continue;
    const field = cache.value(f);
    out.push(field.labels!, field, t, sc.values[k]!, lineNo);
  }
  return true;
}

/**
 * The line at `a` read in one go when it is the predicted (series part, field key) pair with a
 * plain decimal value and a timestamp, written as senders write them:
 * `<series part> <key>=<decimal> <digits>\n` (or the body's end), e.g. `cpu,host=a value=16.5
 * 1795767182130000000`. Returns where the next line starts (past the body's end for a last line
 * without newline), or -1 having taken nothing, for scanLine and the text parser: other layouts
 * (spaces, several fields, integer, boolean or string values, exponents, CRs, no timestamp), a
 * field never stored, or a refused time.
 */
function scanPredictedLine(sc: Scan, a: number, n: number, lineNo: number): number {
  const cache = sc.fields;
  const e = cache.predicted();
  if (e < 0) return -1;
  const b = sc.body;
  const pe = cache.matchFirstAt(e, b, a, n);
  if (pe < 0 || b[pe] !== SPACE) return -1;
  const ke = cache.matchSecond(e, b, pe + 1, n);
  if (ke < 0 || b[ke] !== EQUALS) return -1;
  const ve = scanPlainDecimal(b, ke + 1, n);
  if (ve === BAIL || b[ve] !== SPACE) return -1;
  const v = tok.num;
  let j = ve + 1;
  while (j < n && b[j] !== NEWLINE) j++;
  const o = sc.o;
  const t = scanTimestamp(b, ve + 1, j, o.precision);
  if (t !== t || checkTimestamp(t, o.now, o.limits) !== null) return -1;
  const field = cache.value(e);
  if (field.labels === null) return -1;
  cache.hit(e);
  sc.out.push(field.labels, field, t, v, lineNo);
  return j + 1;
}

/**
 * Decodes a line-protocol body as parseLineProtocol does (same samples, same errors, same line
 * numbers), reading repeated series and plain numbers from the bytes without making strings.
 * @example scanLineProtocol(Buffer.from('cpu,host=a value=1 1700000000000000000'), opts)
 */
export function scanLineProtocol(body: Buffer, o: InfluxParseOptions): ScannedBatch {
  // Bodies the text decoder would see differently line by line (not UTF-8, or a byte-order mark
  // it strips) go to the text parser whole: rare, and it defines what they mean.
  if (!isUtf8(body) || (body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf)) return fromText(body, o);
  // About one sample per 48 bytes; at most 16,384 up front (larger JS arrays made at once are slow dictionaries).
  const out = new Out(Math.min(1 << 14, Math.max(16, (body.length / 48) | 0)));
  const { fields, parts: partCache } = cachesFor(o);
  const sc: Scan = { body, o, fields, parts: partCache, out, fieldAt: new Int32Array(16), values: new Float64Array(16) };
  const errors: LineError[] = [];
  let parts: ReturnType<typeof partsFor> | null = null;
  let scratch: Columns | null = null;
  let points = 0;
  const n = body.length;
  let from = 0;
  for (let lineNo = 1; from <= n; lineNo++) {
    const next = scanPredictedLine(sc, from, n, lineNo);
    if (next >= 0) {
      points++;
      from = next;
      continue;
    }
    let nl = body.indexOf(NEWLINE, from);
    if (nl < 0) nl = n;
    let a = from;
    let e = nl;
    from = nl + 1;
    while (a < e && (body[a] === SPACE || body[a] === TAB)) a++;
    while (e > a && (body[e - 1] === 13 || body[e - 1] === SPACE || body[e - 1] === TAB)) e--;
    if (a === e || body[a] === 35 /* # comment */) continue;
    points++;
    if (scanLine(sc, a, e, lineNo)) continue;
    // The text parser's turn: it stores the line's samples or says what is wrong with it.
    const line = body.toString('utf8', a, e);
    parts ??= partsFor(o);
    scratch ??= { labels: [], ts: [], vs: [], lineOf: [] };
    scratch.labels.length = scratch.ts.length = scratch.vs.length = scratch.lineOf.length = 0;
    try {
      parseLine(line, lineNo, o, parts, scratch);
    } catch (err) {
      if (!(err instanceof BadLine)) throw err;
      errors.push({ line_number: lineNo, original_line: cut(line, MAX_ORIGINAL_LINE), error_message: err.message });
      continue;
    }
    for (let k = 0; k < scratch.labels.length; k++) out.push(scratch.labels[k]!, { ref: 0, scope: null }, scratch.ts[k]!, scratch.vs[k]!, lineNo);
  }
  return finish(out, errors, points);
}

function finish(out: Out, errors: LineError[], points: number): ScannedBatch {
  const n = out.n;
  const start = new Uint32Array(n + 1);
  for (let i = 0; i <= n; i++) start[i] = i;
  out.labels.length = n;
  out.refs.length = n;
  return {
    labels: out.labels,
    refs: out.refs,
    start,
    ts: out.ts.subarray(0, n),
    vs: out.vs.subarray(0, n),
    lineOf: out.lineOf.subarray(0, n),
    errors,
    points,
  };
}

function fromText(body: Buffer, o: InfluxParseOptions): ScannedBatch {
  const b = parseLineProtocol(body, o);
  const out = new Out(Math.min(1 << 14, b.labels.length + 1));
  for (let k = 0; k < b.labels.length; k++) out.push(b.labels[k]!, { ref: 0, scope: null }, b.ts[k]!, b.vs[k]!, b.lineOf[k]!);
  return finish(out, b.errors, b.points);
}
