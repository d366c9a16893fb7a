// Collects one request's samples for the head: checked as they arrive (order within each series),
// handed to the engine's commit as parallel arrays (the series, its ref and row, timestamps and
// values per sample), never as an object per sample.
import {
  OutOfBoundsError,
  OutOfOrderSampleError,
  type Appender,
  type Labels,
  type MetricMetadata,
} from '../storage/index.js';
import { largerBatchArrays } from './batch-arrays.js';
import { I, I_TENANT, rows } from './chunk/rows.js';
import type { Head, TenantHead } from './head.js';
import { labelsHash } from './labels-map.js';
import { collectInRow, MemSeries } from './mem-series.js';

/** What an appender hands to the engine on commit: parallel arrays, one entry per sample. */
export interface PendingBatch {
  readonly tenant: string;
  /** Number of samples. */
  readonly n: number;
  /** Per sample: its head series (re-resolved at commit when a head cut dropped it meanwhile); entries from `n` on are undefined. */
  readonly series: (MemSeries | undefined)[];
  /** Per sample: the series' ref and row (rows.ts; -1: none), as when appended; commit re-checks and updates them. */
  readonly refs: Float64Array;
  readonly rows: Int32Array;
  readonly ts: Float64Array;
  /** Values in a Float64Array: a plain number[] would turn NaN payloads (staleness markers) into the canonical NaN. */
  readonly vs: Float64Array;
  /**
   * The head epoch (Head.epoch) the appender checked every sample against, or -1 when its checks
   * cannot stand in for the commit's (a backfill, a stand-in series, another appender adding in
   * between). When it is still the head's epoch, `late` is the commit's verdict.
   */
  readonly checkedAt: number;
  /** Per sample, 1 when it is older than its series' newest (as the appender saw it); null: none. */
  readonly late: Uint8Array | null;
  readonly metadata: ReadonlyMap<string, MetricMetadata>;
  /** Samples older than the head go into blocks instead of being refused (imports). */
  readonly backfill: boolean;
  /** Series this appender created in the head: removed again if the batch leaves them empty. */
  readonly created: readonly MemSeries[];
}

/** How an appender checks samples as they arrive. */
export interface HeadAppenderOptions {
  /** How far behind a series' newest sample a late sample may be, ms (0: none). */
  readonly oooWindowMs: number;
  readonly backfill: boolean;
  /** Whether the head takes new series (false while the WAL replays, which assigns refs itself). */
  readonly ready: () => boolean;
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

const NO_F64: Float64Array = new Float64Array(0);
const NO_I32: Int32Array = new Int32Array(0);

/** Stamp of the appender that added the last sample (in any head): tells an appender whether another one added in between. */
let lastAdder = 0;

/** Appender ids, also used as commit stamps (see collectInRow and advanceInRow in mem-series.ts). */
let nextStamp = 1;
export function newStamp(): number {
  nextStamp = nextStamp >= 0x3fffffff ? 1 : nextStamp + 1;
  return nextStamp;
}

/**
 * The head's appender, shaped like Prometheus's: a series is found (or created, empty and not
 * yet in the WAL) in the head at its first append, and `appendRef` hands back its ref so callers
 * skip the lookup for the next samples. A series created here that the batch leaves empty
 * (rollback, refused batch, only backfilled samples) is removed again at the end.
 */
export class HeadAppender implements Appender {
  private readonly head: Head;
  private readonly tenant: string;
  private readonly commitFn: (batch: PendingBatch) => Promise<void>;
  private readonly stamp = newStamp();
  private n = 0;
  private series: (MemSeries | undefined)[] = new Array<MemSeries | undefined>(8);
  // 8 entries keep each array at 64 bytes at most, which V8 allocates on its heap (cheap); larger
  // typed arrays get an off-heap backing store, which costs a microsecond or more per request.
  private refs: Float64Array = new Float64Array(8);
  private rows: Int32Array = new Int32Array(8);
  private ts: Float64Array = new Float64Array(8);
  private vs: Float64Array = new Float64Array(8);
  private readonly meta = new Map<string, MetricMetadata>();
  private readonly created: MemSeries[] = [];
  private th: TenantHead | undefined;
  private done = false;
  /** See PendingBatch.checkedAt. */
  private checkedAt = -1;
  private late: Uint8Array | null = null;

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
    const a = largerBatchArrays({ series: this.series, refs: this.refs, rows: this.rows, ts: this.ts, vs: this.vs }, this.n, this.ts.length);
    this.series = a.series;
    this.refs = a.refs;
    this.rows = a.rows;
    this.ts = a.ts;
    this.vs = a.vs;
    if (this.late !== null) {
      const late = new Uint8Array(this.ts.length);
      late.set(this.late.subarray(0, this.n));
      this.late = late;
    }
  }

  /** The live head series for these labels, created (unlogged) when there is none. */
  private resolve(labels: Labels): MemSeries {
    const hash = labelsHash(labels);
    let s = this.head.get(this.tenant, labels, hash);
    if (s === undefined && !this.opts.ready()) {
      // Not in the head: stands in until commit, which refuses the batch or (if the engine
      // became ready meanwhile) resolves it like a series a head cut dropped.
      s = new MemSeries(0, this.tenant, labels, false);
      s.dropped = true;
      s.retire();
      return s;
    }
    if (s === undefined) {
      s = this.head.create(this.tenant, labels, undefined, hash, false);
      this.created.push(s);
    }
    this.head.refOfLabels.set(labels, s.ref);
    return s;
  }

