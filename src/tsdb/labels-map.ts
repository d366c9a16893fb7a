// A map from label sets to values, keyed by a 32-bit hash of the labels with collisions resolved
// by comparing them. On the ingest path it replaces string keys, whose building and hashing
// cost about as much as the rest of appending a sample.
import type { Labels } from '../storage/index.js';

/** FNV-1a over the UTF-16 code units of every name and value, with separators between them. */
export function labelsHash(labels: Labels): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i]!;
    const n = l.name;
    for (let j = 0; j < n.length; j++) h = Math.imul(h ^ n.charCodeAt(j), 0x01000193);
    // Separators outside the UTF-16 range keep ("ab","c") apart from ("a","bc").
    h = Math.imul(h ^ 0x10000, 0x01000193);
    const v = l.value;
    for (let j = 0; j < v.length; j++) h = Math.imul(h ^ v.charCodeAt(j), 0x01000193);
    h = Math.imul(h ^ 0x10001, 0x01000193);
  }
  return h >>> 0;
}

/** Whether two sorted label sets are equal. */
export function labelsEqual(a: Labels, b: Labels): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x.name !== y.name || x.value !== y.value) return false;
  }
  return true;
}

export class LabelsMap<T extends { readonly labels: Labels }> {
  // A hash holds one value, or an array of values whose labels collide.
  private readonly m = new Map<number, T | T[]>();
  private count = 0;

  get size(): number {
    return this.count;
  }

  get(labels: Labels, hash: number = labelsHash(labels)): T | undefined {
    const e = this.m.get(hash);
    if (e === undefined) return undefined;
    if (!Array.isArray(e)) return labelsEqual(e.labels, labels) ? e : undefined;
    for (const x of e) if (labelsEqual(x.labels, labels)) return x;
    return undefined;
  }

  /** Adds a value whose labels are not in the map yet. */
  add(value: T, hash: number = labelsHash(value.labels)): void {
    const e = this.m.get(hash);
    if (e === undefined) this.m.set(hash, value);
    else if (Array.isArray(e)) e.push(value);
    else this.m.set(hash, [e, value]);
    this.count++;
  }

  /** Every value, in no particular order. */
  *values(): IterableIterator<T> {
    for (const e of this.m.values()) {
      if (Array.isArray(e)) yield* e;
      else yield e;
    }
  }

  /** Removes this exact value (by identity); returns whether it was there. */
  delete(value: T, hash: number = labelsHash(value.labels)): boolean {
    const e = this.m.get(hash);
    if (e === undefined) return false;
    if (!Array.isArray(e)) {
      if (e !== value) return false;
      this.m.delete(hash);
    } else {
      const i = e.indexOf(value);
      if (i < 0) return false;
      e.splice(i, 1);
      if (e.length === 1) this.m.set(hash, e[0]!);
    }
    this.count--;
    return true;
  }
}
