// Decodes InfluxDB line protocol into series: measurement + field key -> metric name
// (`measurement_field`, or just `measurement` for the field `value`), tags -> labels, float,
// integer, unsigned and boolean fields -> samples; string fields are skipped (a time series
// holds numbers). Each line is checked on its own and a bad line is reported by number, so the
// caller can follow InfluxDB's partial writes: good lines stored, bad lines listed.
//
// Written by hand: no maintained npm parser decodes straight into this batch shape with the
// full escaping rules. This text parser defines the semantics; ingest runs the byte scanner
// (scan-line-protocol.ts), which hands every unusual line back to parseLine here and is tested
// to give what parseLineProtocol gives. Exports besides parseLineProtocol and timestampToMs are
// for that scanner only.
import { sortLabels, type Label, type Labels } from '../../storage/index.js';
import type { SampleBatch } from '../series-batch.js';
import { checkLabelName, checkLabelValue, checkMetricName, checkTimestamp, type ValidationLimits } from '../validate.js';

/** Timestamp units of line protocol. */
export type Precision = 'ns' | 'us' | 'ms' | 's' | 'm' | 'h';

/** One refused line, in InfluxDB 3's partial-write shape. */
export interface LineError {
  readonly line_number: number;
  readonly original_line: string;
  readonly error_message: string;
}

/** Samples of the good lines: one entry (one sample) per numeric field of each line. */
export interface InfluxBatch extends SampleBatch {
  readonly labels: Labels[];
  readonly ts: number[];
  readonly vs: number[];
  /** Per entry: the 1-based line it came from. */
  readonly lineOf: number[];
  /** Refused lines, in line order. */
  readonly errors: LineError[];
  /** Lines holding a point (not empty, not comments). */
  readonly points: number;
}

export interface InfluxParseOptions {
  readonly precision: Precision;
  /** Server time (ms): the timestamp of points without one, and the reference for range checks. */
  readonly now: number;
  readonly limits: ValidationLimits;
  /** Labels added to every series unless a tag of the same name is present (e.g. `db`). */
  readonly defaultLabels: readonly Label[];
}

/** Thrown inside a line's parse; turned into a LineError for that line. */
export class BadLine extends Error {}

