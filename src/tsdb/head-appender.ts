// Collects one request's samples for the head: checked as they arrive (order within each series),
// handed to the engine's commit as parallel arrays, never as an object per sample.
import {
  OutOfBoundsError,
  OutOfOrderSampleError,
  type Appender,
  type Labels,
  type MetricMetadata,
} from '../storage/index.js';
import type { Head } from './head.js';
import { LabelsMap, labelsHash } from './labels-map.js';
import type { MemSeries } from './mem-series.js';

/** One distinct series of a pending batch. */
export interface PendingSeries {
  readonly hash: number;
  readonly labels: Labels;
  /** Position in the batch's series list. */
  readonly idx: number;
  /** The head series, once known (resolved again at commit). */
  series: MemSeries | undefined;
  /** Smallest and largest timestamp of this batch for the series. */
  minT: number;
  lastT: number;
  /** Newest sample of the head series when first seen (-Infinity for a new series). */
  readonly headLastT: number;
  /** Scratch for commit: the newest timestamp so far while walking the batch. */
  runT: number;
}

/** What an appender hands to the engine on commit. */
export interface PendingBatch {
  readonly tenant: string;
  readonly series: readonly PendingSeries[];
  /** Number of samples. */
  readonly n: number;
  /** Per sample: index into `series`. */
  readonly seriesIdx: Uint32Array;
  readonly ts: Float64Array;
  /** Values in a Float64Array: a plain number[] would turn NaN payloads (staleness markers) into the canonical NaN. */
  readonly vs: Float64Array;
  readonly metadata: ReadonlyMap<string, MetricMetadata>;
  /** Samples older than the head go into blocks instead of being refused (imports). */
  readonly backfill: boolean;
}

/** How an appender checks samples as they arrive. */
export interface HeadAppenderOptions {
  /** How far behind a series' newest sample a late sample may be, ms (0: none). */
  readonly oooWindowMs: number;
  readonly backfill: boolean;
}

export function formatSeries(labels: Labels): string {
  let name = '';
  const rest: string[] = [];
  for (const l of labels) {
    if (l.name === '__name__') name = l.value;
    else rest.push(`${l.name}=${JSON.stringify(l.value)}`);
  }
  return `${name}{${rest.join(', ')}}`;
}

export function formatTime(t: number): string {
  const d = new Date(t);
  return Number.isNaN(d.getTime()) ? String(t) : d.toISOString();
}

/** The error for a sample too far behind its series' newest sample. */
export function outOfOrder(labels: Labels, t: number, newest: number, windowMs: number): OutOfOrderSampleError {
  const allowed = windowMs > 0 ? `by more than the out-of-order window of ${windowMs / 1000} s` : 'and out-of-order samples are not accepted';
  return new OutOfOrderSampleError(
    `sample of ${formatSeries(labels)} at ${formatTime(t)} is older than the newest sample of that series (${formatTime(newest)}) ${allowed}`,
  );
}

// Decoders that cache validated label sets (remote write's label-bytes cache) hand the same Labels
// object for a series again and again: its hash and head series are remembered per object, so
// such appends skip hashing and the head lookup. Weak, so label sets no one holds are collected.
const hashOf = new WeakMap<Labels, number>();
const seriesOf = new WeakMap<Labels, MemSeries>();

export class HeadAppender implements Appender {
  private readonly head: Head;
  private readonly tenant: string;
  private readonly commitFn: (batch: PendingBatch) => Promise<void>;
  private readonly byLabels = new LabelsMap<PendingSeries>();
  private readonly series: PendingSeries[] = [];
  private n = 0;
  // 8 entries keep each array at 64 bytes, which V8 allocates on its heap (cheap); larger typed
  // arrays get an off-heap backing store, which costs a microsecond or more per request.
  private seriesIdx = new Uint32Array(8);
  private ts = new Float64Array(8);
  private vs = new Float64Array(8);
  private readonly meta = new Map<string, MetricMetadata>();
  /** The series of the previous append: consecutive samples of one series skip the map. */
  private last: PendingSeries | null = null;
  private done = false;

  private readonly opts: HeadAppenderOptions;

  constructor(head: Head, tenant: string, commitFn: (batch: PendingBatch) => Promise<void>, opts: HeadAppenderOptions) {
    this.head = head;
    this.tenant = tenant;
    this.commitFn = commitFn;
    this.opts = opts;
  }

