// A cache of range query answers, as VictoriaMetrics keeps its rollup result cache: a dashboard
// asks the same query again every refresh, with the window moved on by a few steps, and all but
// the newest steps are answered from the cache.
//
// Why it is sound: every step of a range query is evaluated on its own, from samples at or
// before that step's time, as long as no selector looks ahead (negative offset) or at a fixed
// time (`@`); such queries are not cached. So a cached step stays right until a sample at or
// before it is written or removed. The engine reports every such change at "settled" times (a
// few minutes behind the clock, `ChangeFeed`) and only settled steps are kept; live writes near
// the present touch no cached step. Cached steps from the first change on are dropped before use.
import { compareLabels, type ChangeFeed, type Labels } from '../../storage/index.js';
import type { Expr } from '../ast.js';
import { children } from '../ast.js';
import { formatExpr } from '../printer.js';
import type { Engine } from './engine.js';
import type { QuerierFactory } from './evaluator.js';
import { cachedKey } from './labels.js';
import type { RangeSeries } from './value.js';

/** Printed trees: the API hands the same tree for the same query text (ParseCache), so it is printed once. */
const printedTrees = new WeakMap<Expr, string>();

function printed(e: Expr): string {
  let s = printedTrees.get(e);
  if (s === undefined) printedTrees.set(e, (s = formatExpr(e)));
  return s;
}

/** Whether the answer at each step depends only on samples at or before that step. */
export function cacheable(e: Expr): boolean {
  if ((e.type === 'VectorSelector' || e.type === 'SubqueryExpr') && (e.at !== null || e.offset < 0)) return false;
  return children(e).every(cacheable);
}

/**
 * A series of an answer. Points [0, textPoints) also come rendered, as the UTF-8 bytes of the
 * concatenation of `render(t, v)` of each (the API's JSON text): for a long dashboard query,
 * printing numbers costs more than evaluating the newest steps, so the cache keeps what it
 * printed, as bytes, which the answer copies instead of encoding them again.
 */
export interface CachedRangeSeries extends RangeSeries {
  readonly text?: Buffer;
  readonly textPoints?: number;
}

/** A point as text (the cache concatenates these, so each carries its own separator). */
export type PointRenderer = (t: number, v: number) => string;

/** A series held: its points as numbers and as text (UTF-8), offs[i] where point i's text starts (offs[n] = text.length). */
interface HeldSeries {
  readonly labels: Labels;
  readonly ts: number[];
  readonly vs: number[];
  readonly text: Buffer;
  readonly offs: number[];
}

interface Entry {
  /** First and last step held (inclusive); the steps are start + k * step. */
  start: number;
  end: number;
  /** ChangeFeed mark taken before the steps held were read. */
  mark: number;
  series: HeldSeries[];
  bytes: number;
}

export type CacheOutcome = 'hit' | 'partial' | 'miss' | 'uncacheable';

/** What each answer took from the cache, for counters. */
export type CacheListener = (outcome: CacheOutcome, bytes: number) => void;

/**
 * Estimated bytes of an entry: 16 per point, 8 per offset, the text, and a flat guess per
 * series (its label pairs are shared with the head).
 */
function entryBytes(key: string, series: readonly HeldSeries[]): number {
  let n = 64 + 2 * key.length;
  for (const s of series) n += 24 * s.ts.length + s.text.length + 128;
  return n;
}

export class RangeCache {
  /** Entries by key, least recently used first (Map keeps insertion order). */
  private readonly entries = new Map<string, Entry>();
  private total = 0;

  constructor(
    private readonly maxBytes: number,
    private readonly render: PointRenderer,
    private readonly listener: CacheListener = () => {},
  ) {}

  /** Bytes held now. */
  get bytes(): number {
    return this.total;
  }

  /**
   * The range query's answer, series sorted by labels, with settled steps from the cache where
   * possible (those come with their text). Without a change feed (or with `maxBytes` 0) it just
   * runs the query.
   */
  async range(
    engine: Engine,
    querier: QuerierFactory,
    feed: ChangeFeed | undefined,
    tenant: string,
    expr: Expr,
    start: number,
    end: number,
    step: number,
    timeoutMs?: number,
  ): Promise<CachedRangeSeries[]> {
    if (feed === undefined || this.maxBytes <= 0 || step <= 0 || !cacheable(expr)) {
      this.listener('uncacheable', this.total);
      return engine.rangeAsync(querier, expr, start, end, step, timeoutMs);
    }
    // Taken before anything is read: a change visible to the reads below but reported after
    // this mark only makes the entry be checked again.
    const mark = feed.mark();
    const settled = feed.settledBefore();
    const key = `${tenant}\u0000${step}\u0000${((start % step) + step) % step}\u0000${printed(expr)}`;
    const e = this.valid(key, feed, step);

    let held: HeldSeries[] = [];
    let from = start;
    if (e !== undefined && e.start <= start && start <= e.end + step) {
      held = sliceHeld(e.series, start, Math.min(end, e.end));
      from = e.end + step;
    }
    const fresh = from <= end ? await engine.rangeAsync(querier, expr, from, end, step, timeoutMs) : [];

    // The steps kept: [start, the last step before `settled` and not after `end`].
    const last = start + Math.floor((Math.min(settled - 1, end) - start) / step) * step;
    const kept = last >= start ? this.extend(held, fresh, last) : held;
    if (last >= start) this.put(key, { start, end: last, mark, series: kept, bytes: entryBytes(key, kept) });
    this.listener(from > end ? 'hit' : from > start ? 'partial' : 'miss', this.total);
    return answer(kept, fresh, last);
  }

