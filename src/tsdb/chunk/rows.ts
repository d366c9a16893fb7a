// Hot per-series state of the head, a row per series in two typed arrays: the newest and oldest
// timestamps, the commit scratch, the open chunk's encoder state, and what the append path checks
// (the series' ref, tenant and whether the WAL has it). Appending a batch touches
// thousands of series once each; as object fields each double was a heap box of its own, so a
// sample cost a dozen scattered cache lines. A row is one line of doubles and one of int32s, and
// the append path reads only rows: visiting the series object itself was a cache miss per sample
// in each pass over a batch. Rows are numbered from 0 and reused after release; the arrays grow by doubling, so hold
// `rows.f64` / `rows.i32` only while no row can be allocated.

/** Doubles per row. */
export const F = 8;
/** Series: newest timestamp appended (-Infinity when empty). */
export const F_LAST_T = 0;
/** Series: oldest timestamp held (Infinity when empty). */
export const F_FIRST_T = 1;
/** Series: scratch timestamp of whoever holds the stamp (appender or commit). */
export const F_SCRATCH_T = 2;
/** Open chunk: first and last timestamp (NaN when empty), last delta, last mantissa. */
export const F_C_MIN_T = 3;
export const F_C_MAX_T = 4;
export const F_C_DELTA = 5;
export const F_C_M = 6;
/** Series: its ref (NaN while the row is free or holds no head series): tells a batch that kept a row whether the series still owns it. */
export const F_REF = 7;

/** Int32s per row (8 spare, keeping a row one cache line). */
export const I = 16;
/** Series: who may use F_SCRATCH_T (an appender or commit stamp). */
export const I_STAMP = 0;
/** Open chunk: samples, decimal exponent (-1: none), first and current arena segment (-1: no open chunk), bytes used in the current segment, segments, raw values in a row. */
export const I_C_N = 1;
export const I_C_E = 2;
export const I_C_FIRST_SEG = 3;
export const I_C_SEG = 4;
export const I_C_USED = 5;
export const I_C_SEGMENTS = 6;
export const I_C_RAW_STREAK = 7;
/** Series: its tenant's id (TenantHead.id; -1: none). */
export const I_TENANT = 8;
/** Series: 1 once the WAL holds its series record, else 0. */
export const I_LOGGED = 9;

export class Rows {
  f64 = new Float64Array(F * 1024);
  i32 = new Int32Array(I * 1024);
  private free: number[] = [];
  private next = 0;

  /** A cleared row: no samples, no open chunk. */
  alloc(): number {
    const r = this.free.length > 0 ? this.free.pop()! : this.next++;
    if ((r + 1) * F > this.f64.length) this.grow();
    const f = r * F;
    const f64 = this.f64;
    f64[f + F_LAST_T] = -Infinity;
    f64[f + F_FIRST_T] = Infinity;
    f64[f + F_SCRATCH_T] = -Infinity;
    f64[f + F_C_MIN_T] = NaN;
    f64[f + F_C_MAX_T] = NaN;
    f64[f + F_C_DELTA] = 0;
    f64[f + F_C_M] = 0;
    f64[f + F_REF] = NaN;
    const i = r * I;
    const i32 = this.i32;
    i32[i + I_STAMP] = 0;
    i32[i + I_C_N] = 0;
    i32[i + I_C_E] = -1;
    i32[i + I_C_FIRST_SEG] = -1;
    i32[i + I_C_SEG] = -1;
    i32[i + I_C_USED] = 0;
    i32[i + I_C_SEGMENTS] = 0;
    i32[i + I_C_RAW_STREAK] = 0;
    i32[i + I_TENANT] = -1;
    i32[i + I_LOGGED] = 0;
    return r;
  }

  /** Gives a row back (its open chunk must have been closed or released). */
  release(r: number): void {
    this.f64[r * F + F_REF] = NaN;
    this.i32[r * I + I_TENANT] = -1;
    this.free.push(r);
  }

  private grow(): void {
    const f64 = new Float64Array(this.f64.length * 2);
    f64.set(this.f64);
    this.f64 = f64;
    const i32 = new Int32Array(this.i32.length * 2);
    i32.set(this.i32);
    this.i32 = i32;
  }
}

/** The rows of every head series (and stand-alone chunk appender) in this process. */
export const rows = new Rows();
