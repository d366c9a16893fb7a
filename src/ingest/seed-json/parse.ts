// Decodes and validates the seed's POST /metrics body into samples, collecting every problem
// (the batch is atomic: one problem refuses it all).
import type { Labels, MetricType } from '../../storage/index.js';
import { buildLabels, checkMetricName, checkTimestamp, describe, type Problem, type ValidationLimits } from '../validate.js';

/** A problem in one metric of the batch, as the seed's `details` list shows it. */
export interface MetricProblem extends Problem {
  readonly index: number | null;
}

export interface SeedSample {
  readonly labels: Labels;
  readonly name: string;
  readonly t: number;
  readonly v: number;
  readonly type: MetricType;
  readonly help: string | undefined;
  readonly unit: string | undefined;
}

export type ParseResult = { ok: true; samples: SeedSample[] } | { ok: false; message: string; details: MetricProblem[] };

export const TYPES: ReadonlySet<string> = new Set(['counter', 'gauge', 'histogram', 'summary']);

/** Parses an RFC 3339 timestamp strictly (Date.parse alone accepts many other shapes). */
export function parseRfc3339(s: string): number {
  if (!/^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/.test(s)) return NaN;
  return Date.parse(s);
}

/** Validates one decoded body (the value of JSON.parse) against the limits. */
export function parseSeedBatch(doc: unknown, now: number, limits: ValidationLimits, maxMetrics: number): ParseResult {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    return { ok: false, message: 'request body must be a JSON object with a "metrics" array', details: [{ index: null, field: 'body', message: `expected an object, got ${describe(doc)}` }] };
  }
  const metrics = (doc as { metrics?: unknown }).metrics;
  if (!Array.isArray(metrics)) {
    return { ok: false, message: 'request body must hold a "metrics" array', details: [{ index: null, field: 'metrics', message: `expected an array, got ${describe(metrics)}` }] };
  }
  if (metrics.length === 0) {
    return { ok: false, message: 'the "metrics" array is empty', details: [{ index: null, field: 'metrics', message: 'send at least one metric' }] };
  }
  if (metrics.length > maxMetrics) {
    return {
      ok: false,
      message: `batch has ${metrics.length} metrics, the limit is ${maxMetrics}`,
      details: [{ index: null, field: 'metrics', message: `batch has ${metrics.length} metrics, the limit is ${maxMetrics}; split it into several requests` }],
    };
  }
  const details: MetricProblem[] = [];
  const samples: SeedSample[] = [];
  for (let i = 0; i < metrics.length; i++) {
    const m = metrics[i] as unknown;
    if (typeof m !== 'object' || m === null || Array.isArray(m)) {
      details.push({ index: i, field: 'metric', message: `each metric must be an object, got ${describe(m)}` });
      continue;
    }
    const { name, value, type, tags, timestamp, help, unit } = m as Record<string, unknown>;
    const problems: Problem[] = [];
    const nameProblem = checkMetricName(name, limits);
    if (nameProblem) problems.push({ field: 'name', message: nameProblem });
    if (typeof value !== 'number') problems.push({ field: 'value', message: `value must be a number, got ${describe(value)}` });
    else if (!Number.isFinite(value)) problems.push({ field: 'value', message: 'value must be a finite number' });
    let metricType: MetricType = 'gauge';
    if (type !== undefined) {
      if (typeof type === 'string' && TYPES.has(type)) metricType = type as MetricType;
      else problems.push({ field: 'type', message: `type must be one of counter, gauge, histogram, summary, got ${describe(type)}` });
    }
    let t = now;
    if (timestamp !== undefined) {
      if (typeof timestamp === 'number') t = timestamp;
      else if (typeof timestamp === 'string') t = parseRfc3339(timestamp);
      else t = NaN;
      const msg = Number.isNaN(t)
        ? `timestamp must be milliseconds since the epoch or an RFC 3339 string, got ${describe(timestamp)}`
        : checkTimestamp(t, now, limits);
      if (msg) problems.push({ field: 'timestamp', message: msg });
    }
    for (const [field, v] of [['help', help], ['unit', unit]] as const) {
      if (v !== undefined && typeof v !== 'string') problems.push({ field, message: `${field} must be a string, got ${describe(v)}` });
    }
    const labels = buildLabels(typeof name === 'string' ? name : '', tags, limits, problems);
    if (problems.length > 0) {
      for (const p of problems) details.push({ index: i, field: p.field, message: p.message });
      continue;
    }
    samples.push({
      labels,
      name: name as string,
      t,
      v: value as number,
      type: metricType,
      help: help as string | undefined,
      unit: unit as string | undefined,
    });
  }
  if (details.length > 0) {
    const bad = new Set(details.map((d) => d.index)).size;
    return { ok: false, message: `${bad} of ${metrics.length} metrics are invalid; nothing was stored`, details };
  }
  return { ok: true, samples };
}
