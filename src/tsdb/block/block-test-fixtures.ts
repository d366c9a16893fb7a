// Shared generators and helpers of the block tests.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { compareLabels, labelsKey, type Label, type Labels } from '../../storage/index.js';
import type { BlockSeriesInput } from './block-writer.js';

export const MIN_TIME = -1_000_000;
export const MAX_TIME = 10_000_000_000_000;

export const NAMES = ['__name__', 'a', 'b', 'job', 'ñame', '名前'] as const;
export const VALUES = ['', 'x', 'y', 'foo', 'foobar', 'é', '😀', 'a b', 'x\ny'] as const;

/** A label value: mostly from a small pool (so series share values), sometimes any Unicode. */
export const valueArb = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...VALUES) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 6 }) },
);

export const labelsArb: fc.Arbitrary<Labels> = fc
  .dictionary(fc.constantFrom(...NAMES), valueArb, { maxKeys: 5 })
  .map((rec) => Object.entries(rec).map(([name, value]) => ({ name, value })));

/** Labels as the block keeps them: empty values dropped, sorted by name. */
export function normalize(labels: Labels): Labels {
  const out: Label[] = labels.filter((l) => l.value !== '').map((l) => ({ name: l.name, value: l.value }));
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

const chunkArb = fc
  .record({
    a: fc.integer({ min: MIN_TIME, max: MAX_TIME - 1 }),
    b: fc.integer({ min: MIN_TIME, max: MAX_TIME - 1 }),
    numSamples: fc.nat({ max: 70000 }),
    data: fc.oneof(fc.uint8Array({ maxLength: 40 }), fc.uint8Array({ minLength: 500, maxLength: 1200 })),
  })
  .map(({ a, b, numSamples, data }) => ({ minT: Math.min(a, b), maxT: Math.max(a, b), numSamples, data }));

/** Series with distinct label sets (after dropping empty values), each with 0-4 chunks. */
export const seriesSetArb: fc.Arbitrary<BlockSeriesInput[]> = fc.uniqueArray(
  fc.record({ labels: labelsArb, chunks: fc.array(chunkArb, { maxLength: 4 }) }),
  { maxLength: 30, selector: (s) => labelsKey(normalize(s.labels)) },
);

/** The input as the reader must return it: normalized labels, sorted by labels. */
export function expectedOrder(series: readonly BlockSeriesInput[]): { labels: Labels; chunks: BlockSeriesInput['chunks'] }[] {
  return series
    .map((s) => ({ labels: normalize(s.labels), chunks: s.chunks }))
    .sort((x, y) => compareLabels(x.labels, y.labels));
}

/** Runs `fn` with a fresh temporary directory, removed afterwards. */
export async function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'metricstream-block-'));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
