// histogram_quantile over classic histograms: `_bucket` series grouped by their labels without
// `le`, with Prometheus's interpolation inside the bucket the quantile falls in.
import { labelsKey, type Labels } from '../../storage/index.js';
import { formatNumber } from '../duration.js';
import { dropName, setLabel } from './labels.js';
import type { Sample } from './value.js';

interface Bucket {
  upper: number;
  count: number;
}

/** Buckets sorted, equal bounds merged and counts made monotonic, as Prometheus does; null if unusable. */
function normalise(buckets: Bucket[], min = 2): Bucket[] | null {
  buckets.sort((a, b) => a.upper - b.upper);
  if (buckets.length < min) return null;
  if (buckets[buckets.length - 1]!.upper !== Infinity) return null;
  const merged: Bucket[] = [];
  for (const b of buckets) {
    const last = merged[merged.length - 1];
    if (last !== undefined && last.upper === b.upper) last.count += b.count;
    else merged.push({ ...b });
  }
  for (let i = 1; i < merged.length; i++) if (merged[i]!.count < merged[i - 1]!.count) merged[i]!.count = merged[i - 1]!.count;
  return merged.length < min ? null : merged;
}

/** The quantile q of cumulative buckets, as Prometheus's bucketQuantile. */
export function bucketQuantile(q: number, buckets: Bucket[]): number {
  if (Number.isNaN(q)) return NaN;
  if (q < 0) return -Infinity;
  if (q > 1) return Infinity;
  const merged = normalise(buckets);
  if (merged === null) return NaN;
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

/** The fraction of observations in [lower, upper], as histogram_fraction on classic buckets. */
export function bucketFraction(lower: number, upper: number, buckets: Bucket[]): number {
  const merged = normalise(buckets, 1);
  if (merged === null) return NaN;
  const total = merged[merged.length - 1]!.count;
  if (total === 0 || Number.isNaN(lower) || Number.isNaN(upper)) return NaN;
  if (lower >= upper) return 0;
  let inside = 0;
  let prevUpper = merged[0]!.upper > 0 ? 0 : -Infinity;
  let prevCount = 0;
  for (const bucket of merged) {
    const count = bucket.count - prevCount;
    const bl = prevUpper;
    const bu = bucket.upper;
    if (bu === Infinity && bl !== -Infinity) {
      // Infinite width: no interpolation; it counts whole only for a range open to +Inf.
      if (upper === Infinity) inside += count;
    } else if (bl === -Infinity) {
      if (lower === -Infinity && upper >= bu) inside += count;
    } else if (bu === bl) {
      if (lower <= bu && bu <= upper) inside += count;
    } else {
      const overlap = Math.min(upper, bu) - Math.max(lower, bl);
      if (overlap > 0) inside += (count * overlap) / (bu - bl);
    }
    prevUpper = bu;
    prevCount = bucket.count;
  }
  return inside / total;
}

/** Groups `_bucket` samples by their labels without `le` (and without the metric name). */
function bucketGroups(input: Sample[]): Map<string, { labels: Labels; buckets: Bucket[] }> {
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
    // Grouped with the metric name, which the result then drops: two histograms whose other
    // labels are equal collide, and the vector check refuses them as Prometheus does.
    const labels = dropName(rest);
    const k = labelsKey(rest);
    let g = groups.get(k);
    if (g === undefined) groups.set(k, (g = { labels, buckets: [] }));
    g.buckets.push({ upper, count: s.v });
  }
  return groups;
}

export function histogramQuantile(q: number, input: Sample[], t: number): Sample[] {
  const out: Sample[] = [];
  for (const g of bucketGroups(input).values()) out.push({ labels: g.labels, t, v: bucketQuantile(q, g.buckets) });
  return out;
}

export function histogramFraction(lower: number, upper: number, input: Sample[], t: number): Sample[] {
  const out: Sample[] = [];
  for (const g of bucketGroups(input).values()) out.push({ labels: g.labels, t, v: bucketFraction(lower, upper, g.buckets) });
  return out;
}

/** histogram_quantiles: one series per quantile, told apart by a label holding it ("0.5", "1.0"). */
export function histogramQuantiles(qs: number[], label: string, input: Sample[], t: number): Sample[] {
  const out: Sample[] = [];
  for (const g of bucketGroups(input).values()) {
    for (const q of qs) {
      let text = formatNumber(q);
      if (Number.isFinite(q) && !text.includes('.')) text += '.0';
      out.push({ labels: setLabel(g.labels, label, text), t, v: bucketQuantile(q, g.buckets.map((b) => ({ ...b }))) });
    }
  }
  return out;
}
