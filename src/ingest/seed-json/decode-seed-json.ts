// POST /metrics decoder for the decode stage: bytes -> one entry per metric (a SampleBatch) plus
// the type/help/unit each metric name came with. The batch is atomic: any problem refuses it all.
// The byte scanner answers the common bodies, JSON.parse + parseSeedBatch the rest (decode.ts).
import type { MetricType } from '../../storage/index.js';
import type { Decoded, DecodeContext, DecodeSettings } from '../decode/decoder.js';
import { decodeSeedBody } from './decode.js';

/** Decodes and validates a seed JSON body. */
export function decodeSeedJson(bytes: Uint8Array, ctx: DecodeContext, s: DecodeSettings): Decoded {
  if (bytes.length === 0) return { ok: false, refusal: { status: 400, code: 'empty_body', message: 'request body is empty; send {"metrics":[...]}' } };
  const body = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const r = decodeSeedBody(body, ctx.now, s.limits, s.maxMetrics);
  if (!r.ok) return { ok: false, refusal: { status: 400, code: r.code, message: r.message, ...(r.details ? { details: r.details } : {}) } };
  const { names, types, help, unit } = r.batch;
  // Metadata from the first metric of each name (consecutive metrics often share one).
  const meta = new Map<string, readonly [string, MetricType, string | undefined, string | undefined]>();
  let last = '';
  for (let i = 0; i < names.length; i++) {
    const name = names[i]!;
    if (name !== last && !meta.has(name)) meta.set(name, [name, types[i]!, help[i], unit[i]]);
    last = name;
  }
  return { ok: true, batch: r.batch, extra: { metadata: [...meta.values()] } };
}