export const MAX_ORIGINAL_LINE = 256;
const BOOLEANS: Record<string, number> = { t: 1, T: 1, true: 1, True: 1, TRUE: 1, f: 0, F: 0, false: 0, False: 0, FALSE: 0 };
const FLOAT = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const INTEGER = /^-?\d+$/;
const INT64_MAX = '9223372036854775807';
const UINT64_MAX = '18446744073709551615';
/** Decimal digits dropped (ns, us) or factor applied (s, m, h) to get milliseconds. */
const DROP_DIGITS: Record<Precision, number> = { ns: 6, us: 3, ms: 0, s: 0, m: 0, h: 0 };
const FACTOR: Record<Precision, number> = { ns: 1, us: 1, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

const SPACE = 32;
const COMMA = 44;
const EQUALS = 61;
const BACKSLASH = 92;
const QUOTE = 34;

/** Whether a digit string (no sign) is above a bound of the same kind. */
function above(digits: string, bound: string): boolean {
  const d = digits.replace(/^0+(?=\d)/, '');
  return d.length > bound.length || (d.length === bound.length && d > bound);
}

/** Whether s is one or more ASCII digits. */
function allDigits(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/**
 * Whether s is a float of the simplest form, `[-]digits[.digits]` with a digit somewhere: every
 * such text matches FLOAT (most values are written so; the rest goes through the regex).
 */
function simpleFloat(s: string): boolean {
  let i = s.charCodeAt(0) === 45 ? 1 : 0;
  let digits = 0;
  let dot = false;
  for (; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) digits++;
    else if (c === 46 && !dot) dot = true;
    else return false;
  }
  return digits > 0;
}

/** Converts a line's timestamp text in `precision` units to milliseconds (floored). */
export function timestampToMs(text: string, precision: Precision): number {
  // The usual case, a non-negative integer inside int64, without regexes.
  const len = text.length;
  if (len <= 19 && allDigits(text) && (len < 19 || text <= INT64_MAX)) {
    const drop = DROP_DIGITS[precision];
    if (drop > 0) return len > drop ? Number(text.slice(0, len - drop)) : 0;
    return Number(text) * FACTOR[precision];
  }
  if (!INTEGER.test(text)) throw new BadLine(`invalid timestamp ${JSON.stringify(cut(text, 40))}: expected an integer number of ${precision}`);
  const neg = text.charCodeAt(0) === 45;
  const digits = neg ? text.slice(1) : text;
  if (above(digits, neg ? '9223372036854775808' : INT64_MAX)) throw new BadLine(`timestamp ${cut(text, 40)} is out of the int64 range`);
  const drop = DROP_DIGITS[precision];
  let ms: number;
  if (drop > 0) {
    const keep = digits.length - drop;
    ms = keep > 0 ? Number(digits.slice(0, keep)) : 0;
    // Floor, not truncate: -1 ns is in the millisecond before the epoch.
    if (neg) ms = 0 - ms - (/[1-9]/.test(keep > 0 ? digits.slice(keep) : digits) ? 1 : 0);
  } else {
    ms = Number(digits) * FACTOR[precision];
    if (neg) ms = 0 - ms;
  }
  return ms;
}

export function cut(s: string, n: number): string {
  return s.length > n ? s.slice(0, n) + '…' : s;
}

/**
 * Scans a measurement, tag key, tag value or field key from `i`, stopping at an unescaped comma or
 * space (and `=` when `stopAtEquals`, i.e. in tags and field keys). `\,` `\ ` (and `\=` where `=`
 * is special) are unescaped; any other backslash is kept, as InfluxDB does. Returns the text; the end index goes to `at[0]`.
 */
function scanKey(s: string, i: number, stopAtEquals: boolean, at: number[]): string {
  const n = s.length;
  let out = '';
  let from = i;
  for (; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c === COMMA || c === SPACE || (stopAtEquals && c === EQUALS)) break;
    if (c === BACKSLASH && i + 1 < n) {
      // As InfluxDB: a backslash always hides the next character from the scan, but only the
      // escapable ones lose the backslash (so `a\\,b` is the value `a\\` followed by a comma).
      const e = s.charCodeAt(i + 1);
      if (e === COMMA || e === SPACE || (stopAtEquals && e === EQUALS)) {
        out += s.slice(from, i);
        from = i + 1;
      }
      i++;
    }
  }
  at[0] = i;
  return out + s.slice(from, i);
}

/** A field value's number; undefined for a string field (skipped). */
function fieldValue(s: string, i: number, key: string, at: number[]): number | undefined {
  const n = s.length;
  if (s.charCodeAt(i) === QUOTE) {
    let j = i + 1;
    for (; j < n; j++) {
      const c = s.charCodeAt(j);
      if (c === BACKSLASH && j + 1 < n) j++;
      else if (c === QUOTE) break;
    }
    if (j >= n) throw new BadLine(`unbalanced quotes: the string value of field ${JSON.stringify(key)} has no closing "`);
    at[0] = j + 1;
    return undefined;
  }
  let j = i;
  while (j < n) {
    const c = s.charCodeAt(j);
    if (c === COMMA || c === SPACE) break;
    j++;
  }
  at[0] = j;
  const raw = s.slice(i, j);
  if (raw.length === 0) throw new BadLine(`missing field value: field ${JSON.stringify(key)} has nothing after "="`);
  const last = raw.charCodeAt(raw.length - 1);
  if (last === 105 /* i */ || last === 117 /* u */) {
    const body = raw.slice(0, -1);
    const neg = body.charCodeAt(0) === 45;
    if (INTEGER.test(body)) {
      const digits = neg ? body.slice(1) : body;
      if (last === 117 && neg) throw new BadLine(`invalid unsigned integer ${JSON.stringify(cut(raw, 40))} in field ${JSON.stringify(key)}: it must not be negative`);
      const bound = last === 117 ? UINT64_MAX : neg ? '9223372036854775808' : INT64_MAX;
      if (above(digits, bound)) throw new BadLine(`${last === 117 ? 'unsigned integer' : 'integer'} ${cut(raw, 40)} in field ${JSON.stringify(key)} is out of the ${last === 117 ? 'uint64' : 'int64'} range`);
      return Number(body);
    }
  }
  const c0 = raw.charCodeAt(0);
  // t, T, f, F: a boolean, or nothing valid (a keyed lookup of other text costs a string-table probe).
  if (c0 === 116 || c0 === 84 || c0 === 102 || c0 === 70) {
    const b = BOOLEANS[raw];
    if (b !== undefined) return b;
  }
  if (!simpleFloat(raw) && !FLOAT.test(raw)) {
    throw new BadLine(
      `invalid field value ${JSON.stringify(cut(raw, 40))} in field ${JSON.stringify(key)}: expected a float (1.5, -2e3), an integer (42i), an unsigned integer (42u), a boolean (t, true, f, false) or a "string"`,
    );
  }
  const v = Number(raw);
  if (!Number.isFinite(v)) throw new BadLine(`float ${cut(raw, 40)} in field ${JSON.stringify(key)} is out of the float64 range`);
  return v;
}

