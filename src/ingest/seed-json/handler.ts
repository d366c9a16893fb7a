// POST /metrics: the seed's JSON batch API (atomic batches, seed-shaped answers and errors).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { header, HttpError, readBody, sendJson, type Route } from '../../api/index.js';
import { StorageError, type MetricMetadata } from '../../storage/index.js';
import { commitOrThrow, mergeMetadata, storageHttpError } from '../commit.js';
import type { IngestDeps } from '../deps.js';
import { ingestRoute } from '../route.js';
import { decodeSeedBody } from './decode.js';

const PROTOCOL = 'json';

/** Accepts no Content-Type (many push clients send none) and JSON types; refuses the rest. */
export function checkJsonContentType(req: IncomingMessage): void {
  const ct = header(req, 'content-type');
  if (ct === undefined) return;
  const mime = ct.split(';', 1)[0]!.trim().toLowerCase();
  if (mime === 'application/json' || mime === 'text/json' || mime.endsWith('+json') || mime === '') return;
  throw new HttpError(415, 'unsupported_media_type', `Content-Type must be application/json, got ${JSON.stringify(ct)}`);
}

async function handle(deps: IngestDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  checkJsonContentType(req);
  const body = await readBody(req, deps.config.max_body_size);
  if (body.length === 0) throw new HttpError(400, 'empty_body', 'request body is empty; send {"metrics":[...]}');
  const decoded = decodeSeedBody(body, Date.now(), deps.limits, deps.config.max_metrics_per_batch);
  if (!decoded.ok) throw new HttpError(400, decoded.code, decoded.message, decoded.details);

  const tenant = 'default';
  const app = deps.storage.appender(tenant);
  const meta = new Map<string, MetricMetadata>();
  const { labels, ts, vs, names, types, help, unit } = decoded.batch;
  const n = labels.length;
  let lastName = '';
  for (let i = 0; i < n; i++) {
    try {
      app.append(labels[i]!, ts[i]!, vs[i]!);
    } catch (e) {
      app.rollback();
      if (e instanceof StorageError) {
        throw new HttpError(400, 'validation', `metric ${i} was refused by storage; nothing was stored`, [
          { index: i, field: 'timestamp', message: e.message },
        ]);
      }
      throw storageHttpError(e);
    }
    // Metadata comes from the first metric of each name (consecutive metrics often share one).
    const name = names[i]!;
    if (name !== lastName && !meta.has(name)) meta.set(name, mergeMetadata(deps.storage, tenant, name, types[i]!, help[i], unit[i]));
    lastName = name;
  }
  for (const [name, m] of meta) app.setMetadata(name, m);
  await commitOrThrow(app);
  deps.stats.metricsReceived += n;
  deps.stats.batchesProcessed++;
  deps.stats.accepted(PROTOCOL, 200, n);
  sendJson(res, 200, { success: true, metrics_processed: n });
}

/** The POST /metrics route. */
export function seedJsonRoute(deps: IngestDeps): Route {
  return ingestRoute(deps, { path: '/metrics', protocol: PROTOCOL, errorStyle: 'seed' }, handle);
}
