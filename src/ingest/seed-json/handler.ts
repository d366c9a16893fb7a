// POST /metrics: the seed's JSON batch API (atomic batches, seed-shaped answers and errors); the
// body is decoded by the decode stage (decode-seed-json.ts), the samples appended here on the main thread.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { header, HttpError, readBody, readBodyNow, sendJsonText, type Route } from '../../api/index.js';
import { StorageError } from '../../storage/index.js';
import { commitOrThrow, refusalError, setDecodedMetadata, storageHttpError } from '../commit.js';
import type { IngestDeps } from '../deps.js';
import { ingestRoute } from '../route.js';
import { appendEntry, refScope } from '../series-batch.js';

const PROTOCOL = 'json';

/** Accepts no Content-Type (many push clients send none) and JSON types; refuses the rest. */
export function checkJsonContentType(req: IncomingMessage): void {
  const ct = header(req, 'content-type');
  if (ct === undefined || ct === 'application/json') return;
  const mime = ct.split(';', 1)[0]!.trim().toLowerCase();
  if (mime === 'application/json' || mime === 'text/json' || mime.endsWith('+json') || mime === '') return;
  throw new HttpError(415, 'unsupported_media_type', `Content-Type must be application/json, got ${JSON.stringify(ct)}`);
}

async function handle(deps: IngestDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  checkJsonContentType(req);
  const body = readBodyNow(req, deps.config.max_body_size) ?? (await readBody(req, deps.config.max_body_size));
  const receivedAt = performance.now();
  if (body.length === 0) throw new HttpError(400, 'empty_body', 'request body is empty; send {"metrics":[...]}');
  const ctx = { now: Date.now(), params: {} };
  const r = deps.decoder.decodeNow(PROTOCOL, body, ctx) ?? (await deps.decoder.decode(PROTOCOL, body, ctx));
  if (!r.ok) throw refusalError(r.refusal);
  const batch = r.batch;
  const n = batch.labels.length;

  const tenant = 'default';
  const app = deps.storage.appender(tenant);
  const scope = refScope(deps.storage, tenant);
  // One entry per metric, so entry k is the k-th metric of the request.
  for (let k = 0; k < n; k++) {
    try {
      appendEntry(app, batch, k, scope);
    } catch (e) {
      app.rollback();
      if (e instanceof StorageError) {
        throw new HttpError(400, 'validation', `metric ${k} was refused by storage; nothing was stored`, [
          { index: k, field: 'timestamp', message: e.message },
        ]);
      }
      throw storageHttpError(e);
    }
  }
  setDecodedMetadata(app, deps.storage, tenant, r.extra);
  await commitOrThrow(app, deps.gate, receivedAt);
  deps.stats.metricsReceived += n;
  deps.stats.batchesProcessed++;
  deps.stats.accepted(PROTOCOL, 200, n);
  // The seed's answer, written out: JSON.stringify of this small object cost more than the rest of the write.
  sendJsonText(res, 200, `{"success":true,"metrics_processed":${n}}`);
}

/** The POST /metrics route. */
export function seedJsonRoute(deps: IngestDeps): Route {
  return ingestRoute(deps, { path: '/metrics', protocol: PROTOCOL, errorStyle: 'seed' }, handle);
}
