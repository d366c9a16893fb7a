// Label set construction and comparison shared by every engine and API.
import type { Label, Labels } from './interface.js';

/** Builds a sorted label set from a name and a tag record. */
export function labelsFromRecord(record: Readonly<Record<string, string>>): Labels {
  const out: Label[] = [];
  for (const name of Object.keys(record)) out.push({ name, value: record[name]! });
  return sortLabels(out);
}

/** Sorts labels by name in place and returns them. */
export function sortLabels(labels: Label[]): Labels {
  return labels.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** The value of one label, or '' when absent (Prometheus semantics). */
export function labelValue(labels: Labels, name: string): string {
  for (const l of labels) if (l.name === name) return l.value;
  return '';
}

/** A canonical string key of a sorted label set, unique per set. */
export function labelsKey(labels: Labels): string {
  let s = '';
  // Length-prefixed, so no name or value (which may hold any character) can forge another set.
  for (const l of labels) s += l.name.length + ':' + l.name + l.value.length + ':' + l.value;
  return s;
}

/** Orders two sorted label sets as Prometheus's labels.Compare does. */
export function compareLabels(a: Labels, b: Labels): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x.name !== y.name) return x.name < y.name ? -1 : 1;
    if (x.value !== y.value) return x.value < y.value ? -1 : 1;
  }
  return a.length - b.length;
}

/** Labels as a plain record (e.g. for JSON output). */
export function labelsToRecord(labels: Labels): Record<string, string> {
  const out: Record<string, string> = {};
  for (const l of labels) out[l.name] = l.value;
  return out;
}
