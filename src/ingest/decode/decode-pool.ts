// The decode stage: request bodies are decoded by their protocol's registered decoder, in one of
// N worker threads (bodies of at least `minBytes`) or on the main thread (small bodies, or N = 0),
// and come back as a SampleBatch whose Labels objects are shared across requests and workers.
// Appends stay on the main thread: one storage writer.
import { Worker } from 'node:worker_threads';
import { Counter, Gauge } from 'prom-client';
import type { Decoded, DecodeContext, DecodeSettings } from './decoder.js';
import { decoderOf } from './decoders.js';
import type { JobAnswer, JobRequest } from './messages.js';
import type { SeriesRef } from '../series-batch.js';
import { SeriesTable } from './series-codec.js';

export interface DecodePoolOptions {
  /** Worker threads; 0 decodes everything on the main thread. */
  readonly workers: number;
  /** Bodies smaller than this are decoded on the main thread (posting them costs more than it saves). */
  readonly minBytes: number;
  /** Per protocol, instead of minBytes: for decoders whose main-thread decode costs about what posting does. */
  readonly minBytesByProtocol?: Readonly<Record<string, number>>;
  readonly settings: DecodeSettings;
  /** Series numbers a worker keeps before starting over (default 1M). */
  readonly maxSeries?: number;
}

/**
 * Decode workers for `--ingest-workers auto` on a node allowed `cores` cores: one per core from
 * three cores on, none on one or two. On a single core a worker only takes turns with the main
 * thread: the body's copy, the post and the answer are pure overhead, and each request waits for
 * both threads to be scheduled (bulk import pinned to one core, closed loop on 8 connections:
 * 519-763 requests/s with one worker against 939-1,408 decoded on the main thread). On two cores,
 * since the byte decoders read most items in one go (~200-260 ns of CPU per sample), a batch of
 * 1000 decoded in place costs the main thread 0.16-0.28 ms against 0.04-0.08 ms to hand it over,
 * but the worker's decode, copies and garbage take CPU from the one other core, which the
 * senders and the collector need too: peer-bench W2, alternating, seed JSON 1.09-1.29 M
 * samples/s decoded on the main thread against 1.02-1.15 M with two workers (3 of 3 pairs), JSON
 * lines 1.07 / 1.32 M against 1.05 / 0.99 M, at 120-140% CPU instead of 165-170% and ~100 MiB
 * less RSS (docs/ingest-pipeline.md). Three or more cores were not measured on this machine.
 */
export function autoDecodeWorkers(cores: number): number {
  return cores > 2 ? cores : 0;
}

interface Pending {
  readonly resolve: (d: Decoded) => void;
  readonly reject: (e: Error) => void;
  readonly bytes: number;
}

interface Slot {
  worker: Worker;
  readonly pending: Map<number, Pending>;
  jobs: number;
}

const pools = new Set<DecodePool>();

new Counter({
  name: 'metricstream_ingest_decode_jobs_total',
  help: 'Request bodies decoded, by thread: worker-<i> (decode worker i) or main (small bodies, or --ingest-workers 0)',
  labelNames: ['thread'] as const,
  collect() {
    for (const p of pools) {
      const { perThread, reported } = p;
      for (const [thread, n] of perThread) {
        const r = reported.get(thread) ?? 0;
        if (n > r) this.inc({ thread }, n - r);
        reported.set(thread, n);
      }
    }
  },
});
new Gauge({
  name: 'metricstream_ingest_decode_queue_jobs',
  help: 'Bodies handed to decode workers and not yet answered',
  collect() {
    let n = 0;
    for (const p of pools) n += p.queued;
    this.set(n);
  },
});
new Gauge({
  name: 'metricstream_ingest_decode_queue_bytes',
  help: 'Bytes of the bodies handed to decode workers and not yet answered',
  collect() {
    let n = 0;
    for (const p of pools) n += p.queuedBytes;
    this.set(n);
  },
});

export class DecodePool {
  private readonly slots: Slot[] = [];
  private readonly table: SeriesTable;
  private readonly opts: DecodePoolOptions;
  private nextId = 1;
  private turn = -1;
  private closed = false;
  /** Jobs posted to workers and not yet answered, and their body bytes. */
  queued = 0;
  queuedBytes = 0;
  /** Bodies decoded per thread ('main', 'worker-0', ...). */
  readonly perThread = new Map<string, number>([['main', 0]]);
  /** What the metrics collector reported already. */
  readonly reported = new Map<string, number>();

