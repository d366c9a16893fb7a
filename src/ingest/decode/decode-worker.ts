// A decode worker: runs the registered decoder of each job's protocol and answers with the samples
// as transferable typed arrays and the series as numbers (see series-codec.ts).
import { parentPort, workerData } from 'node:worker_threads';
import type { DecodeContext, DecodeSettings } from './decoder.js';
import { decoderOf } from './decoders.js';
import type { JobAnswer, JobRequest } from './messages.js';
import { SeriesNumbering } from './series-codec.js';

const { settings, maxSeries } = workerData as { settings: DecodeSettings; maxSeries: number };
const numbering = new SeriesNumbering(maxSeries);

/** A typed copy of the first n values, owning its buffer (so it can be transferred). */
function f64(a: ArrayLike<number>, n: number): Float64Array {
  if (a instanceof Float64Array) return a.slice(0, n);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = a[i]!;
  return out;
}

function u32(a: ArrayLike<number>): Uint32Array {
  return a instanceof Uint32Array ? a.slice() : Uint32Array.from(a);
}

parentPort!.on('message', (job: JobRequest) => {
  let answer: JobAnswer;
  const transfer: ArrayBuffer[] = [];
  try {
    const ctx: DecodeContext = job.ctx;
    const r = decoderOf(job.protocol)(job.bytes, ctx, settings);
    if (!r.ok) answer = { id: job.id, ok: false, refusal: r.refusal };
    else {
      const b = r.batch;
      const start = u32(b.start);
      const n = start[start.length - 1] ?? 0;
      const ts = f64(b.ts, n);
      const vs = f64(b.vs, n);
      const series = numbering.encode(b.labels, b.refs);
      transfer.push(start.buffer as ArrayBuffer, ts.buffer as ArrayBuffer, vs.buffer as ArrayBuffer, series.ids.buffer as ArrayBuffer);
      if (series.defs !== null) transfer.push(series.defs.buffer as ArrayBuffer);
      if (r.extra.lineOf !== undefined) transfer.push(r.extra.lineOf.buffer as ArrayBuffer);
      answer = { id: job.id, ok: true, series, start, ts, vs, extra: r.extra };
    }
  } catch (e) {
    answer = { id: job.id, ok: false, error: e instanceof Error ? e.stack ?? e.message : String(e) };
  }
  parentPort!.postMessage(answer, transfer);
});
