// Influx line protocol decoder for the decode stage: the good lines' samples as a SampleBatch, the
// line each entry came from, and the refused lines (InfluxDB's partial writes).
import type { Label } from '../../storage/index.js';
import type { Decoded, DecodeContext, DecodeSettings } from '../decode/decoder.js';
import type { Precision } from './parse.js';
import { scanLineProtocol } from './scan-line-protocol.js';

/** `ctx.params`: `precision` (ns, us, ms, s, m, h; checked by the handler) and `db` (added as a label unless empty). */
export function decodeInflux(bytes: Uint8Array, ctx: DecodeContext, s: DecodeSettings): Decoded {
  const db = ctx.params['db'] ?? '';
  const defaultLabels: Label[] = db === '' ? [] : [{ name: 'db', value: db }];
  const precision = (ctx.params['precision'] ?? 'ns') as Precision;
  const body = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const b = scanLineProtocol(body, { precision, now: ctx.now, limits: s.limits, defaultLabels });
  return {
    ok: true,
    batch: { labels: b.labels, refs: b.refs, start: b.start, ts: b.ts, vs: b.vs },
    extra: { lineOf: b.lineOf, info: { errors: b.errors, points: b.points } },
  };
}