  constructor(opts: DecodePoolOptions) {
    this.opts = opts;
    this.table = new SeriesTable(opts.maxSeries ?? 1 << 20);
    for (let i = 0; i < opts.workers; i++) this.slots.push(this.spawn(i));
    pools.add(this);
  }

  get workers(): number {
    return this.slots.length;
  }

  /**
   * Decodes `bytes` here and now when the body is too small for a worker (the common case of small
   * pushes, which then skip a promise and a turn), else returns null: call decode().
   */
  decodeNow(protocol: string, bytes: Uint8Array, ctx: DecodeContext): Decoded | null {
    const minBytes = this.opts.minBytesByProtocol?.[protocol] ?? this.opts.minBytes;
    if (this.slots.length > 0 && bytes.length >= minBytes && !this.closed) return null;
    this.perThread.set('main', this.perThread.get('main')! + 1);
    return decoderOf(protocol)(bytes, ctx, this.opts.settings);
  }

  /** Decodes `bytes` with the protocol's decoder, in a worker when the body is large enough. */
  decode(protocol: string, bytes: Uint8Array, ctx: DecodeContext): Promise<Decoded> {
    let now: Decoded | null;
    try {
      now = this.decodeNow(protocol, bytes, ctx);
    } catch (e) {
      return Promise.reject(e);
    }
    if (now !== null) return Promise.resolve(now);
    // The least busy worker; the scan starts one further each time, so ties take turns.
    const count = this.slots.length;
    const first = (this.turn = (this.turn + 1) % count);
    let index = first;
    for (let j = 1; j < count; j++) {
      const i = (first + j) % count;
      if (this.slots[i]!.pending.size < this.slots[index]!.pending.size) index = i;
    }
    const slot = this.slots[index]!;
    const id = this.nextId++;
    const job: JobRequest = { id, protocol, bytes, ctx };
    return new Promise<Decoded>((resolve, reject) => {
      slot.pending.set(id, { resolve, reject, bytes: bytes.length });
      this.queued++;
      this.queuedBytes += bytes.length;
      // Copied, not transferred: the caller may keep the body (e.g. to quote refused lines), and
      // a socket chunk's buffer may be shared with other data.
      slot.worker.postMessage(job);
    });
  }

  private spawn(index: number): Slot {
    const worker = new Worker(new URL('./decode-worker.js', import.meta.url), {
      workerData: { settings: this.opts.settings, maxSeries: this.opts.maxSeries ?? 1 << 20 },
    });
    // The HTTP server keeps the process alive; idle workers must not.
    worker.unref();
    const slot: Slot = { worker, pending: new Map(), jobs: 0 };
    if (!this.perThread.has(`worker-${index}`)) this.perThread.set(`worker-${index}`, 0);
    worker.on('message', (a: JobAnswer) => this.answer(index, slot, a));
    const failAll = (why: Error): void => {
      for (const [, p] of slot.pending) {
        this.queued--;
        this.queuedBytes -= p.bytes;
        p.reject(why);
      }
      slot.pending.clear();
    };
    worker.on('error', (e) => failAll(e));
    worker.on('exit', (code) => {
      failAll(new Error(`decode worker ${index} exited with code ${code}`));
      if (this.closed || this.slots[index] !== slot) return;
      // A crashed worker is replaced; its series numbering goes with it.
      this.table.forget(index);
      this.slots[index] = this.spawn(index);
    });
    return slot;
  }

  private answer(index: number, slot: Slot, a: JobAnswer): void {
    const p = slot.pending.get(a.id);
    if (p === undefined) return;
    slot.pending.delete(a.id);
    this.queued--;
    this.queuedBytes -= p.bytes;
    const thread = `worker-${index}`;
    this.perThread.set(thread, (this.perThread.get(thread) ?? 0) + 1);
    if (!a.ok) {
      if ('error' in a) p.reject(new Error(`decode worker failed: ${a.error}`));
      else p.resolve({ ok: false, refusal: a.refusal });
      return;
    }
    let labels;
    const refs: SeriesRef[] = [];
    try {
      labels = this.table.labels(index, a.series, refs);
    } catch (e) {
      p.reject(e as Error);
      return;
    }
    p.resolve({ ok: true, batch: { labels, refs, start: a.start, ts: a.ts, vs: a.vs }, extra: a.extra });
  }

  /** Stops the workers; later decodes run on the main thread. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    pools.delete(this);
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }
}