export interface Columns {
  readonly labels: Labels[];
  readonly ts: number[];
  readonly vs: number[];
  readonly lineOf: number[];
}

/**
 * A line's series part (measurement and tags) once parsed and checked: the same text gives the
 * same tags, so a line whose series part was seen before skips the scan, the checks and the
 * sort, and each (series, field) gets one shared Labels object (which the decode stage and the
 * head recognise by identity instead of by a key built per sample).
 */
export interface SeriesPart {
  readonly measurement: string;
  /** Sorted, default labels added. */
  readonly tags: readonly Label[];
  /** Labels per field key, made on first use (metric name checked then); the field `value`'s apart (most lines have only it). */
  readonly byField: Map<string, Labels>;
  valueLabels: Labels | null;
}

/**
 * Series parts cached per limits object (checks depend on them) and default labels, by the text
 * of the series part; cleared when full.
 */
const seriesParts = new WeakMap<ValidationLimits, Map<string, Map<string, SeriesPart>>>();
const MAX_SERIES_PARTS = 100_000;

/** Index of the first space outside escapes: where the series part of a line ends (or n). */
export function seriesPartEnd(s: string): number {
  const n = s.length;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c === SPACE) return i;
    if (c === BACKSLASH) i++;
  }
  return n;
}

/** The cache of series parts for these options (looked up once per body). */
export function partsFor(o: InfluxParseOptions): Map<string, SeriesPart> {
  let byDefaults = seriesParts.get(o.limits);
  if (byDefaults === undefined) seriesParts.set(o.limits, (byDefaults = new Map()));
  let d = '';
  for (const l of o.defaultLabels) d += l.name + '\u0000' + l.value + '\u0000';
  let m = byDefaults.get(d);
  if (m === undefined) {
    // Bounded like the byte scanner's caches: one map per database written to.
    if (byDefaults.size >= 64) byDefaults.clear();
    byDefaults.set(d, (m = new Map()));
  }
  return m;
}

