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
import { compareLabels, type ChangeFeed } from '../../storage/index.js';
import type { Expr } from '../ast.js';
import { children } from '../ast.js';
import { formatExpr } from '../printer.js';
import type { Engine } from './engine.js';
import type { QuerierFactory } from './evaluator.js';
import { cachedKey } from './labels.js';
import type { RangeSeries } from './value.js';

/** Whether the answer at each step depends only on samples at or before that step. */
export function cacheable(e: Expr): boolean {
  if ((e.type === 'VectorSelector' || e.type === 'SubqueryExpr') && (e.at !== null || e.offset < 0)) return false;
  return children(e).every(cacheable);
}

interface Entry {
  /** First and last step held (inclusive); the steps are start + k * step. */
  start: number;
  end: number;
  /** ChangeFeed mark taken before the steps held were read. */
  mark: number;
  series: RangeSeries[];
  bytes: number;
}

export type CacheOutcome = 'hit' | 'partial' | 'miss' | 'uncacheable';

/** What each answer took from the cache, for counters. */
export type CacheListener = (outcome: CacheOutcome, bytes: number) => void;

/** Estimated bytes of an entry: 16 per point, plus a flat guess per series (its label pairs are shared with the head). */
function entryBytes(key: string, series: readonly RangeSeries[]): number {
  let n = 64 + 2 * key.length;
  for (const s of series) n += 16 * s.ts.length + 128;
  return n;
}

export class RangeCache {
  /** Entries by key, least recently used first (Map keeps insertion order). */
  private readonly entries = new Map<string, Entry>();
  private total = 0;

  constructor(
    private readonly maxBytes: number,
    private readonly listener: CacheListener = () => {},
  ) {}

  /** Bytes held now. */
  get bytes(): number {
    return this.total;
  }

  /**
   * The range query's answer, series sorted by labels, with settled steps from the cache where
   * possible. Without a change feed (or with `maxBytes` 0) it just runs the query.
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
  ): Promise<RangeSeries[]> {
    if (feed === undefined || this.maxBytes <= 0 || step <= 0 || !cacheable(expr)) {
      this.listener('uncacheable', this.total);
      return engine.rangeAsync(querier, expr, start, end, step, timeoutMs);
    }
    // Taken before anything is read: a change visible to the reads below but reported after
    // this mark only makes the entry be checked again.
    const mark = feed.mark();
    const settled = feed.settledBefore();
    const key = `${tenant}\u0000${step}\u0000${((start % step) + step) % step}\u0000${formatExpr(expr)}`;
    const e = this.valid(key, feed, step);

    let cached: RangeSeries[] = [];
    let from = start;
    if (e !== undefined && e.start <= start && start <= e.end + step) {
      cached = slice(e.series, start, Math.min(end, e.end));
      from = e.end + step;
    }
    let fresh: RangeSeries[] = [];
    if (from <= end) fresh = await engine.rangeAsync(querier, expr, from, end, step, timeoutMs);
    const answer = cached.length === 0 ? fresh : fresh.length === 0 ? cached : merge(cached, fresh);
    this.listener(from > end ? 'hit' : from > start ? 'partial' : 'miss', this.total);

    // Keep the settled steps of this answer: [start, the last step before `settled`].
    const last = start + Math.floor((settled - 1 - start) / step) * step;
    if (last >= start) {
      const keep = slice(answer, start, last);
      this.put(key, { start, end: last, mark, series: keep, bytes: entryBytes(key, keep) });
    }
    return answer;
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
    const series = slice(e.series, e.start, last);
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

/** The points of each series within [from, to]; series left without points are left out. */
function slice(series: readonly RangeSeries[], from: number, to: number): RangeSeries[] {
  const out: RangeSeries[] = [];
  for (const s of series) {
    const a = lowerBound(s.ts, from);
    const b = lowerBound(s.ts, to + 1);
    if (b <= a) continue;
    out.push({ labels: s.labels, ts: Array.prototype.slice.call(s.ts, a, b) as number[], vs: Array.prototype.slice.call(s.vs, a, b) as number[] });
  }
  return out;
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

/** Older steps (`a`) followed by newer ones (`b`) per series, sorted by labels. */
function merge(a: readonly RangeSeries[], b: readonly RangeSeries[]): RangeSeries[] {
  const byKey = new Map<string, RangeSeries>();
  for (const s of a) byKey.set(cachedKey(s.labels), { labels: s.labels, ts: s.ts, vs: s.vs });
  for (const s of b) {
    const k = cachedKey(s.labels);
    const have = byKey.get(k);
    if (have === undefined) byKey.set(k, s);
    else byKey.set(k, { labels: have.labels, ts: concat(have.ts, s.ts), vs: concat(have.vs, s.vs) });
  }
  return [...byKey.values()].sort((x, y) => compareLabels(x.labels, y.labels));
}

function concat(x: ArrayLike<number>, y: ArrayLike<number>): number[] {
  const out = new Array<number>(x.length + y.length);
  for (let i = 0; i < x.length; i++) out[i] = x[i]!;
  for (let i = 0; i < y.length; i++) out[x.length + i] = y[i]!;
  return out;
}
