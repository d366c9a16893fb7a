// The StatsD / DogStatsD line parser: `name:value|type[|@rate][|#k:v,k2:v2]`, one metric per
// line. It fills a reused StatsdLine and returns null, or returns what was wrong; it never throws.
// Names and tag keys are escaped to Prometheus names as statsd_exporter does.
import type { ValidationLimits } from '../validate.js';
import { checkLabelName, checkLabelValue, checkMetricName } from '../validate.js';
import { escapeName } from './name.js';

/** StatsD metric types: counter, gauge, timer (ms), histogram, distribution, set. */
export type StatsdType = 'c' | 'g' | 'ms' | 'h' | 'd' | 's';

/** One parsed line; the parser overwrites the same object for every line. */
export interface StatsdLine {
  /** Escaped Prometheus metric name. */
  name: string;
  type: StatsdType;
  /** Values of the line (DogStatsD packs several as `name:1:2:3|h`); empty for sets. */
  values: number[];
  /** The set member (sets only). */
  member: string;
  /** Gauge only: the value starts with + or -, so it is added to the last value. */
  relative: boolean;
  /** 0 < rate <= 1; 1 when none was given. */
  sampleRate: number;
  /** Tag (label) pairs as [key0, value0, key1, value1, ...], keys escaped, in line order. */
  tags: string[];
  /** Tags dropped: no value, a reserved or empty key (the line itself is kept). */
  tagErrors: number;
  /** The line is a DogStatsD event (`_e{`) or service check (`_sc|`): not a metric, skipped. */
  ignored: boolean;
}

export function newStatsdLine(): StatsdLine {
  return { name: '', type: 'c', values: [], member: '', relative: false, sampleRate: 1, tags: [], tagErrors: 0, ignored: false };
}

const TYPES: ReadonlySet<string> = new Set(['c', 'g', 'ms', 'h', 'd', 's']);
/** A StatsD number: decimal with optional sign, fraction and exponent (no hex, no Infinity). */
const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** A finite StatsD number, or null. */
export function parseNumber(text: string): number | null {
  if (!NUMBER.test(text)) return null;
  const v = Number(text);
  return Number.isFinite(v) ? v : null;
}

/** Shortens a line for messages. */
function quote(s: string): string {
  return JSON.stringify(s.length > 60 ? `${s.slice(0, 60)}…` : s);
}

/**
 * Parses one line (without its newline) into `out`; returns null when it is a metric (or an
 * ignored DogStatsD event / service check: `out.ignored`), else a message saying what was wrong.
 * @example parseStatsdLine('api.hits:1|c|@0.5|#env:prod', newStatsdLine(), limits) // null
 */
export function parseStatsdLine(line: string, out: StatsdLine, limits: ValidationLimits): string | null {
  out.values.length = 0;
  out.tags.length = 0;
  out.tagErrors = 0;
  out.member = '';
  out.relative = false;
  out.sampleRate = 1;
  out.ignored = false;
  if (line.startsWith('_e{') || line.startsWith('_sc|')) {
    out.ignored = true;
    return null;
  }
  const colon = line.indexOf(':');
  if (colon <= 0) return `line ${quote(line)} has no "name:value": expected name:value|type`;
  const bar = line.indexOf('|', colon);
  if (bar < 0) return `line ${quote(line)} has no type: expected name:value|type`;
  let sectionEnd = line.indexOf('|', bar + 1);
  if (sectionEnd < 0) sectionEnd = line.length;
  const type = line.slice(bar + 1, sectionEnd);
  if (!TYPES.has(type)) return `unknown metric type ${quote(type)}: use c, g, ms, h, d or s`;
  out.type = type as StatsdType;
  const name = escapeName(line.slice(0, colon));
  const nameProblem = checkMetricName(name, limits);
  if (nameProblem !== null) return nameProblem;
  out.name = name;

  const valueText = line.slice(colon + 1, bar);
  if (type === 's') {
    if (valueText.length === 0) return `set ${quote(name)} has an empty member`;
    out.member = valueText;
  } else {
    // DogStatsD packs several values of one metric as name:1:2:3|h.
    const parts = valueText.split(':');
    if (parts.length > 1 && type !== 'ms' && type !== 'h' && type !== 'd') {
      return `${quote(name)}: only timers, histograms and distributions take several values (name:1:2|h)`;
    }
    for (const p of parts) {
      const v = parseNumber(p);
      if (v === null) return `value ${quote(p)} of ${quote(name)} is not a finite decimal number`;
      out.values.push(v);
    }
    if (type === 'c' && out.values[0]! < 0) return `counter ${quote(name)} has a negative increment ${valueText}: counters only go up`;
    if (type === 'g') out.relative = valueText.charCodeAt(0) === 43 /* + */ || valueText.charCodeAt(0) === 45 /* - */;
  }

  while (sectionEnd < line.length) {
    const from = sectionEnd + 1;
    sectionEnd = line.indexOf('|', from);
    if (sectionEnd < 0) sectionEnd = line.length;
    const c = line.charCodeAt(from);
    if (c === 64 /* @ */) {
      const rate = parseNumber(line.slice(from + 1, sectionEnd));
      if (rate === null || rate <= 0 || rate > 1) return `sample rate ${quote(line.slice(from, sectionEnd))} of ${quote(name)} must be a number in (0, 1]`;
      out.sampleRate = rate;
    } else if (c === 35 /* # */) {
      const problem = parseTags(line.slice(from + 1, sectionEnd), out, limits);
      if (problem !== null) return problem;
    } else if (!isIgnoredSection(line.slice(from, sectionEnd))) {
      return `unknown section ${quote(line.slice(from, sectionEnd))} in the line of ${quote(name)}: expected @rate or #tags`;
    }
  }
  if (out.tags.length / 2 > limits.maxLabelsPerSeries) {
    return `${quote(name)} has ${out.tags.length / 2} tags, the limit is ${limits.maxLabelsPerSeries}`;
  }
  return null;
}

