// Labels of OTLP points: `job`/`instance` and target_info labels of a resource, attributes as
// sorted, sanitised labels, and a cache of each point's validated label sets by what the sender
// sent (metric, scope labels, attributes): senders resend the same series every interval, so most
// points skip sanitising, sorting and validating.
import { labelsKey, sortLabels, type Label, type Labels } from '../../storage/index.js';
import { checkLabelName, checkLabelValue, type ValidationLimits } from '../validate.js';
import type { Attribute } from './model.js';
import { labelName } from './naming.js';

const IDENTIFYING = new Set(['service.name', 'service.namespace', 'service.instance.id']);

/** The job and instance labels of a resource, and its target_info labels (null when none). */
export function resourceLabels(attrs: readonly Attribute[]): { base: Label[]; info: Label[] | null } {
  let name = '';
  let ns = '';
  let instance = '';
  const rest: Attribute[] = [];
  for (const a of attrs) {
    if (a.key === 'service.name') name = a.value;
    else if (a.key === 'service.namespace') ns = a.value;
    else if (a.key === 'service.instance.id') instance = a.value;
    if (!IDENTIFYING.has(a.key)) rest.push(a);
  }
  const base: Label[] = [];
  if (name !== '') base.push({ name: 'job', value: ns !== '' ? `${ns}/${name}` : name });
  if (instance !== '') base.push({ name: 'instance', value: instance });
  const info = rest.length === 0 ? null : mergeLabels(attributeLabels(rest), base);
  return { base, info };
}

/**
 * Attributes as labels sorted by name: names sanitised, empty values dropped, and values whose
 * names collide joined with ';' in the order of their original keys (spec).
 */
export function attributeLabels(attrs: readonly Attribute[]): Label[] {
  const named: { name: string; key: string; value: string }[] = [];
  for (const a of attrs) if (a.value !== '') named.push({ name: labelName(a.key), key: a.key, value: a.value });
  named.sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : x.key < y.key ? -1 : x.key > y.key ? 1 : 0));
  const out: Label[] = [];
  for (const n of named) {
    const last = out[out.length - 1];
    if (last !== undefined && last.name === n.name) out[out.length - 1] = { name: n.name, value: `${last.value};${n.value}` };
    else out.push({ name: n.name, value: n.value });
  }
  return out;
}

/** Sorted `a` with `over`'s labels added, replacing any of the same name. */
export function mergeLabels(a: Label[], over: readonly Label[]): Label[] {
  if (over.length === 0) return a;
  const out = a.filter((l) => !over.some((o) => o.name === l.name));
  out.push(...over);
  return sortLabels(out) as Label[];
}

export function checkLabels(labels: readonly Label[], limits: ValidationLimits): string | null {
  if (labels.length > limits.maxLabelsPerSeries) return `series has ${labels.length} labels, the limit is ${limits.maxLabelsPerSeries}`;
  for (const l of labels) {
    const p = checkLabelName(l.name, limits) ?? checkLabelValue(l.value, limits);
    if (p !== null) return `label ${JSON.stringify(l.name.slice(0, 60))}: ${p}`;
  }
  return null;
}

/** One series: the point's labels plus a name (and `le` / `quantile`). */
export function series(common: readonly Label[], name: string, extra?: Label): Labels {
  const out: Label[] = [{ name: '__name__', value: name }];
  for (const l of common) if (extra === undefined || l.name !== extra.name) out.push(l);
  if (extra !== undefined) out.push(extra);
  return sortLabels(out);
}

/** What the cache keeps for one point's labels. */
export interface PointLabels {
  /** The point's labels without a name, sorted; null when `problem` refuses them. */
  readonly common: Label[];
  readonly problem: string | null;
  /** The series of a gauge or sum point. */
  number?: Labels;
  /** Key of the point's family and labels for delta running totals. */
  deltaKey?: string;
  /** The bucket series (le per bound, then +Inf), `_sum` and `_count` of a histogram point, for `bounds`. */
  histogram?: { readonly bounds: Float64Array; readonly buckets: Labels[]; readonly sum: Labels; readonly count: Labels };
}

const CACHE_MAX = 65_536;
const caches = new WeakMap<ValidationLimits, Map<string, Map<string, PointLabels>>>();

/**
 * The cache of one metric family and scope (by `familyKey`), for a set of limits (validation
 * results depend on them). Bounded: emptied when full.
 */
export function labelCache(limits: ValidationLimits, familyKey: string): Map<string, PointLabels> {
  let byFamily = caches.get(limits);
  if (byFamily === undefined) caches.set(limits, (byFamily = new Map()));
  let c = byFamily.get(familyKey);
  if (c === undefined) {
    if (byFamily.size >= CACHE_MAX) byFamily.clear();
    byFamily.set(familyKey, (c = new Map()));
  }
  return c;
}

/** A point's labels, from the cache or built, validated and cached under `key` (its attributes' key). */
export function pointLabels(cache: Map<string, PointLabels>, key: string, attrs: readonly Attribute[], base: readonly Label[], limits: ValidationLimits): PointLabels {
  const have = cache.get(key);
  if (have !== undefined) return have;
  const common = mergeLabels(attributeLabels(attrs), base);
  const made: PointLabels = { common, problem: checkLabels(common, limits) };
  if (cache.size >= CACHE_MAX) cache.clear();
  cache.set(key, made);
  return made;
}

/** The delta totals key of a point's family and labels. */
export function deltaKey(family: string, pl: PointLabels): string {
  return (pl.deltaKey ??= family + '\u0000' + labelsKey(pl.common));
}
