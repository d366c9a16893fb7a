// Label-set helpers of the evaluator: dropping the metric name, keeping or removing names for
// vector matching and grouping, and a signature string per label subset.
import type { Label, Labels } from '../../storage/index.js';

export function dropName(labels: Labels): Labels {
  for (let i = 0; i < labels.length; i++) {
    if (labels[i]!.name === '__name__') return labels.slice(0, i).concat(labels.slice(i + 1));
  }
  return labels;
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
