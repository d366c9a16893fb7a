// POST /api/v1/import: JSON lines streamed in (gzip too), validated line by line; all or nothing:
// 204 when every line is good, else 400 naming the bad lines and nothing stored.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { HttpError, streamBody, type Route } from '../../api/index.js';
import { StorageError } from '../../storage/index.js';
import { commitOrThrow, storageHttpError } from '../commit.js';
import type { IngestDeps } from '../deps.js';
import { ingestRoute } from '../route.js';
import { parseImportLine } from './parse.js';

const PROTOCOL = 'import';
/** Bad lines listed in an answer; the count says how many there were in all. */
const MAX_LISTED = 100;

/** Splits a byte stream into lines (split on the byte \n, so no UTF-8 sequence is cut). */
export async function* lines(chunks: AsyncIterable<Buffer>): AsyncGenerator<string> {
  let rest: Buffer | null = null;
  for await (const chunk of chunks) {
    let buf: Buffer = rest === null ? chunk : Buffer.concat([rest, chunk]);
    let from = 0;
    for (let nl = buf.indexOf(10, from); nl >= 0; nl = buf.indexOf(10, from)) {
      yield buf.toString('utf8', from, nl);
      from = nl + 1;
    }
    buf = buf.subarray(from);
    rest = buf.length > 0 ? Buffer.from(buf) : null;
  }
  if (rest !== null) yield rest.toString('utf8');
}

async function handle(deps: IngestDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const now = Date.now();
  const app = deps.storage.appender('default', { backfill: true });
  const bad: { line: number; message: string }[] = [];
  let badCount = 0;
  let lineNo = 0;
  let good = 0;
  try {
    for await (const raw of lines(streamBody(req, deps.config.max_import_body_size))) {
      lineNo++;
      const text = raw.trim();
      if (text.length === 0) continue;
      const parsed = parseImportLine(text, now, deps.limits);
      if (Array.isArray(parsed)) {
        badCount++;
        if (bad.length < MAX_LISTED) bad.push({ line: lineNo, message: parsed.map((p) => `${p.field}: ${p.message}`).join('; ') });
        continue;
      }
      // Once a line is bad nothing will be stored: keep checking the rest but stop buffering.
      if (badCount > 0) continue;
      try {
        for (let i = 0; i < parsed.ts.length; i++) app.append(parsed.labels, parsed.ts[i]!, parsed.vs[i]!);
        good += parsed.ts.length;
      } catch (e) {
        if (!(e instanceof StorageError)) throw storageHttpError(e);
        badCount++;
        if (bad.length < MAX_LISTED) bad.push({ line: lineNo, message: e.message });
      }
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
  if (good > 0) await commitOrThrow(app);
  deps.stats.importRequests++;
  deps.stats.samplesImported += good;
  deps.stats.accepted(PROTOCOL, 204, good);
  res.writeHead(204);
  res.end();
}

/** The POST /api/v1/import route. */
export function importRoute(deps: IngestDeps): Route {
  return ingestRoute(deps, { path: '/api/v1/import', protocol: PROTOCOL, errorStyle: 'prom' }, handle);
}
