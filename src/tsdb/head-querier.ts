// Reads one tenant's head in a time range through the storage Querier contract.
import { compareLabels, type Matcher, type Querier, type SampleIterator, type Series } from '../storage/index.js';
import type { DecodedChunks } from './chunk/decoded-chunks.js';
import type { Head } from './head.js';
import type { MemSeries } from './mem-series.js';
import { MergeIterator } from './merge-querier.js';
import { ArrayIterator } from './ooo-buffer.js';
import { ChunksIterator } from './series-iterator.js';

class HeadSeries implements Series {
  private readonly s: MemSeries;
  private readonly mint: number;
  private readonly maxt: number;
  private readonly decoded: DecodedChunks;
  constructor(s: MemSeries, mint: number, maxt: number, decoded: DecodedChunks) {
    this.s = s;
    this.mint = mint;
    this.maxt = maxt;
    this.decoded = decoded;
  }
  get labels() {
    return this.s.labels;
  }
  iterator(): SampleIterator {
    const s = this.s;
    const chunks = s.chunksIn(this.mint, this.maxt);
    // All but an open chunk at the end are closed, and read through their decoded copies; not
    // those of a series the head let go of meanwhile (a cut while the query paused): nothing
    // would forget them.
    const closed = s.openIn(this.mint, this.maxt) ? chunks.length - 1 : chunks.length;
    const inOrder = new ChunksIterator(chunks, this.mint, this.maxt, s.dropped ? null : this.decoded, closed);
    const ooo = this.s.ooo;
    if (ooo === null) return inOrder;
    const late = ooo.slice(this.mint, this.maxt);
    if (late.ts.length === 0) return inOrder;
    // Late samples were written after the in-order ones at the same timestamp: they win.
    return new MergeIterator([inOrder, new ArrayIterator(late.ts, late.vs)]);
  }
}

function matchesAll(s: MemSeries, matchers: readonly Matcher[]): boolean {
  for (const m of matchers) {
    let v = '';
    for (const l of s.labels) {
      if (l.name === m.name) {
        v = l.value;
        break;
      }
    }
    if (!m.matches(v)) return false;
  }
  return true;
}

/** The series of a tenant's head matching all matchers, in ref order. */
export function headSeriesMatching(head: Head, tenant: string, matchers: readonly Matcher[]): MemSeries[] {
  const t = head.existingTenant(tenant);
  if (t === undefined) return [];
  const out: MemSeries[] = [];
  for (const ref of t.postings.candidates(matchers)) {
    const s = head.byRefOf(ref);
    if (s !== undefined && matchesAll(s, matchers)) out.push(s);
  }
  return out;
}

export class HeadQuerier implements Querier {
  private readonly head: Head;
  private readonly tenant: string;
  private readonly mint: number;
  private readonly maxt: number;

  constructor(head: Head, tenant: string, mint: number, maxt: number) {
    this.head = head;
    this.tenant = tenant;
    this.mint = mint;
    this.maxt = maxt;
  }

  private matching(matchers: readonly Matcher[]): MemSeries[] {
    // A series with no sample in range is not part of the answer, as in Prometheus.
    return headSeriesMatching(this.head, this.tenant, matchers).filter((s) => s.lastT >= this.mint && s.firstT <= this.maxt);
  }

  select(matchers: readonly Matcher[]): Series[] {
    const found = this.matching(matchers);
    found.sort((a, b) => compareLabels(a.labels, b.labels));
    const decoded = this.head.decoded;
    return found.map((s) => new HeadSeries(s, this.mint, this.maxt, decoded));
  }

  labelNames(matchers: readonly Matcher[] = []): string[] {
    const names = new Set<string>();
    for (const s of this.matching(matchers)) for (const l of s.labels) names.add(l.name);
    return [...names].sort();
  }

  labelValues(name: string, matchers: readonly Matcher[] = []): string[] {
    const values = new Set<string>();
    for (const s of this.matching(matchers)) {
      for (const l of s.labels) if (l.name === name) values.add(l.value);
    }
    return [...values].sort();
  }

  close(): void {}
}
