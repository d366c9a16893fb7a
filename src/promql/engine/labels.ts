// Label-set helpers of the evaluator: dropping the metric name, keeping or removing names for
// vector matching and grouping, and a signature string per label subset.
import { labelsKey, type Label, type Labels } from '../../storage/index.js';

// Results of the two helpers below per label-set object: a range query meets the same series
// (the same Labels object) at every step, and building keys and copies per step dominated it.
const withoutName = new WeakMap<Labels, Labels>();
const keys = new WeakMap<Labels, string>();

export function dropName(labels: Labels): Labels {
  const have = withoutName.get(labels);
  if (have !== undefined) return have;
  let out = labels;
  for (let i = 0; i < labels.length; i++) {
    if (labels[i]!.name === '__name__') {
      out = labels.slice(0, i).concat(labels.slice(i + 1));
      break;
    }
  }
  withoutName.set(labels, out);
  if (out !== labels) withoutName.set(out, out);
  return out;
}

/**
 * Whether every label set has the same metric name (or none has one): distinct sets then stay
 * distinct once the name is dropped, and the check for duplicates can be skipped.
 */
export function oneName(series: readonly { readonly labels: Labels }[]): boolean {
  let first: string | undefined;
  for (let i = 0; i < series.length; i++) {
    const ls = series[i]!.labels;
    let name = '';
    for (let j = 0; j < ls.length; j++) {
      if (ls[j]!.name === '__name__') {
        name = ls[j]!.value;
        break;
      }
    }
    if (first === undefined) first = name;
    else if (name !== first) return false;
  }
  return true;
}

/** labelsKey, remembered per label-set object. */
export function cachedKey(labels: Labels): string {
  let k = keys.get(labels);
  if (k === undefined) keys.set(labels, (k = labelsKey(labels)));
  return k;
}

/** The labels named in `names` (on) or all but those (ignoring/without); `__name__` too when listed. */
export function projectLabels(labels: Labels, names: readonly string[], keep: boolean): Label[] {
  const out: Label[] = [];
  for (const l of labels) {
    const listed = names.includes(l.name);
    if (keep ? listed : !listed && l.name !== '__name__') out.push(l);
  }
  return out;
}

/** A string identifying a label subset (as Prometheus's signature). */
export function signature(labels: readonly Label[]): string {
  let s = '';
  for (const l of labels) s += l.name.length + ':' + l.name + l.value.length + ':' + l.value;
  return s;
}

/** Sets or removes (empty value) one label, keeping the set sorted. */
export function setLabel(labels: Labels, name: string, value: string): Labels {
  const out: Label[] = [];
  let done = false;
  for (const l of labels) {
    if (!done && l.name >= name) {
      if (value !== '') out.push({ name, value });
      done = true;
      if (l.name === name) continue;
    }
    out.push(l);
  }
  if (!done && value !== '') out.push({ name, value });
  return out;
}
