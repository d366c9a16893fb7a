// GET /api/v1/metadata: metric metadata per name, in Prometheus's shape
// {"status":"success","data":{"<name>":[{"type","help","unit"}]}}.
import type { Storage } from '../storage/index.js';
import { HttpError } from './http-error.js';
import { sendJson } from './respond.js';
import type { Route } from './server.js';

/** An integer parameter as strconv.Atoi reads it, -1 when absent, refused with Prometheus's message. */
function intParam(query: URLSearchParams, name: string): number {
  const s = query.get(name);
  if (s === null || s === '') return -1;
  const n = Number(s);
  if (!/^[+-]?\d+$/.test(s) || !Number.isSafeInteger(n)) throw new HttpError(400, 'bad_data', `${name} must be a number`);
  return n;
}

export function metadataRoute(storage: Storage): Route {
  return {
    method: 'GET',
    path: '/api/v1/metadata',
    errorStyle: 'prom',
    needsReady: true,
    handle(_req, res, { query }) {
      const only = query.get('metric');
      const limit = intParam(query, 'limit');
      // Checked, as Prometheus checks it; one entry per family is kept here, so it never cuts one.
      intParam(query, 'limit_per_metric');
      const data: Record<string, { type: string; help: string; unit: string }[]> = {};
      let n = 0;
      const all = storage.metadata('default');
      const names = only !== null && only !== '' ? [only] : [...all.keys()].sort();
      for (const name of names) {
        // Prometheus stops at the limit whenever it is 0 or more: a negative one is no limit.
        if (limit >= 0 && n >= limit) break;
        const m = all.get(name);
        if (m === undefined) continue;
        data[name] = [{ type: m.type, help: m.help, unit: m.unit }];
        n++;
      }
      sendJson(res, 200, { status: 'success', data });
    },
  };
}
