// GET /api/v1/metadata: metric metadata per name, in Prometheus's shape
// {"status":"success","data":{"<name>":[{"type","help","unit"}]}}.
import type { Storage } from '../storage/index.js';
import { HttpError } from './http-error.js';
import { sendJson } from './respond.js';
import type { Route } from './server.js';

export function metadataRoute(storage: Storage): Route {
  return {
    method: 'GET',
    path: '/api/v1/metadata',
    errorStyle: 'prom',
    needsReady: true,
    handle(_req, res, { query }) {
      const only = query.get('metric');
      const limitText = query.get('limit');
      const limit = limitText === null || limitText === '' ? Infinity : Number(limitText);
      if (Number.isNaN(limit) || !Number.isInteger(limit === Infinity ? 0 : limit)) {
        throw new HttpError(400, 'bad_data', `invalid parameter "limit": ${JSON.stringify(limitText)} is not a number`);
      }
      const data: Record<string, { type: string; help: string; unit: string }[]> = {};
      let n = 0;
      const all = storage.metadata('default');
      const names = only !== null && only !== '' ? [only] : [...all.keys()].sort();
      for (const name of names) {
        // Prometheus: a limit of 0 or less means no limit.
        if (limit > 0 && n >= limit) break;
        const m = all.get(name);
        if (m === undefined) continue;
        data[name] = [{ type: m.type, help: m.help, unit: m.unit }];
        n++;
      }
      sendJson(res, 200, { status: 'success', data });
    },
  };
}
