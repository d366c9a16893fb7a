// The validation rules every ingest protocol shares: metric and label names, label values,
// label counts and the accepted time range, each with a message saying what is allowed.
import type { Label, Labels } from '../storage/index.js';
import { sortLabels } from '../storage/index.js';

declare global {
  interface String {
    /** ES2024; present in Node 20. */
    isWellFormed(): boolean;
  }
}

/** The limits validation applies (from the config). */
export interface ValidationLimits {
  readonly maxMetricNameLength: number;
  readonly maxLabelNameLength: number;
  readonly maxLabelValueLength: number;
  readonly maxLabelsPerSeries: number;
  /** Samples older than now - retention are refused; 0 = no lower bound. */
  readonly retentionMs: number;
  /** Samples newer than now + maxFuture are refused. */
  readonly maxFutureMs: number;
}

/** One problem found in the input; `field` names where (e.g. `tags.host`). */
export interface Problem {
  readonly field: string;
  readonly message: string;
}

/** UTF-8 byte length, computed only when the UTF-16 length cannot already decide. */
function utf8Length(s: string, limit: number): number {
  return s.length * 3 <= limit ? s.length : Buffer.byteLength(s, 'utf8');
}

/** Checks a metric name; returns a problem message or null. */
export function checkMetricName(name: unknown, limits: ValidationLimits): string | null {
  if (typeof name !== 'string') return `metric name must be a string, got ${describe(name)}`;
  if (name.length === 0) return 'metric name must not be empty';
  if (!name.isWellFormed()) return 'metric name is not valid UTF-8 (it holds a lone surrogate)';
  const n = utf8Length(name, limits.maxMetricNameLength);
  if (n > limits.maxMetricNameLength) return `metric name is ${n} bytes, the limit is ${limits.maxMetricNameLength}`;
  return null;
}

/** Checks a label name (not `__name__`); returns a problem message or null. */
export function checkLabelName(name: string, limits: ValidationLimits): string | null {
  if (name.length === 0) return 'label name must not be empty';
  if (!name.isWellFormed()) return `label name ${JSON.stringify(name)} is not valid UTF-8`;
  if (name.startsWith('__')) return `label name ${JSON.stringify(name)} is reserved: names starting with "__" are for internal use`;
  const n = utf8Length(name, limits.maxLabelNameLength);
  if (n > limits.maxLabelNameLength) return `label name is ${n} bytes, the limit is ${limits.maxLabelNameLength}`;
  return null;
}

/** Checks a label value; returns a problem message or null. */
export function checkLabelValue(value: unknown, limits: ValidationLimits): string | null {
  if (typeof value !== 'string') return `label value must be a string, got ${describe(value)}`;
  if (!value.isWellFormed()) return 'label value is not valid UTF-8 (it holds a lone surrogate)';
  const n = utf8Length(value, limits.maxLabelValueLength);
  if (n > limits.maxLabelValueLength) return `label value is ${n} bytes, the limit is ${limits.maxLabelValueLength}`;
  return null;
}

/**
 * Builds a series' sorted labels from a metric name and a tag object, pushing every problem
 * found (field names prefixed with `tagsField`). Tags with empty values are dropped, since an
 * empty label value means "no such label" in Prometheus.
 */
export function buildLabels(
  name: string,
  tags: unknown,
  limits: ValidationLimits,
  problems: Problem[],
  tagsField = 'tags',
): Labels {
  const out: Label[] = [{ name: '__name__', value: name }];
  if (tags === undefined || tags === null) return out;
  if (typeof tags !== 'object' || Array.isArray(tags)) {
    problems.push({ field: tagsField, message: `${tagsField} must be an object of string values, got ${describe(tags)}` });
    return out;
  }
  let count = 0;
  for (const key in tags) {
    const value = (tags as Record<string, unknown>)[key];
    const field = `${tagsField}.${key}`;
    const nameProblem = key === '__name__' ? 'label name "__name__" is reserved for the metric name' : checkLabelName(key, limits);
    if (nameProblem) problems.push({ field, message: nameProblem });
    const valueProblem = checkLabelValue(value, limits);
    if (valueProblem) problems.push({ field, message: valueProblem });
    if (nameProblem || valueProblem || value === '') continue;
    out.push({ name: key, value: value as string });
    count++;
  }
  if (count > limits.maxLabelsPerSeries) {
    problems.push({ field: tagsField, message: `series has ${count} labels, the limit is ${limits.maxLabelsPerSeries}` });
  }
  return sortLabels(out);
}

/** Checks a sample timestamp (ms) against the accepted range; returns a message or null. */
export function checkTimestamp(t: number, now: number, limits: ValidationLimits): string | null {
  if (!Number.isSafeInteger(t)) return `timestamp must be an integer number of milliseconds since the epoch, got ${t}`;
  if (t > now + limits.maxFutureMs) {
    return `timestamp ${new Date(t).toISOString()} is more than ${Math.round(limits.maxFutureMs / 1000)} s in the future`;
  }
  if (limits.retentionMs > 0 && t < now - limits.retentionMs) {
    const hint = t < 1e11 && t > 1e9 ? ' (timestamps are milliseconds since the epoch, this looks like seconds)' : '';
    return `timestamp ${new Date(t).toISOString()} is older than the retention period of ${Math.round(limits.retentionMs / 86_400_000 * 100) / 100} days${hint}`;
  }
  return null;
}

/** A short description of a JSON value's type for messages. */
export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v)}`;
  if (typeof v === 'number') return `the number ${v}`;
  return typeof v === 'object' ? 'an object' : typeof v;
}