  get pending(): number {
    return this.n;
  }

  private grow(): void {
    const cap = this.ts.length * 2;
    const idx = new Uint32Array(cap);
    idx.set(this.seriesIdx);
    const ts = new Float64Array(cap);
    ts.set(this.ts);
    const vs = new Float64Array(cap);
    vs.set(this.vs);
    this.seriesIdx = idx;
    this.ts = ts;
    this.vs = vs;
  }

  append(labels: Labels, t: number, v: number): void {
    let hash = hashOf.get(labels);
    if (hash === undefined) {
      hash = labelsHash(labels);
      hashOf.set(labels, hash);
    }
    let p = this.last !== null && this.last.labels === labels ? this.last : this.byLabels.get(labels, hash);
    if (p === undefined) {
      let series = seriesOf.get(labels);
      if (series === undefined || series.dropped || series.tenant !== this.tenant) {
        series = this.head.get(this.tenant, labels, hash);
        if (series !== undefined) seriesOf.set(labels, series);
      }
      const headLastT = series?.lastT ?? -Infinity;
      p = { hash, labels, idx: this.series.length, series, minT: t, lastT: -Infinity, headLastT, runT: -Infinity };
      this.series.push(p);
      this.byLabels.add(p, hash);
    }
    this.last = p;
    const idx = p.idx;
    // The engine checks again at commit (other requests may commit first); checking here names
    // the offending sample before anything is stored.
    const minValid = this.head.existingTenant(this.tenant)?.minValidT ?? -Infinity;
    const old = t < minValid;
    if (old && !this.opts.backfill) {
      throw new OutOfBoundsError(
        `sample of ${formatSeries(labels)} at ${formatTime(t)} is older than the in-memory head, which starts at ${formatTime(minValid)}; ` +
          'that time range is already written to blocks and takes no live appends (import it through /api/v1/import)',
      );
    }
    const newest = Math.max(p.lastT, p.headLastT);
    if (!old && !this.opts.backfill && t < newest - this.opts.oooWindowMs) throw outOfOrder(labels, t, newest, this.opts.oooWindowMs);
    if (t < p.minT) p.minT = t;
    if (t > p.lastT) p.lastT = t;
    if (this.n === this.ts.length) this.grow();
    const i = this.n++;
    this.seriesIdx[i] = idx;
    this.ts[i] = t;
    this.vs[i] = v;
  }

  setMetadata(metricName: string, meta: MetricMetadata): void {
    this.meta.set(metricName, meta);
  }

  commit(): Promise<void> {
    if (this.done) return Promise.reject(new Error('appender already committed or rolled back'));
    this.done = true;
    return this.commitFn({
      tenant: this.tenant,
      series: this.series,
      n: this.n,
      seriesIdx: this.seriesIdx,
      ts: this.ts,
      vs: this.vs,
      metadata: this.meta,
      backfill: this.opts.backfill,
    });
  }

  rollback(): void {
    this.done = true;
    this.n = 0;
  }
}

/**
 * The samples of a batch at or after `before`, as a batch of its own (series without such
 * samples left out); per series, `minT` is recomputed.
 */
export function liveSamples(batch: PendingBatch, before: number): PendingBatch {
  const remap = new Int32Array(batch.series.length).fill(-1);
  const series: PendingSeries[] = [];
  const seriesIdx = new Uint32Array(batch.n);
  const ts = new Float64Array(batch.n);
  const vs = new Float64Array(batch.n);
  let n = 0;
  for (let i = 0; i < batch.n; i++) {
    const t = batch.ts[i]!;
    if (t < before) continue;
    const si = batch.seriesIdx[i]!;
    let r = remap[si]!;
    if (r < 0) {
      r = remap[si] = series.length;
      series.push({ ...batch.series[si]!, idx: r, minT: t, lastT: t });
    }
    const p = series[r]!;
    if (t < p.minT) p.minT = t;
    if (t > p.lastT) p.lastT = t;
    seriesIdx[n] = r;
    ts[n] = t;
    vs[n] = batch.vs[i]!;
    n++;
  }
  return { ...batch, series, n, seriesIdx, ts, vs };
}
