// A POST /metrics body to columns: the byte scanner (json-scan) for bodies it answers, else
// JSON.parse + parseSeedBatch, which also words every error. Both give the same SeedBatch.
import type { Labels, MetricType } from '../../storage/index.js';
import { scanSeedBody, type SeedBatch } from '../json-scan/seed-scan.js';
import type { ValidationLimits } from '../validate.js';
import { parseSeedBatch, type MetricProblem } from './parse.js';

export type SeedDecodeResult =
  | { readonly ok: true; readonly batch: SeedBatch; readonly fast: boolean }
  | { readonly ok: false; readonly code: 'bad_json' | 'validation'; readonly message: string; readonly details?: MetricProblem[] };

/** The JSON.parse path alone (the reference the scanner is fuzzed against). */
export function decodeSeedText(body: Buffer, now: number, limits: ValidationLimits, maxMetrics: number): SeedDecodeResult {
  let doc: unknown;
  try {
    doc = JSON.parse(body.toString('utf8'));
  } catch (e) {
    return { ok: false, code: 'bad_json', message: `request body is not valid JSON: ${(e as Error).message}` };
  }
  const parsed = parseSeedBatch(doc, now, limits, maxMetrics);
  if (!parsed.ok) return { ok: false, code: 'validation', message: parsed.message, details: parsed.details };
  const s = parsed.samples;
  const n = s.length;
  const labels: Labels[] = new Array<Labels>(n);
  const names: string[] = new Array<string>(n);
  const types: MetricType[] = new Array<MetricType>(n);
  const help: (string | undefined)[] = new Array<string | undefined>(n);
  const unit: (string | undefined)[] = new Array<string | undefined>(n);
  const start = new Uint32Array(n + 1);
  const ts = new Float64Array(n);
  const vs = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const x = s[i]!;
    labels[i] = x.labels;
    names[i] = x.name;
    types[i] = x.type;
    help[i] = x.help;
    unit[i] = x.unit;
    start[i + 1] = i + 1;
    ts[i] = x.t;
    vs[i] = x.v;
  }
  return { ok: true, batch: { labels, start, ts, vs, names, types, help, unit }, fast: false };
}

/** Decodes and validates a POST /metrics body (never throws on bad input). */
export function decodeSeedBody(body: Buffer, now: number, limits: ValidationLimits, maxMetrics: number): SeedDecodeResult {
  const batch = scanSeedBody(body, now, limits, maxMetrics);
  if (batch !== null) return { ok: true, batch, fast: true };
  return decodeSeedText(body, now, limits, maxMetrics);
}
