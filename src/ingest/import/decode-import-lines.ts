// POST /api/v1/import decoder for the decode stage: a run of whole JSON lines -> one entry per good
// line, each with the line number it came from; bad lines refuse the piece, listed by number.
// Each line goes through the byte scanner (json-scan/import-scan.ts), which falls back to
// parseImportLine for lines it does not take.
import type { Labels } from '../../storage/index.js';
import type { SeriesRef } from '../series-batch.js';
import type { Decoded, DecodeContext, DecodeSettings } from '../decode/decoder.js';
import { copySamples, ImportScratch, importLine, predictedLineEnd, scanPredictedLine } from '../json-scan/import-scan.js';

/** Bad lines listed in one answer; the count says how many there were in all. */
export const MAX_LISTED = 100;

function grown(a: Float64Array<ArrayBuffer>, need: number): Float64Array<ArrayBuffer> {
  if (need <= a.length) return a;
  const b = new Float64Array(Math.max(need, a.length * 2));
  b.set(a);
  return b;
}

/**
 * Decodes lines; `ctx.params.firstLine` is the number of the first line (default 1). Both answers
 * carry `info.lines` (lines seen, empty ones included); a refusal also `info.bad` (bad lines in all).
 */
export function decodeImportLines(bytes: Uint8Array, ctx: DecodeContext, s: DecodeSettings): Decoded {
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const firstLine = Number(ctx.params['firstLine'] ?? '1');
  let lineNo = firstLine - 1;
  const out = new ImportScratch();
  const labels: Labels[] = [];
  // Per entry, the series' reference kept in the scanner's cache (a fresh one for lines of the
  // text path): the append, or a worker's series numbering, starts from it.
  const refs: SeriesRef[] = [];
  const lineOf: number[] = [];
  const starts: number[] = [0];
  let ts = new Float64Array(1024);
  let vs = new Float64Array(1024);
  let n = 0;
  const bad: { line: number; message: string }[] = [];
  let badCount = 0;
  let from = 0;
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  while (from <= buf.length) {
    // Most lines are the series the label cache predicts, written compactly: read in one go.
    const fast = scanPredictedLine(buf, view, from, buf.length, ctx.now, s.limits, out);
    if (fast !== null) {
      lineNo++;
      from = predictedLineEnd + 1;
      if (badCount > 0) continue;
      labels.push(fast);
      refs.push(out.ref!);
      lineOf.push(lineNo);
      if (n === ts.length) {
        ts = grown(ts, n + 1);
        vs = grown(vs, n + 1);
      }
      ts[n] = out.ts[0]!;
      vs[n] = out.vs[0]!;
      n++;
      starts.push(n);
      continue;
    }
    let nl = buf.indexOf(10, from);
    if (nl < 0) nl = buf.length;
    if (nl === buf.length && from === nl) break; // no line after a final newline
    lineNo++;
    const l = importLine(buf, from, nl, ctx.now, s.limits, out);
    from = nl + 1;
    if (l === null) {
      if (out.problems === null) continue; // a blank line
      badCount++;
      if (bad.length < MAX_LISTED) bad.push({ line: lineNo, message: out.problems.map((p) => `${p.field}: ${p.message}`).join('; ') });
      continue;
    }
    // Once a line is bad nothing will be stored: keep checking the rest but stop collecting.
    if (badCount > 0) continue;
    labels.push(l);
    refs.push(out.ref ?? { ref: 0, scope: null });
    lineOf.push(lineNo);
    ts = grown(ts, n + out.n);
    vs = grown(vs, n + out.n);
    copySamples(out, ts, vs, n);
    n += out.n;
    starts.push(n);
  }
  const lines = lineNo - firstLine + 1;
  if (badCount > 0) {
    return { ok: false, refusal: { status: 400, code: 'bad_data', message: `${badCount} bad lines`, details: bad, info: { bad: badCount, lines } } };
  }
  return {
    ok: true,
    batch: { labels, refs, start: Uint32Array.from(starts), ts: ts.slice(0, n), vs: vs.slice(0, n) },
    extra: { lineOf: Uint32Array.from(lineOf), info: { lines } },
  };
}
