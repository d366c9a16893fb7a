// What a result cache needs from an engine: which past times writes and removals have touched
// since a moment. Answers for times before `settledBefore()` change only through the changes
// reported here; live writes near the present are not reported (they only touch times a cache
// does not keep yet).

/** Changes remembered; older marks than the oldest one kept answer "everything changed". */
const MAX_ENTRIES = 1024;

export class ChangeFeed {
  private gen = 0;
  /** Generation and earliest touched time of each reported change, oldest first. */
  private gens: number[] = [];
  private mins: number[] = [];
  /** Marks at or below this are older than the entries kept. */
  private floor = 0;

  /**
   * `settleMs`: how far behind the clock a write must be to be reported (samples within it of
   * the present are normal live traffic). `now`: the engine's clock.
   */
  constructor(
    readonly settleMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Times before this are settled: their answers change only through reported changes. */
  settledBefore(): number {
    return this.now() - this.settleMs;
  }

  /** A mark to ask `changedSince` about later. Take it before reading. */
  mark(): number {
    return this.gen;
  }

  /**
   * Reports that samples at `minT` or later were written or removed (call it once the change is
   * visible to readers: reporting early would let a read in between look unchanged). Changes at
   * settled times only are kept.
   */
  changed(minT: number): void {
    if (!(minT < this.settledBefore())) return;
    this.gen++;
    this.gens.push(this.gen);
    this.mins.push(minT);
    if (this.gens.length > MAX_ENTRIES) {
      const drop = MAX_ENTRIES / 2;
      this.floor = this.gens[drop - 1]!;
      this.gens = this.gens.slice(drop);
      this.mins = this.mins.slice(drop);
    }
  }

  /**
   * The earliest sample time touched by changes reported after `mark` (Infinity: none;
   * -Infinity: unknown, the mark is older than what is remembered).
   */
  changedSince(mark: number): number {
    if (mark >= this.gen) return Infinity;
    if (mark < this.floor) return -Infinity;
    let min = Infinity;
    for (let i = this.gens.length - 1; i >= 0 && this.gens[i]! > mark; i--) min = Math.min(min, this.mins[i]!);
    return min;
  }
}
