// The inverted index of one tenant: for every label pair, the ascending list of series refs
// carrying it, plus set operations on such lists.
import type { Labels, Matcher } from '../storage/index.js';

/** Intersects ascending ref lists. */
export function intersect(a: readonly number[], b: readonly number[]): number[] {
  const out: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const x = a[i]!;
    const y = b[j]!;
    if (x === y) {
      out.push(x);
      i++;
      j++;
    } else if (x < y) i++;
    else j++;
  }
  return out;
}

/** Merges ascending ref lists into one without duplicates. */
export function union(lists: readonly (readonly number[])[]): number[] {
  if (lists.length === 1) return lists[0]!.slice();
  const all: number[] = [];
  for (const l of lists) for (const r of l) all.push(r);
  all.sort((x, y) => x - y);
  const out: number[] = [];
  for (const r of all) if (out.length === 0 || out[out.length - 1] !== r) out.push(r);
  return out;
}

export class PostingsIndex {
  private readonly byName = new Map<string, Map<string, number[]>>();
  /** Every ref of the tenant, ascending. */
  readonly all: number[] = [];

  /** Adds a series; refs must be added in ascending order. */
  add(ref: number, labels: Labels): void {
    this.all.push(ref);
    for (const l of labels) {
      let values = this.byName.get(l.name);
      if (values === undefined) this.byName.set(l.name, (values = new Map()));
      let refs = values.get(l.value);
      if (refs === undefined) values.set(l.value, (refs = []));
      refs.push(ref);
    }
  }

  /**
   * Removes one series. Searches each list from its end: meant for few, recently added series
   * (a batch that stored nothing); many removals rebuild the index instead.
   */
  delete(ref: number, labels: Labels): void {
    dropFromEnd(this.all, ref);
    for (const l of labels) {
      const values = this.byName.get(l.name);
      const refs = values?.get(l.value);
      if (values === undefined || refs === undefined) continue;
      dropFromEnd(refs, ref);
      if (refs.length > 0) continue;
      values.delete(l.value);
      if (values.size === 0) this.byName.delete(l.name);
    }
  }

  /** Every label name with its values and their refs, unsorted. */
  entries(): IterableIterator<[string, Map<string, number[]>]> {
    return this.byName.entries();
  }

  /** Label names present, unsorted. */
  names(): IterableIterator<string> {
    return this.byName.keys();
  }

  /** Values of a label, unsorted. */
  values(name: string): Iterable<string> {
    return this.byName.get(name)?.keys() ?? [];
  }

  /**
   * Refs of series that may match all matchers, ascending. Matchers that select a non-empty
   * value (`="x"`, `=~"a|b"`) narrow through postings; the caller still checks every matcher
   * against the candidate's labels, so this may over-approximate but never miss.
   */
  candidates(matchers: readonly Matcher[]): number[] {
    let out: number[] | null = null;
    for (const m of matchers) {
      let refs: number[] | null = null;
      if (m.type === '=' && m.value !== '') {
        refs = this.byName.get(m.name)?.get(m.value) ?? [];
      } else if (m.type === '=~' && !m.matches('')) {
        const values = this.byName.get(m.name);
        const lists: number[][] = [];
        if (values) for (const [v, l] of values) if (m.matches(v)) lists.push(l);
        refs = lists.length === 0 ? [] : union(lists);
      }
      if (refs !== null) out = out === null ? refs : intersect(out, refs);
      if (out !== null && out.length === 0) return out;
    }
    return out ?? this.all;
  }
}

function dropFromEnd(list: number[], ref: number): void {
  const i = list.lastIndexOf(ref);
  if (i >= 0) list.splice(i, 1);
}
