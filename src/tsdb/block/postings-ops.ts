// Set operations on ascending series-id lists, and the Prometheus matcher algebra built on them.
import type { Matcher } from '../../storage/index.js';

/** What postingsForMatchers needs from an index. */
export interface PostingsSource {
  readonly numSeries: number;
  /** Sorted distinct values of a label name (empty when absent). */
  labelValuesOf(name: string): readonly string[];
  /** Ids of the series with name=value, ascending. */
  postings(name: string, value: string): Uint32Array;
  /** Ids of the series whose label `name` has the value at position `i` of labelValuesOf(name). */
  postingsAt(name: string, i: number): Uint32Array;
}

const EMPTY = new Uint32Array(0);

/** Ids in both lists. */
export function intersectPostings(a: Uint32Array, b: Uint32Array): Uint32Array {
  if (a.length > b.length) [a, b] = [b, a];
  const out = new Uint32Array(a.length);
  let n = 0;
  let j = 0;
  const bl = b.length;
  for (let i = 0; i < a.length && j < bl; i++) {
    const x = a[i]!;
    // Galloping would pay for very skewed sizes; a linear walk is enough at our list sizes.
    while (j < bl && b[j]! < x) j++;
    if (j < bl && b[j] === x) out[n++] = x;
  }
  return out.subarray(0, n);
}

/** Ids in `a` but not in `b`. */
export function subtractPostings(a: Uint32Array, b: Uint32Array): Uint32Array {
  const out = new Uint32Array(a.length);
  let n = 0;
  let j = 0;
  const bl = b.length;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    while (j < bl && b[j]! < x) j++;
    if (j < bl && b[j] === x) continue;
    out[n++] = x;
  }
  return out.subarray(0, n);
}

/** Union of ascending lists over ids below `numSeries`. */
export function unionPostings(lists: readonly Uint32Array[], numSeries: number): Uint32Array {
  if (lists.length === 0) return EMPTY;
  if (lists.length === 1) return lists[0]!;
  let total = 0;
  for (const l of lists) total += l.length;
  if (total * 8 >= numSeries) {
    // Dense: a bitmap walk is linear in the block size and allocates once.
    const mark = new Uint8Array(numSeries);
    for (const l of lists) for (let i = 0; i < l.length; i++) mark[l[i]!] = 1;
    const out = new Uint32Array(total);
    let n = 0;
    for (let id = 0; id < numSeries; id++) if (mark[id] === 1) out[n++] = id;
    return out.subarray(0, n);
  }
  const all = new Uint32Array(total);
  let n = 0;
  for (const l of lists) {
    all.set(l, n);
    n += l.length;
  }
  all.sort();
  let m = 0;
  for (let i = 0; i < all.length; i++) if (m === 0 || all[m - 1] !== all[i]) all[m++] = all[i]!;
  return all.subarray(0, m);
}

/** Ids 0 .. n-1. */
export function allPostings(n: number): Uint32Array {
  const out = new Uint32Array(n);
  for (let i = 0; i < n; i++) out[i] = i;
  return out;
}

// Union of the postings of every value of `m.name` for which `m.matches(value) === want`.
function valuesPostings(src: PostingsSource, m: Matcher, want: boolean): Uint32Array {
  if (m.type === '=' || m.type === '!=') {
    // One value decides: matches(v) for '=' is v === value, for '!=' it is the opposite.
    if (want === (m.type === '=')) return src.postings(m.name, m.value);
  }
  const values = src.labelValuesOf(m.name);
  const lists: Uint32Array[] = [];
  for (let i = 0; i < values.length; i++) if (m.matches(values[i]!) === want) lists.push(src.postingsAt(m.name, i));
  return unionPostings(lists, src.numSeries);
}

/**
 * Ids of the series matching all matchers, ascending, with Prometheus semantics: a series
 * without a label has the empty string for it, so a matcher matching "" also selects series
 * lacking the label. No matchers select every series.
 */
export function postingsForMatchers(src: PostingsSource, matchers: readonly Matcher[]): Uint32Array {
  const include: Uint32Array[] = [];
  const exclude: Uint32Array[] = [];
  for (const m of matchers) {
    if (m.matches('')) {
      // Series lacking the label pass; drop those whose value does not match.
      const drop = valuesPostings(src, m, false);
      if (drop.length > 0) exclude.push(drop);
    } else {
      const keep = valuesPostings(src, m, true);
      if (keep.length === 0) return EMPTY;
      include.push(keep);
    }
  }
  let result: Uint32Array;
  if (include.length === 0) {
    result = allPostings(src.numSeries);
  } else {
    include.sort((a, b) => a.length - b.length);
    result = include[0]!;
    for (let i = 1; i < include.length && result.length > 0; i++) result = intersectPostings(result, include[i]!);
  }
  for (const e of exclude) {
    if (result.length === 0) break;
    result = subtractPostings(result, e);
  }
  return result;
}
