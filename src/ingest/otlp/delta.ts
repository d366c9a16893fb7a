// Delta → cumulative: a running total per series (sums) or per histogram series (sum, count and
// bucket counts), kept in memory and keyed by tenant and full label set. A request stages its
// additions in a transaction; they become the totals only once its samples are appended, so a
// refused request leaves no trace.
//
// Start times: a point whose interval ends at or before the last accumulated point's end is a
// duplicate or out of order, and one that starts before that end overlaps it: both are refused
// (the total would count something twice). A gap (start after the last end) is accumulated:
// nothing was reported for it. A series whose histogram bounds change starts again from its point
// (a counter reset to PromQL). Totals are lost on restart, which PromQL also reads as a reset.

/** Totals not updated for this long may be dropped to make room for new series. */
const IDLE_MS = 3_600_000;

interface State {
  /** End (ms) of the last accumulated point. */
  end: number;
  /** Explicit bounds the values were accumulated with ('' for sums). */
  shape: string;
  values: Float64Array;
  seen: number;
}

export class DeltaTotals {
  private readonly totals = new Map<string, State>();

  constructor(readonly maxSeries: number) {}

  get size(): number {
    return this.totals.size;
  }

  begin(now: number): DeltaTxn {
    return new DeltaTxn(this, now);
  }

  /** @internal */
  get(key: string): State | undefined {
    return this.totals.get(key);
  }

  /** @internal Whether one more series fits, after dropping idle ones if needed. */
  room(now: number, adding: number): boolean {
    if (this.totals.size + adding <= this.maxSeries) return true;
    // Map order is update order (set() moves a key to the end): the idle ones are first.
    for (const [key, s] of this.totals) {
      if (s.seen > now - IDLE_MS) break;
      this.totals.delete(key);
    }
    return this.totals.size + adding <= this.maxSeries;
  }

  /** @internal */
  put(key: string, s: State): void {
    this.totals.delete(key);
    this.totals.set(key, s);
  }

  /** @internal */
  restore(key: string, mine: State, before: State | undefined): void {
    if (this.totals.get(key) !== mine) return;
    if (before === undefined) this.totals.delete(key);
    else this.totals.set(key, before);
  }
}

/** One request's additions to the running totals. */
export class DeltaTxn {
  private readonly staged = new Map<string, State>();
  private readonly before = new Map<string, State | undefined>();
  private added = 0;

  constructor(
    private readonly owner: DeltaTotals,
    private readonly now: number,
  ) {}

  /**
   * Adds a delta point covering (start, end] to the series' total; returns the cumulative values
   * (same layout as `values`) or the reason the point is refused.
   */
  add(key: string, start: number, end: number, values: Float64Array, shape: string): Float64Array | string {
    const prev = this.staged.get(key) ?? this.owner.get(key);
    let next: Float64Array;
    if (prev === undefined || prev.shape !== shape || prev.values.length !== values.length) {
      if (prev === undefined && !this.staged.has(key)) {
        if (!this.owner.room(this.now, this.added + 1)) {
          return `running totals are kept for ${this.owner.maxSeries} delta series at most (--otlp-delta-max-series), and that many are active`;
        }
        this.added++;
      }
      next = Float64Array.from(values);
    } else {
      if (end <= prev.end) {
        return `delta point ending ${new Date(end).toISOString()} is not after the last point accumulated for its series (${new Date(prev.end).toISOString()})`;
      }
      if (start !== 0 && start < prev.end) {
        return `delta point starting ${new Date(start).toISOString()} overlaps the last point accumulated for its series, which ended ${new Date(prev.end).toISOString()}`;
      }
      next = new Float64Array(values.length);
      for (let i = 0; i < values.length; i++) next[i] = prev.values[i]! + values[i]!;
    }
    if (!this.before.has(key)) this.before.set(key, this.owner.get(key));
    this.staged.set(key, { end, shape, values: next, seen: this.now });
    return next;
  }

  /** Makes the staged totals current. */
  apply(): void {
    for (const [key, s] of this.staged) this.owner.put(key, s);
  }

  /** Undoes apply() for the series no later request has moved on since. */
  revert(): void {
    for (const [key, s] of this.staged) this.owner.restore(key, s, this.before.get(key));
  }
}
