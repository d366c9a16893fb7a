// Prometheus's TSDB admin API: POST (or PUT) /api/v1/admin/tsdb/delete_series and /snapshot.
// Served only with --enable-admin-api; otherwise they answer 503 as Prometheus does.
import type { Matcher } from '../storage/index.js';
import { HttpError } from './http-error.js';
import { matcherSets } from './labels.js';
import { MAX_TIME, MIN_TIME, parseTimeParam, requestParams as params } from './params.js';
import { sendJson } from './respond.js';
import type { Route } from './server.js';

/** What the admin API needs from the engine. */
export interface AdminTarget {
  deleteSeries(tenant: string, matchers: readonly Matcher[], mint: number, maxt: number): Promise<unknown>;
  snapshot(skipHead: boolean): Promise<string>;
}

export function adminRoutes(target: AdminTarget, enabled: boolean): Route[] {
  const guard = () => {
    if (!enabled) throw new HttpError(503, 'unavailable', 'admin APIs disabled (start with --enable-admin-api)');
  };
  const deleteSeries: Route['handle'] = async (req, res, info) => {
    guard();
    const q = await params(req, info);
    const sets = matcherSets(q, true);
    const start = parseTimeParam(q, 'start', MIN_TIME);
    const end = parseTimeParam(q, 'end', MAX_TIME);
    if (end < start) throw new HttpError(400, 'bad_data', 'invalid parameter "end": end timestamp must not be before start time');
    for (const ms of sets) await target.deleteSeries('default', ms, start, end);
    res.writeHead(204);
    res.end();
  };
  const snapshot: Route['handle'] = async (req, res, info) => {
    guard();
    const q = await params(req, info);
    const skip = q.get('skip_head');
    if (skip !== null && skip !== 'true' && skip !== 'false' && skip !== '') {
      throw new HttpError(400, 'bad_data', `unable to parse boolean 'skip_head' argument: ${JSON.stringify(skip)}`);
    }
    const name = await target.snapshot(skip === 'true');
    sendJson(res, 200, { status: 'success', data: { name } });
  };
  const routes: Route[] = [];
  for (const method of ['POST', 'PUT'] as const) {
    routes.push({ method, path: '/api/v1/admin/tsdb/delete_series', errorStyle: 'prom', needsReady: true, handle: deleteSeries });
    routes.push({ method, path: '/api/v1/admin/tsdb/snapshot', errorStyle: 'prom', needsReady: true, handle: snapshot });
  }
  return routes;
}
