// GET|POST /api/v1/query and /api/v1/query_range: PromQL over the storage, answered in
// Prometheus's JSON shapes and error types (bad_data 400, execution 422).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Counter, Gauge } from 'prom-client';
import { Engine, EvalError, RangeCache, type CachedRangeSeries, type Value } from '../promql/engine/index.js';
import { formatNumber as formatSampleValue, ParseCache, ParseError, prettyExpr, type Expr } from '../promql/index.js';
import { labelsToRecord, StorageError, type SelectHints, type Storage } from '../storage/index.js';
import { astJson } from './ast-json.js';
import { matrixAnswerBytes, pointText } from './matrix-json.js';
import { HttpError } from './http-error.js';
import { parseDurationParam, parseRequiredTime, parseTimeParam, requestParams as params } from './params.js';
import { sendJson } from './respond.js';
import type { RequestInfo, Route } from './server.js';

/** Prometheus's limit on points per series in a range query. */
const MAX_POINTS = 11_000;

const sec = (ms: number) => ms / 1000;

/** A scalar, string or vector answer's data as Prometheus shapes it (matrices are written as text by matrixAnswerBytes). */
function resultJson(v: Exclude<Value, { kind: 'matrix' }>): { resultType: string; result: unknown } {
  switch (v.kind) {
    case 'scalar':
      return { resultType: 'scalar', result: [sec(v.t), formatSampleValue(v.v)] };
    case 'string':
      return { resultType: 'string', result: [sec(v.t), v.v] };
    case 'vector':
      return { resultType: 'vector', result: v.samples.map((s) => ({ metric: labelsToRecord(s.labels), value: [sec(s.t), formatSampleValue(s.v)] })) };
  }
}

/** Sends a JSON answer already written as bytes. */
function sendBytes(res: ServerResponse, body: Buffer): void {
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
  res.end(body);
}

/** Queries parsed before, by their text (dashboards repeat theirs on every refresh). */
const parsed = new ParseCache();

function parseQuery(q: URLSearchParams): Expr {
  const text = q.get('query');
  if (text === null || text === '') throw new HttpError(400, 'bad_data', 'invalid parameter "query": unknown position: parse error: no expression found in input');
  try {
    return parsed.parse(text);
  } catch (e) {
    if (e instanceof ParseError) throw new HttpError(400, 'bad_data', `invalid parameter "query": ${e.message}`);
    throw e;
  }
}

/** The API `timeout` parameter (seconds or a duration), capped by the configured limit; -1 when it has passed. */
function timeoutOf(q: URLSearchParams, limit: number): number {
  const s = q.get('timeout');
  if (s === null || s === '') return limit;
  const ms = parseDurationParam(q, 'timeout');
  // Prometheus sets the deadline to now + timeout: one of zero or less has passed before the query is run.
  if (ms <= 0) return -1;
  return limit > 0 ? Math.min(ms, limit) : ms;
}

function checkDeadline(timeout: number): void {
  if (timeout < 0) throw new HttpError(503, 'timeout', 'query timed out in query queue');
}

function evalError(e: unknown): unknown {
  if (e instanceof EvalError) return new HttpError(e.code === 'timeout' ? 503 : 422, e.code === 'timeout' ? 'timeout' : 'execution', e.message);
  // Storage failures during a query (a damaged block) answer 422 execution. Prometheus answers the
  // errors its engine wraps as storage errors with 500 internal: a known difference, left for now.
  if (e instanceof StorageError) return new HttpError(422, 'execution', e.message);
  return e;
}

const cacheAnswers = new Counter({
  name: 'metricstream_query_range_cache_requests_total',
  help: 'Range queries by what the result cache gave: hit (every step), partial (the settled steps), miss, uncacheable (negative offset, @, nocache=1 or cache off)',
  labelNames: ['result'] as const,
});
const cacheBytes = new Gauge({ name: 'metricstream_query_range_cache_bytes', help: 'Estimated bytes of range query answers held by the result cache' });

