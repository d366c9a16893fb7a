// histogram_quantile over classic histograms: `_bucket` series grouped by their labels without
// `le`, with Prometheus's interpolation inside the bucket the quantile falls in.
import { labelsKey, type Labels } from '../../storage/index.js';
import { dropName } from './labels.js';
import type { Sample } from './value.js';

interface Bucket {
  upper: number;
  count: number;
}

/** The quantile q of cumulative buckets (sorted here), as Prometheus's bucketQuantile. */
export function bucketQuantile(q: number, buckets: Bucket[]): number {
  if (Number.isNaN(q)) return NaN;
  if (q < 0) return -Infinity;
  if (q > 1) return Infinity;
  buckets.sort((a, b) => a.upper - b.upper);
  if (buckets.length < 2) return NaN;
  if (buckets[buckets.length - 1]!.upper !== Infinity) return NaN;
  // Merge buckets with equal bounds and force monotonic counts, as Prometheus does.
  const merged: Bucket[] = [];
  for (const b of buckets) {
    const last = merged[merged.length - 1];
    if (last !== undefined && last.upper === b.upper) last.count += b.count;
    else merged.push({ ...b });
  }
  for (let i = 1; i < merged.length; i++) if (merged[i]!.count < merged[i - 1]!.count) merged[i]!.count = merged[i - 1]!.count;
  if (merged.length < 2) return NaN;
  const observations = merged[merged.length - 1]!.count;
  if (observations === 0) return NaN;
  let rank = q * observations;
  let b = merged.findIndex((x) => x.count >= rank);
  if (b === merged.length - 1) return merged[merged.length - 2]!.upper;
  if (b === 0 && merged[0]!.upper <= 0) return merged[0]!.upper;
  let start = 0;
  const end = merged[b]!.upper;
  let count = merged[b]!.count;
  if (b > 0) {
    start = merged[b - 1]!.upper;
    count -= merged[b - 1]!.count;
    rank -= merged[b - 1]!.count;
  }
  return start + (end - start) * (rank / count);
}

export function histogramQuantile(q: number, input: Sample[], t: number): Sample[] {
  const groups = new Map<string, { labels: Labels; buckets: Bucket[] }>();
  for (const s of input) {
    let le = '';
    const rest = [];
    for (const l of s.labels) {
      if (l.name === 'le') le = l.value;
      else rest.push(l);
    }
    if (le === '') continue;
    const upper = le === '+Inf' || le === 'Inf' ? Infinity : Number(le);
    if (Number.isNaN(upper)) continue;
    const labels = dropName(rest);
    const k = labelsKey(labels);
    let g = groups.get(k);
    if (g === undefined) groups.set(k, (g = { labels, buckets: [] }));
    g.buckets.push({ upper, count: s.v });
  }
  const out: Sample[] = [];
  for (const g of groups.values()) out.push({ labels: g.labels, t, v: bucketQuantile(q, g.buckets) });
  return out;
}
