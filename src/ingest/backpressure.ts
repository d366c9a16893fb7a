// Admission control in front of every ingest route: bounds on what is held between the stages
// (bodies being read and decoded, the decode queue, appends waiting for their commit, WAL bytes
// not yet written). A request arriving while any bound is reached is answered 503 with
// Retry-After at once, before its body is read, instead of queueing without limit; remote-write
// senders and the SDK retry 503.
import { Counter, Gauge } from 'prom-client';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { AdmissionLimit } from './admission-limit.js';

export interface GateLimits {
  /** Body bytes of admitted requests not yet answered. */
  readonly maxInflightBytes: number;
  /** Bodies waiting for or in a decode worker. */
  readonly maxDecodeQueue: number;
  /** Requests whose samples are appended and wait for their commit (WAL write). */
  readonly maxPendingCommits: number;
  /** WAL bytes logged and not yet written (the disk falling behind). */
  readonly maxWalPendingBytes: number;
  /**
   * Queueing target for the adaptive bound on requests in flight (admission-limit.ts): the
   * shortest wait from body received to commit in a 100 ms window above which fewer are
   * admitted; 0 = no such bound.
   */
  readonly queueTargetMs?: number;
}

export interface GateSources {
  readonly decodeQueue: () => number;
  readonly walPendingBytes: () => number;
}

/** Why a request was refused, as the metric label says it. */
export type OverloadReason = 'inflight_bytes' | 'decode_queue' | 'pending_commits' | 'wal_backlog' | 'queue_latency';

const gates = new Set<IngestGate>();
const refusedBy = new Map<OverloadReason, { n: number; reported: number }>();

new Counter({
  name: 'metricstream_ingest_overloaded_total',
  help: 'Ingest requests answered 503 because a bound between stages was reached, by the bound (inflight_bytes, decode_queue, pending_commits, wal_backlog, queue_latency)',
  labelNames: ['bound'] as const,
  collect() {
    for (const [bound, e] of refusedBy) {
      this.inc({ bound }, e.n - e.reported);
      e.reported = e.n;
    }
  },
});
const sum = (f: (g: IngestGate) => number) =>
  function (this: Gauge) {
    let n = 0;
    for (const g of gates) n += f(g);
    this.set(n);
  };
new Gauge({ name: 'metricstream_ingest_inflight_bytes', help: 'Body bytes of admitted ingest requests not yet answered', collect: sum((g) => g.inflightBytes) });
new Gauge({ name: 'metricstream_ingest_inflight_requests', help: 'Admitted ingest requests not yet answered', collect: sum((g) => g.inflightRequests) });
new Gauge({ name: 'metricstream_ingest_pending_commits', help: 'Ingest requests whose samples wait for their commit (WAL write)', collect: sum((g) => g.pendingCommits) });
new Gauge({
  name: 'metricstream_ingest_admission_limit',
  help: 'Ingest requests admitted at once under the adaptive queueing bound (--ingest-queue-target); absent when it is off',
  collect(this: Gauge) {
    for (const g of gates) if (g.admission.enabled) this.set(g.admission.limit);
  },
});
new Gauge({ name: 'metricstream_wal_pending_bytes', help: 'WAL bytes logged and not yet written to the segment file', collect: sum((g) => g.sources.walPendingBytes()) });

/** The event loop's mean delay between reads, in ms (perf_hooks' timer-based sampler). */
class LoopDelayMeter {
  // Node records each interval between the sampler's timer runs, the resolution included.
  private static readonly RESOLUTION_MS = 10;
  private readonly h = monitorEventLoopDelay({ resolution: LoopDelayMeter.RESOLUTION_MS });

  constructor() {
    this.h.enable();
  }

  /** The mean delay since the last read (0 without samples); starts the next period. */
  read(): number {
    const h = this.h;
    const ms = h.count > 0 ? Math.max(0, h.mean / 1e6 - LoopDelayMeter.RESOLUTION_MS) : 0;
    h.reset();
    return ms;
  }

  stop(): void {
    this.h.disable();
  }
}

/** A body whose size is not declared (chunked) is charged this much until it is answered. */
export const UNDECLARED_BODY_CHARGE = 1 << 20;

export class IngestGate {
  inflightBytes = 0;
  inflightRequests = 0;
  pendingCommits = 0;

  /** The adaptive bound on requests in flight (off without limits.queueTargetMs). */
  readonly admission: AdmissionLimit;
  private readonly loopDelay: LoopDelayMeter | null;

  constructor(
    readonly limits: GateLimits,
    readonly sources: GateSources,
  ) {
    const targetMs = limits.queueTargetMs ?? 0;
    const meter = targetMs > 0 ? new LoopDelayMeter() : null;
    this.loopDelay = meter;
    this.admission = new AdmissionLimit(meter !== null ? { targetMs, loopDelay: () => meter.read() } : { targetMs });
    gates.add(this);
  }

  /**
   * The bound a new request of `bytes` would cross, or null to admit it. A request is always
   * admitted when nothing is in flight, so a body larger than the byte bound still gets through alone.
   */
  refuse(bytes: number): OverloadReason | null {
    let why: OverloadReason | null = null;
    const l = this.limits;
    if (this.inflightRequests > 0 && this.inflightBytes + bytes > l.maxInflightBytes) why = 'inflight_bytes';
    else if (this.pendingCommits >= l.maxPendingCommits) why = 'pending_commits';
    else if (this.sources.decodeQueue() >= l.maxDecodeQueue) why = 'decode_queue';
    else if (this.sources.walPendingBytes() > l.maxWalPendingBytes) why = 'wal_backlog';
    else if (!this.admission.admits(this.inflightRequests)) why = 'queue_latency';
    if (why !== null) {
      const e = refusedBy.get(why);
      if (e === undefined) refusedBy.set(why, { n: 1, reported: 0 });
      else e.n++;
    }
    return why;
  }

  /**
   * Runs `commit`, counted as a pending commit while it runs; `receivedAt` (performance.now())
   * is when the request's body was received, for the adaptive bound's wait measure.
   */
  committing<T>(commit: () => Promise<T>, receivedAt?: number): Promise<T> {
    if (receivedAt !== undefined) this.admission.done(performance.now() - receivedAt);
    this.pendingCommits++;
    let p: Promise<T>;
    try {
      p = commit();
    } catch (e) {
      this.pendingCommits--;
      return Promise.reject(e);
    }
    return p.then(
      (v) => {
        this.pendingCommits--;
        return v;
      },
      (e: unknown) => {
        this.pendingCommits--;
        throw e;
      },
    );
  }

  close(): void {
    gates.delete(this);
    this.loopDelay?.stop();
  }
}

/** Messages of the 503 answers, by bound. */
export const OVERLOAD_MESSAGES: Record<OverloadReason, string> = {
  inflight_bytes: 'MetricStream is overloaded: too many request bytes are being processed; retry later',
  decode_queue: 'MetricStream is overloaded: the decode queue is full; retry later',
  pending_commits: 'MetricStream is overloaded: storage is behind with commits; retry later',
  wal_backlog: 'MetricStream is overloaded: the write-ahead log is behind the disk; retry later',
  queue_latency: 'MetricStream is overloaded: requests are queueing longer than --ingest-queue-target; retry later',
};
