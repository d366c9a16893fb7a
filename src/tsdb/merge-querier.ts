// Reads several sources (blocks, oldest first, then the head) as one: series with equal labels
// are merged into one sample stream, and where two sources hold the same timestamp the later
// source wins (the head over blocks, a newer block over an older one), so "last write wins" holds
// across the whole engine.
import { compareLabels, fillSamples, type Labels, type Matcher, type Querier, type SampleIterator, type Series } from '../storage/index.js';

/** Merges sample iterators by timestamp; on equal timestamps the highest-index iterator's value wins. */
export class MergeIterator implements SampleIterator {
  private readonly its: SampleIterator[];
  private readonly ok: boolean[];
  private started = false;
  private cur = false;
  private t = 0;
  private v = 0;

  constructor(its: SampleIterator[]) {
    this.its = its;
    this.ok = its.map(() => false);
  }

  next(): boolean {
    const its = this.its;
    if (!this.started) {
      this.started = true;
      for (let i = 0; i < its.length; i++) this.ok[i] = its[i]!.next();
    } else if (this.cur) {
      // Advance every source that supplied the current timestamp.
      for (let i = 0; i < its.length; i++) if (this.ok[i] && its[i]!.atT() === this.t) this.ok[i] = its[i]!.next();
    } else {
      return false;
    }
    return this.pick();
  }

  /**
   * next() in a loop, writing into the arrays; once a single source is left (the head after the
   * blocks, typically) its own bulk read takes over for the rest.
   */
  fill(ts: Float64Array, vs: Float64Array, off: number): number {
    const max = ts.length;
    const its = this.its;
    while (off < max) {
      if (!this.next()) return off;
      ts[off] = this.t;
      vs[off++] = this.v;
      let only = -1;
      for (let i = 0; i < its.length; i++) {
        if (!this.ok[i]) continue;
        if (only >= 0) {
          only = -2;
          break;
        }
        only = i;
      }
      if (only < 0) continue;
      // The one source left is at the sample just written: the rest is its own next samples.
      const before = off;
      off = fillSamples(its[only]!, ts, vs, off);
      if (off < max) {
        this.ok[only] = false;
        this.cur = false;
        return off;
      }
      if (off > before) {
        this.t = ts[off - 1]!;
        this.v = vs[off - 1]!;
      }
      return off;
    }
    return off;
  }

  seek(t: number): boolean {
    if (this.cur && this.t >= t) return true;
    if (this.started && !this.cur) return false;
    const its = this.its;
    for (let i = 0; i < its.length; i++) {
      if (!this.started || (this.ok[i] && its[i]!.atT() < t)) this.ok[i] = its[i]!.seek(t);
    }
    this.started = true;
    return this.pick();
  }

  private pick(): boolean {
    const its = this.its;
    let best = -1;
    let bt = Infinity;
    for (let i = 0; i < its.length; i++) {
      if (!this.ok[i]) continue;
      const t = its[i]!.atT();
      if (t <= bt) {
        bt = t;
        best = i;
      }
    }
    if (best < 0) return (this.cur = false);
    this.t = bt;
    this.v = its[best]!.atV();
    return (this.cur = true);
  }

  atT(): number {
    return this.t;
  }

  atV(): number {
    return this.v;
  }
}

class MergedSeries implements Series {
  readonly labels: Labels;
  private readonly parts: Series[];
  constructor(parts: Series[]) {
    this.labels = parts[0]!.labels;
    this.parts = parts;
  }
  iterator(): SampleIterator {
    return new MergeIterator(this.parts.map((p) => p.iterator()));
  }
}

export class MergeQuerier implements Querier {
  private readonly sources: readonly Querier[];
  private readonly onClose: () => void;
  private closed = false;

  /** `sources` oldest first; `onClose` runs once, on the first close(). */
  constructor(sources: readonly Querier[], onClose: () => void) {
    this.sources = sources;
    this.onClose = onClose;
  }

  select(matchers: readonly Matcher[]): Series[] {
    const lists = this.sources.map((q) => [...q.select(matchers)]);
    const nonEmpty = lists.filter((l) => l.length > 0);
    if (nonEmpty.length <= 1) return nonEmpty[0] ?? [];
    const pos = lists.map(() => 0);
    const out: Series[] = [];
    for (;;) {
      let min: Labels | null = null;
      for (let i = 0; i < lists.length; i++) {
        const s = lists[i]![pos[i]!];
        if (s !== undefined && (min === null || compareLabels(s.labels, min) < 0)) min = s.labels;
      }
      if (min === null) return out;
      const parts: Series[] = [];
      for (let i = 0; i < lists.length; i++) {
        const s = lists[i]![pos[i]!];
        if (s !== undefined && compareLabels(s.labels, min) === 0) {
          parts.push(s);
          pos[i]!++;
        }
      }
      out.push(parts.length === 1 ? parts[0]! : new MergedSeries(parts));
    }
  }

  labelNames(matchers?: readonly Matcher[]): string[] {
    const all = new Set<string>();
    for (const q of this.sources) for (const n of q.labelNames(matchers)) all.add(n);
    return [...all].sort();
  }

  labelValues(name: string, matchers?: readonly Matcher[]): string[] {
    const all = new Set<string>();
    for (const q of this.sources) for (const v of q.labelValues(name, matchers)) all.add(v);
    return [...all].sort();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const q of this.sources) q.close();
    this.onClose();
  }
}
