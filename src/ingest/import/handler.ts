// POST /api/v1/import: JSON lines streamed in (gzip too), cut into pieces of whole lines that the
// decode stage decodes in parallel and this handler appends in order; all or nothing: 204 when
// every line is good, else 400 naming the bad lines and nothing stored.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { HttpError, streamBody, type Route } from '../../api/index.js';
import { StorageError } from '../../storage/index.js';
import { commitOrThrow, refusalError, storageHttpError } from '../commit.js';
import type { Decoded } from '../decode/decoder.js';
import type { IngestDeps } from '../deps.js';
import { ingestRoute } from '../route.js';
import { appendEntry, refScope } from '../series-batch.js';
import { MAX_LISTED } from './decode-import-lines.js';

const PROTOCOL = 'import';
const TENANT = 'default';
/** Whole lines handed to the decode stage at a time, and pieces of one request in flight. */
const PIECE_BYTES = 1 << 20;
const PIECES_IN_FLIGHT = 4;

/**
 * Splits a byte stream into pieces of whole lines of at least `pieceBytes` (but the last, which
 * may also lack its newline). Lines are cut on the byte \n, so no UTF-8 sequence is cut, and a
 * line is never split between pieces.
 */
export async function* pieces(chunks: AsyncIterable<Buffer>, pieceBytes = PIECE_BYTES): AsyncGenerator<Buffer> {
  let held: Buffer[] = [];
  let size = 0;
  for await (const chunk of chunks) {
    held.push(chunk);
    size += chunk.length;
    if (size < pieceBytes) continue;
    const buf = held.length === 1 ? held[0]! : Buffer.concat(held, size);
    const nl = buf.lastIndexOf(10);
    if (nl < 0) {
      held = [buf];
      continue;
    }
    yield buf.subarray(0, nl + 1);
    const rest = buf.subarray(nl + 1);
    held = rest.length > 0 ? [rest] : [];
    size = rest.length;
  }
  if (size > 0) yield held.length === 1 ? held[0]! : Buffer.concat(held, size);
}

async function handle(deps: IngestDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const now = Date.now();
  // The body streams in while it is decoded: the wait measured for the ingest gate runs from here.
  const startedAt = performance.now();
  const app = deps.storage.appender(TENANT, { backfill: true });
  const scope = refScope(deps.storage, TENANT);
  const bad: { line: number; message: string }[] = [];
  let badCount = 0;
  /** Lines of the pieces consumed so far: the offset of the next piece's line numbers. */
  let lineNo = 0;
  let good = 0;
  // Pieces are decoded in parallel (by the decode stage) and appended in order.
  const inflight: Promise<Decoded>[] = [];
  const consume = (r: Decoded): void => {
    const offset = lineNo;
    if (!r.ok) {
      const info = r.refusal.info as { bad: number; lines: number } | undefined;
      if (info === undefined) throw refusalError(r.refusal);
      lineNo += info.lines;
      badCount += info.bad;
      for (const d of (r.refusal.details ?? []) as { line: number; message: string }[]) {
        if (bad.length < MAX_LISTED) bad.push({ line: d.line + offset, message: d.message });
      }
      return;
    }
    lineNo += (r.extra.info as { lines: number }).lines;
    // Once a line is bad nothing will be stored: keep checking the rest but stop appending.
    if (badCount > 0) return;
    const { batch } = r;
    const lineOf = r.extra.lineOf!;
    for (let k = 0; k < batch.labels.length; k++) {
      try {
        appendEntry(app, batch, k, scope);
        good += batch.start[k + 1]! - batch.start[k]!;
      } catch (e) {
        if (!(e instanceof StorageError)) throw storageHttpError(e);
        badCount++;
        if (bad.length < MAX_LISTED) bad.push({ line: lineOf[k]! + offset, message: e.message });
      }
    }
  };
  try {
    try {
      for await (const piece of pieces(streamBody(req, deps.config.max_import_body_size))) {
        inflight.push(deps.decoder.decode(PROTOCOL, piece, { now, params: {} }));
        while (inflight.length >= PIECES_IN_FLIGHT) consume(await inflight.shift()!);
      }
      while (inflight.length > 0) consume(await inflight.shift()!);
    } finally {
      // Pieces still decoding after a failure: their answers are not wanted.
      for (const p of inflight) p.catch(() => {});
    }
  } catch (e) {
    app.rollback();
    throw e;
  }
  if (badCount > 0) {
    app.rollback();
    const first = bad[0]!;
    throw new HttpError(
      400,
      'bad_data',
      `${badCount} of ${lineNo} lines are invalid, nothing was stored; line ${first.line}: ${first.message}`,
      bad,
    );
  }
  if (good > 0) await commitOrThrow(app, deps.gate, startedAt);
  else app.rollback();
  deps.stats.importRequests++;
  deps.stats.samplesImported += good;
  deps.stats.accepted(PROTOCOL, 204, good);
  res.writeHead(204);
  res.end();
}

/** The POST /api/v1/import route. */
export function importRoute(deps: IngestDeps): Route {
  return ingestRoute(deps, { path: '/api/v1/import', protocol: PROTOCOL, errorStyle: 'prom', maxCharge: PIECE_BYTES * (PIECES_IN_FLIGHT + 1) }, handle);
}
