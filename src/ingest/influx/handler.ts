// POST /write (InfluxDB 1.x: db, precision) and POST /api/v2/write (InfluxDB 2.x: org, bucket,
// precision): line protocol, plain or gzip. Partial writes as InfluxDB 3 does them: good lines are
// stored, and if any line was refused the answer is 400 listing each one by number
// ({"error":"partial write of line protocol occurred","data":[{line_number,...}]}); 204 otherwise.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { HttpError, readBody, readBodyNow, sendJson, type Route } from '../../api/index.js';
import { StorageError, type Appender } from '../../storage/index.js';
import { commitOrThrow, refusalError, storageHttpError } from '../commit.js';
import type { IngestDeps } from '../deps.js';
import { ingestRoute } from '../route.js';
import { appendEntry, refScope, type SampleBatch } from '../series-batch.js';
import { influxCompatRoutes } from './compat-routes.js';
import type { LineError, Precision } from './parse.js';

const PROTOCOL = 'influx';
const TENANT = 'default';
/** Refused lines listed in one answer. */
const MAX_LISTED = 100;

/** The `precision` values each API accepts (v1 also takes InfluxQL's short forms). */
const V1_PRECISION: Record<string, Precision> = { '': 'ns', n: 'ns', ns: 'ns', u: 'us', us: 'us', 'µ': 'us', ms: 'ms', s: 's', m: 'm', h: 'h' };
const V2_PRECISION: Record<string, Precision> = { '': 'ns', ns: 'ns', us: 'us', ms: 'ms', s: 's' };

type ApiVersion = 'v1' | 'v2';

function precisionOf(q: URLSearchParams, version: ApiVersion): Precision {
  const text = q.get('precision') ?? '';
  const table = version === 'v1' ? V1_PRECISION : V2_PRECISION;
  const p = table[text];
  if (p === undefined) {
    const allowed = version === 'v1' ? 'ns (or n), us (or u), ms, s, m, h' : 'ns, us, ms, s';
    throw new HttpError(400, 'bad_precision', `precision ${JSON.stringify(text)} is not supported; use one of ${allowed}`);
  }
  return p;
}

/**
 * The database (v1 `db`, v2 `bucket`) becomes the label `db` on every series, as VictoriaMetrics
 * does, so writes to two databases stay apart; a tag named `db` in a line wins (see decode-influx.ts).
 */
function defaultDb(q: URLSearchParams, version: ApiVersion): string {
  return q.get(version === 'v1' ? 'db' : 'bucket') ?? '';
}

/** Appends the good lines' samples; returns the entries storage refused (by index) or throws. */
function appendAll(
  app: Appender,
  scope: object,
  batch: SampleBatch,
  lineOf: Uint32Array,
  skipLines: ReadonlySet<number> | null,
  refused: Map<number, string>,
): number {
  let n = 0;
  for (let k = 0; k < batch.labels.length; k++) {
    const line = lineOf[k]!;
    if (skipLines !== null && skipLines.has(line)) continue;
    try {
      appendEntry(app, batch, k, scope);
      n++;
    } catch (e) {
      if (!(e instanceof StorageError) || skipLines !== null) throw storageHttpError(e);
      if (!refused.has(line)) refused.set(line, e.message);
    }
  }
  return n;
}

async function handle(version: ApiVersion, deps: IngestDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = req.url ?? '/';
  const q = new URLSearchParams(url.includes('?') ? url.slice(url.indexOf('?') + 1) : '');
  const precision = precisionOf(q, version);
  const db = defaultDb(q, version);
  const body = readBodyNow(req, deps.config.max_body_size) ?? (await readBody(req, deps.config.max_body_size));
  const receivedAt = performance.now();
  const ctx = { now: Date.now(), params: { precision, db } };
  const r = deps.decoder.decodeNow(PROTOCOL, body, ctx) ?? (await deps.decoder.decode(PROTOCOL, body, ctx));
  if (!r.ok) throw refusalError(r.refusal);
  const batch = r.batch;
  const lineOf = r.extra.lineOf!;
  const parsedErrors = (r.extra.info as { errors: LineError[] }).errors;

  // A storage refusal (e.g. a sample older than its series' newest) refuses its whole line: the
  // appender cannot forget part of what it holds, so the good lines are appended again without it.
  const refused = new Map<number, string>();
  let app = deps.storage.appender(TENANT);
  const scope = refScope(deps.storage, TENANT);
  let stored = appendAll(app, scope, batch, lineOf, null, refused);
  if (refused.size > 0) {
    app.rollback();
    app = deps.storage.appender(TENANT);
    stored = appendAll(app, scope, batch, lineOf, new Set(refused.keys()), refused);
  }
  if (stored > 0) await commitOrThrow(app, deps.gate, receivedAt);
  else app.rollback();

  let errors: LineError[] = parsedErrors;
  if (refused.size > 0) {
    const byLine = new Map(parsedErrors.map((e) => [e.line_number, e]));
    const text = body.toString('utf8').split('\n');
    for (const [line, message] of refused) {
      byLine.set(line, { line_number: line, original_line: (text[line - 1] ?? '').trim().slice(0, 256), error_message: message });
    }
    errors = [...byLine.values()].sort((a, b) => a.line_number - b.line_number);
  }
  if (errors.length === 0) {
    deps.stats.accepted(PROTOCOL, 204, stored);
    res.writeHead(204);
    res.end();
    return;
  }
  // 400, not 2xx: clients must not retry (the good lines are stored) and must see the bad ones.
  deps.stats.accepted(PROTOCOL, 400, stored);
  deps.stats.validationErrors++;
  sendJson(res, 400, { error: 'partial write of line protocol occurred', data: errors.slice(0, MAX_LISTED) });
}

/** POST /write (InfluxDB 1.x API) and POST /api/v2/write (InfluxDB 2.x API), with /ping and /query (compat-routes.ts). */
export function influxRoutes(deps: IngestDeps): Route[] {
  return [
    ingestRoute(deps, { path: '/write', protocol: PROTOCOL, errorStyle: 'seed' }, (d, req, res) => handle('v1', d, req, res)),
    ingestRoute(deps, { path: '/api/v2/write', protocol: PROTOCOL, errorStyle: 'seed' }, (d, req, res) => handle('v2', d, req, res)),
    ...influxCompatRoutes(),
  ];
}
