// Decodes one line of the JSON-lines import format into a series and its samples:
// {"metric":{"__name__":..,..},"values":[...],"timestamps":[...]} (VictoriaMetrics's format).
import type { Labels } from '../../storage/index.js';
import { buildLabels, checkMetricName, checkTimestamp, describe, type Problem, type ValidationLimits } from '../validate.js';

export interface ImportLine {
  readonly labels: Labels;
  /** Sorted by timestamp. */
  readonly ts: number[];
  readonly vs: number[];
}

const SPECIAL: Record<string, number> = { NaN: NaN, '+Inf': Infinity, Inf: Infinity, '-Inf': -Infinity };

/** The labels of a line's "metric" object, pushing the problems found. */
export function importLabels(metric: object, limits: ValidationLimits, problems: Problem[]): Labels {
  const { __name__: name, ...rest } = metric as Record<string, unknown>;
  const nameProblem = checkMetricName(name, limits);
  if (nameProblem) problems.push({ field: 'metric.__name__', message: nameProblem });
  return buildLabels(typeof name === 'string' ? name : '', rest, limits, problems, 'metric');
}

/** Parses a line's text; returns the series or the problems found. */
export function parseImportLine(text: string, now: number, limits: ValidationLimits): ImportLine | Problem[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    return [{ field: 'line', message: `not valid JSON: ${(e as Error).message}` }];
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    return [{ field: 'line', message: `expected an object with "metric", "values" and "timestamps", got ${describe(doc)}` }];
  }
  const { metric, values, timestamps } = doc as Record<string, unknown>;
  const problems: Problem[] = [];
  if (typeof metric !== 'object' || metric === null || Array.isArray(metric)) {
    return [{ field: 'metric', message: `"metric" must be an object of labels, got ${describe(metric)}` }];
  }
  const labels = importLabels(metric, limits, problems);
  if (!Array.isArray(values)) problems.push({ field: 'values', message: `"values" must be an array, got ${describe(values)}` });
  if (!Array.isArray(timestamps)) problems.push({ field: 'timestamps', message: `"timestamps" must be an array, got ${describe(timestamps)}` });
  if (problems.length > 0) return problems;
  const vsIn = values as unknown[];
  const tsIn = timestamps as unknown[];
  if (vsIn.length !== tsIn.length) {
    return [{ field: 'values', message: `"values" has ${vsIn.length} entries but "timestamps" has ${tsIn.length}` }];
  }
  const n = vsIn.length;
  const order: number[] = new Array<number>(n);
  const ts: number[] = new Array<number>(n);
  const vs: number[] = new Array<number>(n);
  let sorted = true;
  for (let i = 0; i < n; i++) {
    const v = vsIn[i];
    const t = tsIn[i];
    if (typeof v === 'number') vs[i] = v;
    // hasOwn, not `in`: "toString" or "constructor" are not values (they used to be taken, stored as NaN).
    else if (typeof v === 'string' && Object.hasOwn(SPECIAL, v)) vs[i] = SPECIAL[v]!;
    else {
      problems.push({ field: `values[${i}]`, message: `value must be a number or "NaN", "+Inf", "-Inf", got ${describe(v)}` });
      if (problems.length >= 3) break;
      continue;
    }
    const msg = typeof t === 'number' ? checkTimestamp(t, now, limits) : `timestamp must be a number of milliseconds, got ${describe(t)}`;
    if (msg) {
      problems.push({ field: `timestamps[${i}]`, message: msg });
      if (problems.length >= 3) break;
      continue;
    }
    ts[i] = t as number;
    order[i] = i;
    if (i > 0 && ts[i]! < ts[i - 1]!) sorted = false;
  }
  if (problems.length > 0) return problems;
  if (sorted) return { labels, ts, vs };
  // Stable sort keeps the later of equal timestamps last, so it wins.
  order.sort((a, b) => ts[a]! - ts[b]! || a - b);
  return { labels, ts: order.map((i) => ts[i]!), vs: order.map((i) => vs[i]!) };
}
