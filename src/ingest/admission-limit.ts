// An adaptive bound on the ingest requests being worked on at once, kept where the queueing
// they cause stays near a target. The fixed bounds in backpressure.ts keep memory bounded; this
// one keeps latency bounded. On this node every admitted request shares one main thread, so
// each extra request in flight lengthens every event-loop turn and with it every other request's
// wait; without a bound, a 2x overload is met with ever longer answers (the requests queue in the
// node) instead of quick 503s for the excess and quick answers for the rest.
//
// Hand-written (no library does this for a Node HTTP server): CoDel's signal with an AIMD limit.
// - Signal: the shortest wait, among the requests that reached their commit in a window of
//   `intervalMs`, from the request's body being received to its commit starting (the decode
//   queue, the decode, the event-loop turns and the appends), plus how late the event loop ran
//   in that window. A standing queue delays every request, the fastest included, while one big
//   body does not move the minimum (CoDel's observation). The loop's delay is the part of the
//   queue no request's own clock sees: bodies that arrive whole are decoded in the turn that
//   reads them, so their wait stays short while the requests behind them sit in socket buffers
//   for whole turns of the loop (bulk import at 2x on one core: the minimum alone let the limit
//   reach ~200 and accepted requests waited seconds at the client; with the delay it held near
//   the floor and their p99 fell under 100 ms, docs/ingest-pipeline.md).
// - Above `targetMs`: the limit shrinks by a quarter (not below `min`). At or below half the target
//   in a window where the limit was reached: it grows by a tenth (at least 1, not above `max`).
//   Otherwise it stays.
// The WAL write is deliberately not part of the signal: a slow disk delays each group commit
// whatever the number of requests in it (admitting fewer would only cut throughput); its backlog
// has its own fixed bound.

export interface AdmissionLimitOptions {
  /** Shortest wait in a window above which the node counts as queueing; 0 = no limit. */
  readonly targetMs: number;
  /** Window length (default 100 ms, as CoDel's interval). */
  readonly intervalMs?: number;
  /** Requests always admitted at once (default 8). */
  readonly min?: number;
  /** Largest the limit grows (default 4096). */
  readonly max?: number;
  /** Starting limit (default 64). */
  readonly initial?: number;
  /** Clock in milliseconds (tests); default performance.now. */
  readonly now?: () => number;
  /**
   * How late the event loop ran in the window now closing, in ms (read once per window, then
   * restarted): added to the window's shortest wait. Default: none (0).
   */
  readonly loopDelay?: () => number;
}

export class AdmissionLimit {
  /** Requests admitted at once, currently. */
  limit: number;
  private readonly target: number;
  private readonly interval: number;
  private readonly min: number;
  private readonly max: number;
  private readonly now: () => number;
  private readonly loopDelay: () => number;
  private windowStart: number;
  private windowMin = Infinity;
  private reached = false;

  constructor(o: AdmissionLimitOptions) {
    this.target = o.targetMs;
    this.interval = o.intervalMs ?? 100;
    this.min = Math.max(1, o.min ?? 8);
    this.max = Math.max(this.min, o.max ?? 4096);
    this.now = o.now ?? (() => performance.now());
    this.loopDelay = o.loopDelay ?? (() => 0);
    this.limit = Math.min(this.max, Math.max(this.min, o.initial ?? 64));
    this.windowStart = this.now();
  }

  /** Whether the limit is on (a target was given). */
  get enabled(): boolean {
    return this.target > 0;
  }

  /** Whether one more request may start while `inflight` are being worked on. */
  admits(inflight: number): boolean {
    if (this.target <= 0) return true;
    this.roll();
    if (inflight + 1 >= this.limit) this.reached = true;
    return inflight < this.limit;
  }

  /** An admitted request reached its commit `waitedMs` after its body was received. */
  done(waitedMs: number): void {
    if (this.target <= 0) return;
    this.roll();
    if (waitedMs < this.windowMin) this.windowMin = waitedMs;
  }

  /** Closes the window when it is over and adjusts the limit from what it saw. */
  private roll(): void {
    const t = this.now();
    const elapsed = t - this.windowStart;
    if (elapsed < this.interval) return;
    const q = this.windowMin + this.loopDelay();
    const over = q !== Infinity && q > this.target;
    if (over) {
      this.limit = Math.max(this.min, Math.floor(this.limit * 0.75));
    } else if (this.reached && q !== Infinity && q <= this.target / 2) {
      this.limit = Math.min(this.max, this.limit + Math.max(1, Math.floor(this.limit / 10)));
    }
    // A long quiet gap is one window, not many: the next window starts now.
    this.windowStart = t;
    this.windowMin = Infinity;
    this.reached = false;
  }
}
