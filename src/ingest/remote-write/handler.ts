// POST /api/v1/write: Prometheus remote write 1.0. Answers as the spec asks: 204 when stored;
// 400 (never retried by senders) for a request that can never succeed, nothing of it stored;
// 413/415 likewise final; 429 and 503 (retried) when rate limited or storage is unavailable.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Counter } from 'prom-client';
import { header, HttpError, readRawBody, readRawBodyNow, type Route } from '../../api/index.js';
import { StorageClosedError, StorageError } from '../../storage/index.js';
import { commitOrThrow, refusalError, setDecodedMetadata, storageHttpError } from '../commit.js';
import type { IngestDeps } from '../deps.js';
import { ingestRoute } from '../route.js';
import { appendEntry, refScope } from '../series-batch.js';

const PROTOCOL = 'remote_write';
const TENANT = 'default';

const dropped = new Counter({
  name: 'metricstream_remote_write_dropped_total',
  help: 'Exemplars and native histogram samples received by remote write and skipped (remote write 1.0 carries float samples only)',
  labelNames: ['kind'] as const,
});

/** Remote write 1.0 is snappy-compressed protobuf; refuse what a sender would mean otherwise (e.g. a 2.0 request). */
function checkHeaders(req: IncomingMessage): void {
  const enc = header(req, 'content-encoding');
  if (enc !== undefined && enc.trim() !== '' && enc.trim().toLowerCase() !== 'snappy') {
    throw new HttpError(415, 'unsupported_encoding', `Content-Encoding ${JSON.stringify(enc)} is not supported; remote write bodies are snappy-compressed`);
  }
  const ct = header(req, 'content-type');
  if (ct === undefined) return;
  const [mime, ...params] = ct.split(';').map((p) => p.trim().toLowerCase());
  if (mime !== 'application/x-protobuf' && mime !== '') {
    throw new HttpError(415, 'unsupported_media_type', `Content-Type must be application/x-protobuf, got ${JSON.stringify(ct)}`);
  }
  for (const p of params) {
    if (p.startsWith('proto=') && p !== 'proto=prometheus.writerequest') {
      throw new HttpError(415, 'unsupported_media_type', `${ct} is not supported; this endpoint speaks remote write 1.0 (proto=prometheus.WriteRequest)`);
    }
  }
}

async function handle(deps: IngestDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  checkHeaders(req);
  const body = readRawBodyNow(req, deps.config.max_body_size) ?? (await readRawBody(req, deps.config.max_body_size));
  const receivedAt = performance.now();
  // Snappy is undone by the decoder, so in a decode worker for bodies the pool takes.
  const ctx = { now: Date.now(), params: {} };
  const r = deps.decoder.decodeNow(PROTOCOL, body, ctx) ?? (await deps.decoder.decode(PROTOCOL, body, ctx));
  if (!r.ok) throw refusalError(r.refusal);
  const batch = r.batch;
  const info = r.extra.info as { samples: number; droppedExemplars: number; droppedHistograms: number };
  if (info.droppedExemplars > 0) dropped.inc({ kind: 'exemplar' }, info.droppedExemplars);
  if (info.droppedHistograms > 0) dropped.inc({ kind: 'histogram' }, info.droppedHistograms);

  const app = deps.storage.appender(TENANT);
  const scope = refScope(deps.storage, TENANT);
  try {
    for (let k = 0; k < batch.labels.length; k++) appendEntry(app, batch, k, scope);
  } catch (e) {
    app.rollback();
    // An out-of-order sample will be refused again on retry: 400, so the sender moves on;
    // a closed engine is 503, which senders retry.
    if (e instanceof StorageError && !(e instanceof StorageClosedError)) {
      throw new HttpError(400, 'bad_data', `${e.message}; nothing of this request was stored`);
    }
    throw storageHttpError(e);
  }
  setDecodedMetadata(app, deps.storage, TENANT, r.extra);
  await commitOrThrow(app, deps.gate, receivedAt);
  deps.stats.accepted(PROTOCOL, 204, info.samples);
  res.writeHead(204);
  res.end();
}

/** The POST /api/v1/write route. */
export function remoteWriteRoute(deps: IngestDeps): Route {
  return ingestRoute(deps, { path: '/api/v1/write', protocol: PROTOCOL, errorStyle: 'prom' }, handle);
}
