// `metricstream bench --threads N`: the lanes split over N worker threads (as wrk -t splits its
// connections), started together, their counts summed and latency histograms merged exactly.
import { Worker } from 'node:worker_threads';
import { createHistogram, type RecordableHistogram } from 'node:perf_hooks';
import type { BenchOptions } from './options.js';
import type { LaneShare, LiveCounts, LoadResult } from './load.js';

/** What the main thread hands each worker (see load-worker.ts). */
export interface WorkerInput {
  readonly options: BenchOptions;
  readonly share: Omit<LaneShare, 'ready'>;
  /** Six live counters per thread, in LIVE_FIELDS order, that the main thread sums for progress. */
  readonly live: SharedArrayBuffer;
  readonly slot: number;
}

export const LIVE_FIELDS = ['sent', 'done', 'ok', 'limited', 'serverErrors', 'errors'] as const satisfies readonly (keyof LiveCounts)[];

interface WorkerResult extends Omit<LoadResult, 'status'> {
  readonly status: [number, number][];
}

/** Runs the load on `o.threads` threads and merges what they did. */
export async function runThreads(o: BenchOptions, onStart: (live: LiveCounts, startedAt: number) => void): Promise<LoadResult> {
  const n = o.threads;
  const sab = new SharedArrayBuffer(8 * LIVE_FIELDS.length * n);
  const shared = new Float64Array(sab);
  const sum = (field: number) => {
    let t = 0;
    for (let w = 0; w < n; w++) t += shared[w * LIVE_FIELDS.length + field]!;
    return t;
  };
  const live = Object.defineProperties({}, Object.fromEntries(LIVE_FIELDS.map((f, i) => [f, { get: () => sum(i), enumerable: true }]))) as LiveCounts;

  let offset = 0;
  const workers = Array.from({ length: n }, (_, slot) => {
    const lanes = Math.floor(o.connections / n) + (slot < o.connections % n ? 1 : 0);
    const input: WorkerInput = { options: o, share: { laneOffset: offset, lanes, totalLanes: o.connections }, live: sab, slot };
    offset += lanes;
    return new Worker(new URL('./load-worker.js', import.meta.url), { workerData: input });
  });
  const done = workers.map(
    (w) =>
      new Promise<WorkerResult>((resolve, reject) => {
        w.on('message', (m: { result?: WorkerResult }) => m.result !== undefined && resolve(m.result));
        w.once('error', reject);
        w.once('exit', (code) => reject(new Error(`a bench thread exited with code ${code} before reporting`)));
      }),
  );
  // Every thread prepares its payloads first; then all start their clocks together.
  await Promise.all(workers.map((w) => new Promise<void>((resolve) => w.on('message', (m: { ready?: boolean }) => m.ready === true && resolve()))));
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (const w of workers) w.postMessage('go');
  onStart(live, t0);
  const results = await Promise.all(done);
  const cpu = process.cpuUsage(cpu0);
  await Promise.all(workers.map((w) => w.terminate()));

  const latency: RecordableHistogram = createHistogram({ lowest: 1, highest: 3_600_000_000, figures: 3 });
  const okLatency: RecordableHistogram = createHistogram({ lowest: 1, highest: 3_600_000_000, figures: 3 });
  const status = new Map<number, number>();
  for (const r of results) {
    latency.add(r.latency);
    okLatency.add(r.okLatency);
    for (const [code, count] of r.status) status.set(code, (status.get(code) ?? 0) + count);
  }
  const total = (f: (r: WorkerResult) => number) => results.reduce((a, r) => a + f(r), 0);
  const firstError = results.find((r) => r.firstError !== undefined)?.firstError;
  return {
    elapsedMs: Math.max(...results.map((r) => r.elapsedMs)),
    live: Object.fromEntries(LIVE_FIELDS.map((f) => [f, total((r) => r.live[f])])) as unknown as LiveCounts,
    scheduled: total((r) => r.scheduled),
    missed: total((r) => r.missed),
    okSamples: total((r) => r.okSamples),
    status,
    latency,
    okLatency,
    firstError,
    // process.cpuUsage() is the whole process's: every thread's CPU, measured once here.
    clientCpuMs: (cpu.user + cpu.system) / 1000,
  };
}
