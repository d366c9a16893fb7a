// POST /api/v1/import decoder for the decode stage: a run of whole JSON lines -> one entry per good
// line, each with the line number it came from; bad lines refuse the piece, listed by number.
import type { Labels } from '../../storage/index.js';
import type { Decoded, DecodeContext, DecodeSettings } from '../decode/decoder.js';
import { parseImportLine } from './parse.js';

/** Bad lines listed in one answer; the count says how many there were in all. */
export const MAX_LISTED = 100;

/**
 * Decodes lines; `ctx.params.firstLine` is the number of the first line (default 1). Both answers
 * carry `info.lines` (lines seen, empty ones included); a refusal also `info.bad` (bad lines in all).
 */
export function decodeImportLines(bytes: Uint8Array, ctx: DecodeContext, s: DecodeSettings): Decoded {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let lineNo = Number(ctx.params['firstLine'] ?? '1') - 1;
  const labels: Labels[] = [];
  const lineOf: number[] = [];
  const starts: number[] = [0];
  let tsAll: number[] = [];
  let vsAll: number[] = [];
  const bad: { line: number; message: string }[] = [];
  let badCount = 0;
  let from = 0;
  while (from <= buf.length) {
    let nl = buf.indexOf(10, from);
    if (nl < 0) nl = buf.length;
    if (nl === buf.length && from === nl) break; // no line after a final newline
    lineNo++;
    const text = buf.toString('utf8', from, nl).trim();
    from = nl + 1;
    if (text.length === 0) continue;
    const parsed = parseImportLine(text, ctx.now, s.limits);
    if (Array.isArray(parsed)) {
      badCount++;
      if (bad.length < MAX_LISTED) bad.push({ line: lineNo, message: parsed.map((p) => `${p.field}: ${p.message}`).join('; ') });
      continue;
    }
    // Once a line is bad nothing will be stored: keep checking the rest but stop collecting.
    if (badCount > 0) continue;
    labels.push(parsed.labels);
    lineOf.push(lineNo);
    if (tsAll.length === 0) {
      tsAll = parsed.ts;
      vsAll = parsed.vs;
    } else {
      for (let i = 0; i < parsed.ts.length; i++) {
        tsAll.push(parsed.ts[i]!);
        vsAll.push(parsed.vs[i]!);
      }
    }
    starts.push(tsAll.length);
  }
  const firstLine = Number(ctx.params['firstLine'] ?? '1');
  const lines = lineNo - firstLine + 1;
  if (badCount > 0) {
    return { ok: false, refusal: { status: 400, code: 'bad_data', message: `${badCount} bad lines`, details: bad, info: { bad: badCount, lines } } };
  }
  return {
    ok: true,
    batch: { labels, start: Uint32Array.from(starts), ts: Float64Array.from(tsAll), vs: Float64Array.from(vsAll) },
    extra: { lineOf: Uint32Array.from(lineOf), info: { lines } },
  };
}
