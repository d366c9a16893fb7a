// The generated data: series shaped like the seed's request, and the pre-encoded request
// templates each connection cycles through.
import type { BenchSeries, Protocol, Template } from './protocol.js';

const NAMES = ['cpu_usage', 'memory_usage', 'requests_total'] as const;
const VALUES = [75.5, 62.3, 1024] as const;
const REGIONS = ['us-east-1', 'us-west-2', 'eu-west-1', 'ap-south-1'] as const;

/** Series i: the seed's three metrics on host server<i/3+1>; the first three are the seed's request. */
export function makeSeries(n: number): BenchSeries[] {
  const out: BenchSeries[] = [];
  for (let i = 0; i < n; i++) {
    const k = i % 3;
    const h = Math.floor(i / 3);
    out.push({ name: NAMES[k]!, type: k === 2 ? 'counter' : 'gauge', tags: { host: `server${h + 1}`, region: REGIONS[h % 4]! }, value: VALUES[k]! });
  }
  return out;
}

/** Templates are capped at about this many samples in all, so memory stays bounded. */
const TEMPLATE_SAMPLE_BUDGET = 2_000_000;

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

/** The request templates of one sequence of series: batch t holds positions [t*batch, (t+1)*batch) mod series. */
export interface TemplateSet {
  readonly templates: readonly Template[];
  /** For each sample position in a batch, how many times its series already occurs before it in that batch. */
  readonly occurrence: Int32Array;
  /** The most times one series occurs in a batch. */
  readonly maxOccurrence: number;
}

/** Encodes the batches that walk `series` round-robin, at most `maxTemplates` distinct ones. */
export function buildTemplates(protocol: Protocol, series: readonly BenchSeries[], batch: number, maxTemplates: number): TemplateSet {
  const cycle = series.length / gcd(series.length, batch);
  const count = Math.max(1, Math.min(cycle, maxTemplates));
  const templates: Template[] = [];
  for (let t = 0; t < count; t++) {
    const items: BenchSeries[] = [];
    for (let j = 0; j < batch; j++) items.push(series[(t * batch + j) % series.length]!);
    templates.push(protocol.encode(items));
  }
  const occurrence = new Int32Array(batch);
  for (let j = 0; j < batch; j++) occurrence[j] = Math.floor(j / series.length);
  return { templates, occurrence, maxOccurrence: Math.ceil(batch / series.length) };
}

/** How many templates each of `sets` sets may hold within the memory budget. */
export function templatesPerSet(sets: number, batch: number): number {
  return Math.max(1, Math.floor(TEMPLATE_SAMPLE_BUDGET / (sets * batch)));
}
