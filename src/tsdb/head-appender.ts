// Collects one request's samples for the head: checked as they arrive (order within each series),
// handed to the engine's commit as parallel arrays, never as an object per sample.
import {
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
  private done = false;

  constructor(head: Head, tenant: string, commitFn: (batch: PendingBatch) => Promise<void>) {
    this.head = head;
    this.tenant = tenant;
    this.commitFn = commitFn;
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
    const hash = labelsHash(labels);
    let p = this.byLabels.get(labels, hash);
    if (p === undefined) {
      const series = this.head.get(this.tenant, labels, hash);
      p = { hash, labels, idx: this.series.length, series, minT: t, lastT: series?.lastT ?? -Infinity };
      this.series.push(p);
      this.byLabels.add(p, hash);
    }
    const idx = p.idx;
    if (t < p.lastT) {
      throw new OutOfOrderSampleError(
        `sample of ${formatSeries(labels)} at ${formatTime(t)} is older than the newest sample of that series (${formatTime(p.lastT)}); out-of-order samples are not accepted`,
      );
    }
    if (t < p.minT) p.minT = t;
    p.lastT = t;
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
    });
  }

  rollback(): void {
    this.done = true;
    this.n = 0;
  }
}