  /** `held` with the points of `fresh` up to `last` appended and rendered, sorted by labels. */
  private extend(held: readonly HeldSeries[], fresh: readonly RangeSeries[], last: number): HeldSeries[] {
    const byKey = new Map<string, HeldSeries>();
    for (const h of held) byKey.set(cachedKey(h.labels), h);
    for (const f of fresh) {
      const n = lowerBound(f.ts, last + 1);
      if (n === 0) continue;
      const k = cachedKey(f.labels);
      const h = byKey.get(k);
      const ts = h === undefined ? [] : h.ts.slice();
      const vs = h === undefined ? [] : h.vs.slice();
      const offs = h === undefined ? [0] : h.offs.slice();
      const base = h === undefined ? 0 : h.text.length;
      let added = '';
      for (let i = 0; i < n; i++) {
        const t = f.ts[i]!;
        const v = f.vs[i]!;
        ts.push(t);
        vs.push(v);
        const p = this.render(t, v);
        added += p;
        // Rendered points are ASCII as a rule; other characters take more bytes than chars.
        offs.push(offs[offs.length - 1]! + (isAscii(p) ? p.length : Buffer.byteLength(p)));
      }
      const bytes = Buffer.from(added, 'utf8');
      const text = h === undefined ? bytes : Buffer.concat([h.text, bytes], base + bytes.length);
      byKey.set(k, { labels: h?.labels ?? f.labels, ts, vs, text, offs });
    }
    return [...byKey.values()].sort((a, b) => compareLabels(a.labels, b.labels));
  }

  /**
   * The entry under `key`, its steps from the first change since its mark on dropped; undefined
   * if none is left.
   */
  private valid(key: string, feed: ChangeFeed, step: number): Entry | undefined {
    const e = this.entries.get(key);
    if (e === undefined) return undefined;
    const changed = feed.changedSince(e.mark);
    this.drop(key, e);
    if (changed > e.end) {
      this.put(key, e); // most recently used now
      return e;
    }
    if (changed <= e.start) return undefined;
    // The last step before the change; every change since the mark is accounted for.
    const last = e.start + (Math.ceil((changed - e.start) / step) - 1) * step;
    const series = sliceHeld(e.series, e.start, last);
    const kept: Entry = { start: e.start, end: last, mark: feed.mark(), series, bytes: entryBytes(key, series) };
    this.put(key, kept);
    return kept;
  }

  private put(key: string, e: Entry): void {
    const old = this.entries.get(key);
    if (old !== undefined) this.drop(key, old);
    if (e.bytes > this.maxBytes / 4) return;
    this.entries.set(key, e);
    this.total += e.bytes;
    for (const [k, v] of this.entries) {
      if (this.total <= this.maxBytes) break;
      this.drop(k, v);
    }
  }

  private drop(key: string, e: Entry): void {
    this.entries.delete(key);
    this.total -= e.bytes;
  }
}

/** The points of each series within [from, to], text included; series left without points are left out. */
function sliceHeld(series: readonly HeldSeries[], from: number, to: number): HeldSeries[] {
  const out: HeldSeries[] = [];
  for (const s of series) {
    const a = lowerBound(s.ts, from);
    const b = lowerBound(s.ts, to + 1);
    if (b <= a) continue;
    if (a === 0 && b === s.ts.length) {
      out.push(s);
      continue;
    }
    const base = s.offs[a]!;
    const offs = new Array<number>(b - a + 1);
    for (let i = a; i <= b; i++) offs[i - a] = s.offs[i]! - base;
    // A copy (Buffer.from of a view): a view would keep the whole older text alive.
    out.push({ labels: s.labels, ts: s.ts.slice(a, b), vs: s.vs.slice(a, b), text: Buffer.from(s.text.subarray(base, s.offs[b]!)), offs });
  }
  return out;
}

/** The answer: the series held (with their text), followed by the points of `fresh` after `last`. */
function answer(held: readonly HeldSeries[], fresh: readonly RangeSeries[], last: number): CachedRangeSeries[] {
  const byKey = new Map<string, CachedRangeSeries>();
  for (const h of held) byKey.set(cachedKey(h.labels), { labels: h.labels, ts: h.ts, vs: h.vs, text: h.text, textPoints: h.ts.length });
  let added = false;
  for (const f of fresh) {
    const a = lowerBound(f.ts, last + 1);
    if (a === f.ts.length) continue;
    const k = cachedKey(f.labels);
    const h = byKey.get(k);
    const ts = h === undefined ? [] : Array.from(h.ts);
    const vs = h === undefined ? [] : Array.from(h.vs);
    for (let i = a; i < f.ts.length; i++) {
      ts.push(f.ts[i]!);
      vs.push(f.vs[i]!);
    }
    if (h === undefined) added = true;
    byKey.set(k, h === undefined ? { labels: f.labels, ts, vs } : { labels: h.labels, ts, vs, text: h.text!, textPoints: h.textPoints! });
  }
  const out = [...byKey.values()];
  return added ? out.sort((a, b) => compareLabels(a.labels, b.labels)) : out;
}

function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return false;
  return true;
}

/** First index whose time is >= t. */
function lowerBound(ts: ArrayLike<number>, t: number): number {
  let lo = 0;
  let hi = ts.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ts[mid]! < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
