// POST /v1/metrics: OTLP/HTTP metrics export, protobuf (application/x-protobuf) or JSON
// (application/json), plain, gzip or deflate. Answers as the OTLP/HTTP spec asks, in the
// request's encoding: 200 with an ExportMetricsServiceResponse, whose partial_success counts
// the data points refused (each refused point is left out whole, the rest is stored); 400 with a
// google.rpc.Status for a body that cannot be decoded, or when every point was refused (nothing
// stored; senders do not retry 400); 415 for another Content-Type; 413 for a body over
// --max-body-size; 429 and 503 with Retry-After (rate limited, storage unavailable or starting).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Counter } from 'prom-client';
import { header, HttpError, readBody, type Route } from '../../api/index.js';
import { StorageClosedError, StorageError, type Appender } from '../../storage/index.js';
import { commitOrThrow, mergeMetadata, storageHttpError } from '../commit.js';
import type { IngestDeps } from '../deps.js';
import { ingestRoute } from '../route.js';
import { appendEntry } from '../series-batch.js';
import { decodeJsonRequest } from './decode-json.js';
import { decodeProtoRequest } from './decode-proto.js';
import { DeltaTotals } from './delta.js';
import { DecodeError, type OtlpRequest } from './model.js';
import { encodingOf, exportResponse, send, sendStatus, type Encoding } from './response.js';
import { translate, type Translated } from './translate.js';

const PROTOCOL = 'otlp';

const rejectedPoints = new Counter({
  name: 'metricstream_otlp_rejected_data_points_total',
  help: 'OTLP data points refused (in a partial success or a 400): exponential histograms, times outside retention, label limits, delta repeats, storage refusals',
});
/** Storage refusals retried without the refused points, at most this many times. */
const MAX_ATTEMPTS = 3;

/** Decodes a body; throws HttpError 400 naming what is wrong. */
export function decodeBody(enc: Encoding, body: Buffer): OtlpRequest {
  try {
    return enc === 'protobuf' ? decodeProtoRequest(body) : decodeJsonRequest(body);
  } catch (e) {
    if (!(e instanceof DecodeError)) throw e;
    const where = e.offset >= 0 ? ` at byte ${e.offset}` : '';
    const what = enc === 'protobuf' ? 'a protobuf' : 'an OTLP/JSON';
    throw new HttpError(400, 'bad_data', `request body is not ${what} ExportMetricsServiceRequest: ${e.message}${where}`);
  }
}

/**
 * Appends every entry; points storage refuses (e.g. out of order) are added to `refusedPoints`
 * and a target_info refusal sets `infoRefused`. Throws for anything but a per-sample refusal.
 */
function appendAll(app: Appender, t: Translated, skipInfo: boolean, refusedPoints: Set<number>, why: string[]): boolean {
  let infoRefused = false;
  for (let k = 0; k < t.labels.length; k++) {
    const point = t.pointOf[k]!;
    if (point < 0 && skipInfo) continue;
    try {
      appendEntry(app, t, k);
    } catch (e) {
      if (!(e instanceof StorageError) || e instanceof StorageClosedError) throw e;
      if (point < 0) infoRefused = true;
      else refusedPoints.add(point);
      if (why.length < 5) why.push(e.message);
    }
  }
  return infoRefused;
}

async function handle(deps: IngestDeps, totals: DeltaTotals, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const ct = header(req, 'content-type');
  const enc = encodingOf(ct);
  if (enc === null) {
    throw new HttpError(415, 'unsupported_media_type', `Content-Type must be application/x-protobuf or application/json, got ${JSON.stringify(ct ?? '')}`);
  }
  const body = await readBody(req, deps.config.max_body_size);
  const receivedAt = performance.now();
  const decoded = decodeBody(enc, body);
  const tenant = 'default';
  const now = Date.now();
  const skip = new Set<number>();
  const storageWhy: string[] = [];
  let skipInfo = false;
  let t: Translated | null = null;
  let app: Appender | null = null;
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    t = translate(decoded, { now, limits: deps.limits, tenant, deltas: totals, promoteScope: deps.config.otlp_promote_scope, skip });
    app = deps.storage.appender(tenant);
    const before = skip.size;
    let infoRefused: boolean;
    try {
      infoRefused = appendAll(app, t, skipInfo, skip, storageWhy);
    } catch (e) {
      app.rollback();
      throw storageHttpError(e);
    }
    if (skip.size === before && !(infoRefused && !skipInfo)) break;
    // The appender cannot forget part of what it holds: start again without the refused points
    // (and their contributions to delta totals).
    skipInfo ||= infoRefused;
    app.rollback();
    app = null;
  }
  if (t === null || app === null) {
    throw new HttpError(400, 'bad_data', `storage kept refusing points of this request, nothing was stored; ${storageWhy[0] ?? ''}`);
  }
  const messages = [...t.messages, ...storageWhy];
  if (t.refused > 0) rejectedPoints.inc(t.refused);
  if (t.samples === 0 || (t.refused > 0 && t.refused === t.points)) {
    app.rollback();
    if (t.points > 0 && t.refused > 0) {
      throw new HttpError(400, 'bad_data', `all ${t.points} data points were refused, nothing was stored; ${messages.join('; ')}`);
    }
  } else {
    for (const [name, m] of t.metadata) app.setMetadata(name, mergeMetadata(deps.storage, tenant, name, m.type, m.help || undefined, m.unit || undefined));
    // Totals move on before the commit's await, so a concurrent request adds to them, not to stale ones.
    t.txn.apply();
    try {
      // Counted by the gate like every protocol's commit, so a writer falling behind turns
      // further requests away with 503 (the pending-commits and queueing bounds).
      await commitOrThrow(app, deps.gate, receivedAt);
    } catch (e) {
      t.txn.revert();
      throw e;
    }
  }
  deps.stats.accepted(PROTOCOL, 200, t.samples);
  const message = t.refused > 0 ? `${t.refused} of ${t.points} data points were refused: ${messages.join('; ')}` : messages.join('; ');
  send(res, 200, enc, exportResponse(enc, t.refused, message));
}

/** The POST /v1/metrics route; delta running totals live as long as the route. */
export function otlpRoute(deps: IngestDeps): Route {
  const totals = new DeltaTotals(deps.config.otlp_delta_max_series);
  return ingestRoute(deps, { path: '/v1/metrics', protocol: PROTOCOL, errorStyle: sendStatus }, (d, req, res) => handle(d, totals, req, res));
}
