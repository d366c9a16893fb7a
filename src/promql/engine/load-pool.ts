// The pool of load buffers the engine keeps between queries.

/** Samples per load buffer once a selector has outgrown the first, smaller ones. */
export const LOAD_BLOCK = 1 << 16;

/**
 * Full-size load buffers (LOAD_BLOCK samples) kept between queries, as Prometheus pools its point
 * slices: a selector of many series otherwise allocates megabytes of typed arrays per query,
 * and that external memory is what set off most full garbage collections of a large heap.
 * Holds at most `max` buffers (512 KB each).
 */
export class LoadBufferPool {
  private readonly free: Float64Array[] = [];
  private readonly max: number;

  constructor(max: number) {
    this.max = max;
  }

  /** Whether a buffer is waiting. */
  get available(): boolean {
    return this.free.length > 0;
  }

  /** A buffer of LOAD_BLOCK samples (old contents: callers write before they read). */
  take(): Float64Array {
    return this.free.pop() ?? new Float64Array(LOAD_BLOCK);
  }

  /** Returns buffers no result refers to any more. */
  give(bufs: readonly Float64Array[]): void {
    for (const b of bufs) if (this.free.length < this.max && b.length === LOAD_BLOCK) this.free.push(b);
  }
}