/** Parses and checks a line's measurement and tags; `at[0]` gets the index after them. */
export function parseSeriesPart(s: string, o: InfluxParseOptions, at: number[]): SeriesPart {
  const n = s.length;
  const limits = o.limits;
  const measurement = scanKey(s, 0, false, at);
  let i = at[0]!;
  if (measurement.length === 0) throw new BadLine('missing measurement: a line starts with the measurement name');
  const tags: Label[] = [];
  while (i < n && s.charCodeAt(i) === COMMA) {
    const key = scanKey(s, i + 1, true, at);
    i = at[0]!;
    if (key.length === 0) throw new BadLine('missing tag key: a comma must be followed by key=value');
    if (i >= n || s.charCodeAt(i) !== EQUALS) throw new BadLine(`missing tag value: tag ${JSON.stringify(key)} has no "=value"`);
    const value = scanKey(s, i + 1, true, at);
    i = at[0]!;
    if (i < n && s.charCodeAt(i) === EQUALS) throw new BadLine(`invalid tag format: the value of tag ${JSON.stringify(key)} holds an unescaped "="; write it as \\=`);
    if (value.length === 0) throw new BadLine(`missing tag value: tag ${JSON.stringify(key)} has an empty value`);
    const nameProblem = key === '__name__' ? 'label name "__name__" is reserved for the metric name' : checkLabelName(key, limits);
    if (nameProblem) throw new BadLine(`tag ${JSON.stringify(key)}: ${nameProblem}`);
    const valueProblem = checkLabelValue(value, limits);
    if (valueProblem) throw new BadLine(`tag ${JSON.stringify(key)}: ${valueProblem}`);
    for (const t of tags) if (t.name === key) throw new BadLine(`duplicate tags: tag ${JSON.stringify(key)} appears more than once`);
    tags.push({ name: key, value });
  }
  at[0] = i;
  for (const d of o.defaultLabels) {
    let have = false;
    for (const t of tags) if (t.name === d.name) have = true;
    if (!have) tags.push(d);
  }
  if (tags.length > limits.maxLabelsPerSeries) throw new BadLine(`series has ${tags.length} labels, the limit is ${limits.maxLabelsPerSeries}`);
  sortLabels(tags);
  return { measurement, tags, byField: new Map(), valueLabels: null };
}

/** The labels of a series part's field (metric name `measurement_field`, or `measurement` for `value`), shared per part and field. */
export function fieldLabels(part: SeriesPart, field: string): Labels {
  const isValue = field === 'value';
  let labels = isValue ? part.valueLabels : part.byField.get(field);
  if (labels !== undefined && labels !== null) return labels;
  const { tags, measurement } = part;
  // Tags are sorted and none is named __name__: the name goes in at one place.
  let nameAt = 0;
  while (nameAt < tags.length && tags[nameAt]!.name < '__name__') nameAt++;
  const ls: Label[] = new Array<Label>(tags.length + 1);
  for (let j = 0; j < nameAt; j++) ls[j] = tags[j]!;
  ls[nameAt] = { name: '__name__', value: field === 'value' ? measurement : `${measurement}_${field}` };
  for (let j = nameAt; j < tags.length; j++) ls[j + 1] = tags[j]!;
  if (isValue) return (part.valueLabels = ls);
  // Field keys are few per measurement; a body inventing new ones forever only refills this.
  if (part.byField.size >= 1000) part.byField.clear();
  part.byField.set(field, ls);
  return ls;
}

