// Value and presence buffers of the all-steps evaluation (range-eval.ts's rows), kept between
// range queries: a rate over 1200 series at 241 steps writes 290,000 cells, and allocating
// (zeroing, then faulting in) 2.6 MB of fresh typed arrays per node and query cost more than
// computing the rates, and its external memory set off garbage collections.

/** A value buffer and a presence buffer of the same length; presence is all 0 when handed out. */
export interface Cells {
  readonly vs: Float64Array;
  readonly present: Uint8Array;
}

/** Smallest buffer made (cells), so that queries of slightly different sizes share buffers. */
const MIN_CELLS = 1 << 12;

/**
 * Buffers handed back by finished queries, at most `max` of them and none above `maxCells`
 * cells (larger ones are left to the garbage collector), so what is kept stays bounded
 * (`max` x `maxCells` x 9 bytes).
 */
export class CellPool {
  private readonly free: Cells[] = [];

  constructor(
    private readonly max = 8,
    private readonly maxCells = 1 << 19,
  ) {}

  /** Buffers held now. */
  get size(): number {
    return this.free.length;
  }

  /** Buffers of at least `n` cells, presence cleared over the first `n` (the caller uses no more). */
  take(n: number): Cells {
    let best = -1;
    for (let i = 0; i < this.free.length; i++) {
      const len = this.free[i]!.vs.length;
      if (len >= n && (best < 0 || len < this.free[best]!.vs.length)) best = i;
    }
    if (best < 0) {
      let size = MIN_CELLS;
      while (size < n) size *= 2;
      return { vs: new Float64Array(size), present: new Uint8Array(size) };
    }
    const c = this.free[best]!;
    this.free[best] = this.free[this.free.length - 1]!;
    this.free.pop();
    c.present.fill(0, 0, n);
    return c;
  }

  /** Hands back buffers no result refers to any more. */
  give(cells: readonly Cells[]): void {
    for (const c of cells) if (this.free.length < this.max && c.vs.length <= this.maxCells) this.free.push(c);
  }
}