/** Range answers cached per query (default off: 0 bytes); the storage's change feed keeps them right. */
export interface QueryRoutesOptions {
  readonly cacheBytes?: number;
}

export function queryRoutes(storage: Storage, engine: Engine = new Engine(), opts: QueryRoutesOptions = {}): Route[] {
  const querier = (mint: number, maxt: number, hints?: SelectHints) => storage.querier('default', mint, maxt, hints);
  const cache = new RangeCache(opts.cacheBytes ?? 0, pointText, (outcome, bytes) => {
    cacheAnswers.inc({ result: outcome });
    cacheBytes.set(bytes);
  });
  async function instant(req: IncomingMessage, res: ServerResponse, info: RequestInfo): Promise<void> {
    const q = await params(req, info);
    // Checked in Prometheus's order: time, timeout, then the query.
    const t = parseTimeParam(q, 'time', Date.now());
    const timeout = timeoutOf(q, engine.opts.timeoutMs);
    const expr = parseQuery(q);
    checkDeadline(timeout);
    let v: Value;
    try {
      v = await engine.instantAsync(querier, expr, t, timeout);
    } catch (e) {
      throw evalError(e);
    }
    if (v.kind === 'matrix') sendBytes(res, matrixAnswerBytes(v.series));
    else sendJson(res, 200, { status: 'success', data: resultJson(v) });
  }
  async function range(req: IncomingMessage, res: ServerResponse, info: RequestInfo): Promise<void> {
    const q = await params(req, info);
    // Checked in Prometheus's order: start, end, step, the points limit, timeout, then the query.
    const start = parseRequiredTime(q, 'start');
    const end = parseRequiredTime(q, 'end');
    if (end < start) throw new HttpError(400, 'bad_data', 'invalid parameter "end": end timestamp must not be before start time');
    const step = parseDurationParam(q, 'step');
    if (step <= 0) throw new HttpError(400, 'bad_data', 'invalid parameter "step": zero or negative query resolution step widths are not accepted. Try a positive integer');
    if (Math.floor((end - start) / step) > MAX_POINTS) {
      throw new HttpError(400, 'bad_data', 'exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)');
    }
    const timeout = timeoutOf(q, engine.opts.timeoutMs);
    const expr = parseQuery(q);
    checkDeadline(timeout);
    let m: CachedRangeSeries[];
    try {
      // nocache=1 (as VictoriaMetrics takes it) evaluates every step afresh.
      const feed = q.get('nocache') === '1' ? undefined : storage.changes;
      m = await cache.range(engine, querier, feed, 'default', expr, start, end, step, timeout);
    } catch (e) {
      throw evalError(e);
    }
    sendBytes(res, matrixAnswerBytes(m));
  }
  async function format(req: IncomingMessage, res: ServerResponse, info: RequestInfo): Promise<void> {
    const q = await params(req, info);
    sendJson(res, 200, { status: 'success', data: prettyExpr(parseQuery(q)) });
  }
  async function parse(req: IncomingMessage, res: ServerResponse, info: RequestInfo): Promise<void> {
    const q = await params(req, info);
    sendJson(res, 200, { status: 'success', data: astJson(parseQuery(q)) });
  }
  const route = (method: 'GET' | 'POST', path: string, handle: Route['handle']): Route => ({ method, path, errorStyle: 'prom', needsReady: true, handle });
  return [
    route('GET', '/api/v1/format_query', format),
    route('POST', '/api/v1/format_query', format),
    route('GET', '/api/v1/parse_query', parse),
    route('POST', '/api/v1/parse_query', parse),
    route('GET', '/api/v1/query', instant),
    route('POST', '/api/v1/query', instant),
    route('GET', '/api/v1/query_range', range),
    route('POST', '/api/v1/query_range', range),
  ];
}