  append(labels: Labels, t: number, v: number): void {
    this.appendRef(0, labels, t, v);
  }

  appendRef(ref: number, labels: Labels, t: number, v: number): number {
    // The fast paths read typed arrays only: the series object is not visited (a cache miss per
    // sample in a batch over thousands of series).
    if (ref > 0 && this.addByRef(ref, t, v)) return ref;
    // Decoders that cache validated label sets (remote write's label-bytes cache) hand the same
    // Labels object for a series again and again: its ref is remembered per object.
    const known = this.head.refOfLabels.get(labels);
    if (known !== undefined && known !== ref && this.addByRef(known, t, v)) return known;
    const s = this.resolve(labels);
    this.add(s, s.ref, s.rowIndex, t, v);
    return s.ref;
  }

  /** Adds a sample to the live series `ref` of this tenant; false (nothing added) when there is none. */
  private addByRef(ref: number, t: number, v: number): boolean {
    const r = this.head.rowOf(ref);
    if (r < 0 || rows.i32[r * I + I_TENANT] !== this.tenantId()) return false;
    this.add(this.head.byRefOf(ref)!, ref, r, t, v);
    return true;
  }

  /** The tenant's TenantHead.id, -1 while the tenant has no head (then no series matches it). */
  private tenantId(): number {
    return (this.th ??= this.head.existingTenant(this.tenant))?.id ?? -1;
  }

  /** Adds a sample of series `s` (ref `ref`, row `r`; -1 for a stand-in that has none). */
  private add(s: MemSeries, ref: number, r: number, t: number, v: number): void {
    // The engine checks again at commit (other requests may commit first); checking here names
    // the offending sample before anything is stored.
    const th = (this.th ??= this.head.existingTenant(this.tenant));
    const minValid = th === undefined ? -Infinity : th.minValidT;
    const old = t < minValid;
    if (old && !this.opts.backfill) {
      throw new OutOfBoundsError(
        `sample of ${formatSeries(s.labels)} at ${formatTime(t)} is older than the in-memory head, which starts at ${formatTime(minValid)}; ` +
          'that time range is already written to blocks and takes no live appends (import it through /api/v1/import)',
      );
    }
    // The series' scratch holds this batch's newest sample while the stamp is ours; another
    // appender or commit taking it over only weakens this early check, never the one at commit.
    const newest = r >= 0 ? collectInRow(r, this.stamp, t) : s.collect(this.stamp, t);
    // Whether these checks can stand in for the commit's: nothing else may have added (collect
    // above took over the row's scratch even if this sample is refused), committed or dropped
    // series since the first sample, and every series must have had a row.
    if (this.n === 0) this.checkedAt = this.opts.backfill || r < 0 ? -1 : this.head.epoch;
    else if (lastAdder !== this.stamp || this.checkedAt !== this.head.epoch || r < 0) this.checkedAt = -1;
    lastAdder = this.stamp;
    if (!old && !this.opts.backfill && t < newest - this.opts.oooWindowMs) throw outOfOrder(s.labels, t, newest, this.opts.oooWindowMs);
    if (this.n === this.ts.length) this.grow();
    const i = this.n++;
    if (t < newest) (this.late ??= new Uint8Array(this.ts.length))[i] = 1;
    this.series[i] = s;
    this.refs[i] = ref;
    this.rows[i] = r;
    this.ts[i] = t;
    this.vs[i] = v;
  }

  setMetadata(metricName: string, meta: MetricMetadata): void {
    this.meta.set(metricName, meta);
  }

  commit(): Promise<void> {
    if (this.done) return Promise.reject(new Error('appender already committed or rolled back'));
    this.done = true;
    const batch: PendingBatch = {
      tenant: this.tenant,
      n: this.n,
      series: this.series,
      refs: this.refs,
      rows: this.rows,
      ts: this.ts,
      vs: this.vs,
      metadata: this.meta,
      backfill: this.opts.backfill,
      created: this.created,
      checkedAt: this.checkedAt,
      late: this.late,
    };
    // The engine may recycle the arrays once it has consumed them (batch-arrays.ts).
    this.series = [];
    this.refs = this.ts = this.vs = NO_F64;
    this.rows = NO_I32;
    return this.commitFn(batch);
  }

  rollback(): void {
    if (this.done) return;
    this.done = true;
    this.n = 0;
    this.head.removeIfEmpty(this.tenant, this.created);
  }
}

/**
 * The samples of a batch at or after `before`, as a batch of its own.
 */
export function liveSamples(batch: PendingBatch, before: number): PendingBatch {
  const series: (MemSeries | undefined)[] = [];
  const refs = new Float64Array(batch.n);
  const rs = new Int32Array(batch.n);
  const ts = new Float64Array(batch.n);
  const vs = new Float64Array(batch.n);
  let n = 0;
  for (let i = 0; i < batch.n; i++) {
    const t = batch.ts[i]!;
    if (t < before) continue;
    series.push(batch.series[i]!);
    refs[n] = batch.refs[i]!;
    rs[n] = batch.rows[i]!;
    ts[n] = t;
    vs[n] = batch.vs[i]!;
    n++;
  }
  return { ...batch, series, n, refs, rows: rs, ts, vs, checkedAt: -1, late: null };
}
