// POST /api/v1/import: JSON lines streamed in (gzip too), validated line by line; all or nothing:
// 204 when every line is good, else 400 naming the bad lines and nothing stored.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { HttpError, streamBody, type Route } from '../../api/index.js';
import { StorageError } from '../../storage/index.js';
import { commitOrThrow, storageHttpError } from '../commit.js';
import type { IngestDeps } from '../deps.js';
import { ingestRoute } from '../route.js';
import { ImportScratch, importLine } from '../json-scan/import-scan.js';

const PROTOCOL = 'import';
/** Bad lines listed in an answer; the count says how many there were in all. */
const MAX_LISTED = 100;

/**
 * Regroups a byte stream into buffers of whole lines: each buffer but the last ends with \n;
 * the last one is the text after the final \n (omitted when empty). Lines are cut on the byte
 * \n, so no UTF-8 sequence is cut, and a line of the stream is never split between buffers.
 */
export async function* lineBlocks(chunks: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  let rest: Buffer[] = [];
  for await (const chunk of chunks) {
    const nl = chunk.lastIndexOf(10);
    if (nl < 0) {
      rest.push(chunk);
      continue;
    }
    const head = chunk.subarray(0, nl + 1);
    yield rest.length === 0 ? head : Buffer.concat([...rest, head]);
    rest = nl + 1 < chunk.length ? [chunk.subarray(nl + 1)] : [];
  }
  if (rest.length > 0) yield rest.length === 1 ? rest[0]! : Buffer.concat(rest);
}

async function handle(deps: IngestDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const now = Date.now();
  const app = deps.storage.appender('default', { backfill: true });
  const bad: { line: number; message: string }[] = [];
  const out = new ImportScratch();
  let badCount = 0;
  let lineNo = 0;
  let good = 0;
  try {
    for await (const block of lineBlocks(streamBody(req, deps.config.max_import_body_size))) {
      for (let from = 0; from < block.length; ) {
        let nl = block.indexOf(10, from);
        if (nl < 0) nl = block.length;
        lineNo++;
        const labels = importLine(block, from, nl, now, deps.limits, out);
        from = nl + 1;
        if (labels === null) {
          const problems = out.problems;
          if (problems === null) continue; // a blank line
          badCount++;
          if (bad.length < MAX_LISTED) bad.push({ line: lineNo, message: problems.map((p) => `${p.field}: ${p.message}`).join('; ') });
          continue;
        }
        // Once a line is bad nothing will be stored: keep checking the rest but stop buffering.
        if (badCount > 0) continue;
        try {
          const { ts, vs, n } = out;
          for (let i = 0; i < n; i++) app.append(labels, ts[i]!, vs[i]!);
          good += n;
        } catch (e) {
          if (!(e instanceof StorageError)) throw storageHttpError(e);
          badCount++;
          if (bad.length < MAX_LISTED) bad.push({ line: lineNo, message: e.message });
        }
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