/** DogStatsD sections that carry nothing aggregation uses: container id `c:`, external data `e:`, cardinality `card:`, timestamp `T<seconds>`. */
function isIgnoredSection(s: string): boolean {
  if (s.startsWith('c:') || s.startsWith('e:') || s.startsWith('card:')) return true;
  return s.length > 1 && s.charCodeAt(0) === 84 /* T */ && /^T\d+$/.test(s);
}

/** Parsed tag sections by their text: clients repeat the same few, so most lines skip the work. */
const tagCache = new Map<string, { readonly tags: readonly string[]; readonly errors: number; readonly limits: ValidationLimits }>();
const TAG_CACHE_SIZE = 10_000;

function parseTags(text: string, out: StatsdLine, limits: ValidationLimits): string | null {
  const hit = tagCache.get(text);
  if (hit !== undefined && hit.limits === limits) {
    // Sections are applied in order; a second #section merges into the first's tags.
    if (out.tags.length === 0) {
      for (let i = 0; i < hit.tags.length; i++) out.tags.push(hit.tags[i]!);
      out.tagErrors += hit.errors;
      return null;
    }
  }
  const start = out.tags.length;
  const errorsBefore = out.tagErrors;
  const problem = parseTagsUncached(text, out, limits);
  if (problem === null && start === 0) {
    if (tagCache.size >= TAG_CACHE_SIZE) tagCache.clear();
    tagCache.set(text, { tags: out.tags.slice(), errors: out.tagErrors - errorsBefore, limits });
  }
  return problem;
}

/**
 * `k:v,k2:v2`. As statsd_exporter: keys are escaped like names, a tag without a value (`#flag`)
 * or with an empty one is dropped (an empty label value means "no label" in Prometheus), and a
 * key used twice keeps its last value. Reserved keys (`__...`) are dropped too.
 */
function parseTagsUncached(text: string, out: StatsdLine, limits: ValidationLimits): string | null {
  if (text.length === 0) return null;
  for (const t of text.split(',')) {
    const colon = t.indexOf(':');
    if (colon <= 0 || colon === t.length - 1) {
      out.tagErrors++;
      continue;
    }
    const key = escapeName(t.slice(0, colon));
    const value = t.slice(colon + 1);
    if (checkLabelName(key, limits) !== null) {
      // Too long is the line's fault; reserved is the tag's.
      if (key.startsWith('__')) {
        out.tagErrors++;
        continue;
      }
      return checkLabelName(key, limits);
    }
    const valueProblem = checkLabelValue(value, limits);
    if (valueProblem !== null) return `tag ${quote(key)}: ${valueProblem}`;
    let replaced = false;
    for (let i = 0; i < out.tags.length; i += 2) {
      if (out.tags[i] === key) {
        out.tags[i + 1] = value;
        replaced = true;
        break;
      }
    }
    if (!replaced) out.tags.push(key, value);
  }
  return null;
}
