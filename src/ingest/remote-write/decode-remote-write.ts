// Remote write 1.0 decoder for the decode stage: snappy + protobuf -> SampleBatch, the metadata
// sent, and the exemplars and native histogram samples skipped. Snappy is undone here, so in a
// decode worker when the pool takes the body.
import type { Decoded, DecodeContext, DecodeSettings } from '../decode/decoder.js';
import { decodeWriteRequest } from './parse.js';

export function decodeRemoteWrite(bytes: Uint8Array, ctx: DecodeContext, s: DecodeSettings): Decoded {
  // The label cache of decodeWriteRequest is kept per limits object: `s.limits` must stay the same object.
  const r = decodeWriteRequest(bytes, { now: ctx.now, limits: s.limits, maxBytes: s.maxBytes });
  if (!r.ok) return { ok: false, refusal: { status: r.status, code: r.status === 413 ? 'body_too_large' : 'bad_data', message: r.message, details: r.details } };
  const b = r.batch;
  return {
    ok: true,
    batch: { labels: b.labels, refs: b.refs, start: b.start, ts: b.ts, vs: b.vs },
    extra: {
      metadata: [...b.metadata].map(([name, m]) => [name, m.type, m.help, m.unit] as const),
      info: { samples: b.samples, droppedExemplars: b.droppedExemplars, droppedHistograms: b.droppedHistograms },
    },
  };
}