/** Parses one line (not empty, not a comment) and appends its samples to `out`. */
export function parseLine(s: string, lineNo: number, o: InfluxParseOptions, parts: Map<string, SeriesPart>, out: Columns): void {
  const n = s.length;
  const at = [0];
  const limits = o.limits;
  const end = seriesPartEnd(s);
  const key = s.slice(0, end);
  let part = parts.get(key);
  let i: number;
  if (part === undefined) {
    part = parseSeriesPart(s, o, at);
    i = at[0]!;
    // Cached only once the series part checked out, and only when it ends where the line's
    // first unescaped space is (it always does for a part that parses).
    if (i === end) {
      if (parts.size >= MAX_SERIES_PARTS) parts.clear();
      parts.set(key, part);
    }
  } else i = end;
  const { measurement } = part;
  if (i >= n) throw new BadLine('missing fields: a point needs at least one field after a space, e.g. "cpu value=1"');
  while (i < n && s.charCodeAt(i) === SPACE) i++;
  if (i >= n) throw new BadLine('missing fields: a point needs at least one field after a space, e.g. "cpu value=1"');

  const names: string[] = [];
  const values: number[] = [];
  const seen: string[] = [];
  for (;;) {
    const key = scanKey(s, i, true, at);
    i = at[0]!;
    if (key.length === 0) throw new BadLine('missing field key: expected key=value in the field set');
    if (i >= n || s.charCodeAt(i) !== EQUALS) throw new BadLine(`invalid field format: field ${JSON.stringify(key)} has no "=value"`);
    if (seen.includes(key)) throw new BadLine(`field ${JSON.stringify(key)} appears more than once in the line`);
    seen.push(key);
    const v = fieldValue(s, i + 1, key, at);
    i = at[0]!;
    if (v !== undefined) {
      if (key === 'value' ? part.valueLabels === null : !part.byField.has(key)) {
        const problem = checkMetricName(key === 'value' ? measurement : `${measurement}_${key}`, limits);
        if (problem) throw new BadLine(`field ${JSON.stringify(key)}: ${problem}`);
      }
      names.push(key);
      values.push(v);
    }
    if (i >= n) break;
    const c = s.charCodeAt(i);
    if (c === SPACE) break;
    if (c !== COMMA) throw new BadLine(`invalid field format: unexpected ${JSON.stringify(s[i])} after the value of field ${JSON.stringify(key)}`);
    i++;
  }
  while (i < n && s.charCodeAt(i) === SPACE) i++;
  let t = o.now;
  if (i < n) {
    let j = i;
    while (j < n && s.charCodeAt(j) !== SPACE) j++;
    t = timestampToMs(s.slice(i, j), o.precision);
    while (j < n && s.charCodeAt(j) === SPACE) j++;
    if (j < n) throw new BadLine(`trailing content after the timestamp: ${JSON.stringify(cut(s.slice(j), 40))}`);
    const problem = checkTimestamp(t, o.now, o.limits);
    if (problem) throw new BadLine(problem);
  }
  for (let k = 0; k < names.length; k++) {
    out.labels.push(fieldLabels(part, names[k]!));
    out.ts.push(t);
    out.vs.push(values[k]!);
    out.lineOf.push(lineNo);
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The body's lines; a line that is not valid UTF-8 is null. */
function splitLines(body: Uint8Array): (string | null)[] {
  try {
    return utf8.decode(body).split('\n');
  } catch {
    const out: (string | null)[] = [];
    let from = 0;
    for (;;) {
      const nl = body.indexOf(10, from);
      const end = nl < 0 ? body.length : nl;
      try {
        out.push(utf8.decode(body.subarray(from, end)));
      } catch {
        out.push(null);
      }
      if (nl < 0) return out;
      from = nl + 1;
    }
  }
}

/**
 * Decodes a line-protocol body. Never throws on bad input: every refused line is in `errors`.
 * @example parseLineProtocol(Buffer.from('cpu,host=a usage=1.5,value=2i 1700000000000000000'), opts)
 */
export function parseLineProtocol(body: Uint8Array, o: InfluxParseOptions): InfluxBatch {
  const out: Columns = { labels: [], ts: [], vs: [], lineOf: [] };
  const errors: LineError[] = [];
  let points = 0;
  const lines = splitLines(body);
  const parts = partsFor(o);
  for (let k = 0; k < lines.length; k++) {
    const raw = lines[k]!;
    if (raw === null) {
      points++;
      errors.push({ line_number: k + 1, original_line: '', error_message: 'line is not valid UTF-8' });
      continue;
    }
    let a = 0;
    let b = raw.length;
    while (a < b && (raw.charCodeAt(a) === SPACE || raw.charCodeAt(a) === 9)) a++;
    while (b > a && (raw.charCodeAt(b - 1) === 13 || raw.charCodeAt(b - 1) === SPACE || raw.charCodeAt(b - 1) === 9)) b--;
    if (a === b || raw.charCodeAt(a) === 35 /* # comment */) continue;
    const line = a === 0 && b === raw.length ? raw : raw.slice(a, b);
    points++;
    const before = out.labels.length;
    try {
      parseLine(line, k + 1, o, parts, out);
    } catch (e) {
      if (!(e instanceof BadLine)) throw e;
      // parseLine adds entries only after the whole line checked out; this is for safety.
      out.labels.length = out.ts.length = out.vs.length = out.lineOf.length = before;
      errors.push({ line_number: k + 1, original_line: cut(line, MAX_ORIGINAL_LINE), error_message: e.message });
    }
  }
  const start: number[] = new Array<number>(out.labels.length + 1);
  for (let i = 0; i < start.length; i++) start[i] = i;
  return { ...out, start, errors, points };
}
