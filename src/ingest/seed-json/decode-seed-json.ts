// POST /metrics decoder for the decode stage: bytes -> one entry per metric (a SampleBatch) plus
// the type/help/unit each metric name came with. The batch is atomic: any problem refuses it all.
import type { Labels, MetricType } from '../../storage/index.js';
import type { Decoded, DecodeContext, DecodeSettings } from '../decode/decoder.js';
import { parseSeedBatch } from './parse.js';

/** Decodes and validates a seed JSON body. */
export function decodeSeedJson(bytes: Uint8Array, ctx: DecodeContext, s: DecodeSettings): Decoded {
  if (bytes.length === 0) return { ok: false, refusal: { status: 400, code: 'empty_body', message: 'request body is empty; send {"metrics":[...]}' } };
  let doc: unknown;
  try {
    doc = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'));
  } catch (e) {
    return { ok: false, refusal: { status: 400, code: 'bad_json', message: `request body is not valid JSON: ${(e as Error).message}` } };
  }
  const parsed = parseSeedBatch(doc, ctx.now, s.limits, s.maxMetrics);
  if (!parsed.ok) return { ok: false, refusal: { status: 400, code: 'validation', message: parsed.message, details: parsed.details } };
  const samples = parsed.samples;
  const n = samples.length;
  const labels: Labels[] = new Array<Labels>(n);
  const start = new Uint32Array(n + 1);
  const ts = new Float64Array(n);
  const vs = new Float64Array(n);
  const meta = new Map<string, readonly [string, MetricType, string | undefined, string | undefined]>();
  for (let i = 0; i < n; i++) {
    const m = samples[i]!;
    labels[i] = m.labels;
    start[i + 1] = i + 1;
    ts[i] = m.t;
    vs[i] = m.v;
    if (!meta.has(m.name)) meta.set(m.name, [m.name, m.type, m.help, m.unit]);
  }
  return { ok: true, batch: { labels, start, ts, vs }, extra: { metadata: [...meta.values()] } };
}
