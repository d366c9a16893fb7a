// GET /api/v1/export: every matching series as one JSON line
// {"metric":{...},"values":[...],"timestamps":[...]}, streamed (VictoriaMetrics's format).
import type { ServerResponse } from 'node:http';
import { newMatcher, ParseError, parseSelector } from '../promql/index.js';
import { labelsToRecord, type Matcher, type Storage } from '../storage/index.js';
import { HttpError } from './http-error.js';
import { MAX_TIME, MIN_TIME, parseTimeParam } from './params.js';
import type { Route } from './server.js';

/** A float as the export format writes it: a JSON number, or "NaN" / "+Inf" / "-Inf". */
export function formatValue(v: number): string {
  if (Number.isFinite(v)) return String(v);
  if (Number.isNaN(v)) return '"NaN"';
  return v > 0 ? '"+Inf"' : '"-Inf"';
}

function drain(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

/** The export route over a storage, tenant `default`. */
export function exportRoute(storage: Storage): Route {
  return {
    method: 'GET',
    path: '/api/v1/export',
    errorStyle: 'prom',
    needsReady: true,
    async handle(_req, res, { query }) {
      const selectors = query.getAll('match[]');
      let matcherSets: Matcher[][];
      try {
        matcherSets = selectors.length > 0 ? selectors.map(parseSelector) : [[newMatcher('=~', '__name__', '.+')]];
      } catch (e) {
        if (e instanceof ParseError) throw new HttpError(400, 'bad_data', `invalid parameter "match[]": ${e.message}`);
        throw e;
      }
      const start = parseTimeParam(query, 'start', MIN_TIME);
      const end = parseTimeParam(query, 'end', MAX_TIME);
      if (end < start) throw new HttpError(400, 'bad_data', 'invalid parameter "end": end timestamp must not be before start time');
      const q = storage.querier('default', start, end);
      res.writeHead(200, { 'content-type': 'application/stream+json' });
      const seen = new Set<string>();
      try {
        for (const matchers of matcherSets) {
          for (const s of q.select(matchers)) {
            if (matcherSets.length > 1) {
              // Several match[] may select one series: export it once.
              const key = JSON.stringify(s.labels);
              if (seen.has(key)) continue;
              seen.add(key);
            }
            const it = s.iterator();
            let values = '';
            let stamps = '';
            while (it.next()) {
              values += (values.length === 0 ? '' : ',') + formatValue(it.atV());
              stamps += (stamps.length === 0 ? '' : ',') + it.atT();
            }
            if (stamps.length === 0) continue;
            const line = `{"metric":${JSON.stringify(labelsToRecord(s.labels))},"values":[${values}],"timestamps":[${stamps}]}\n`;
            if (!res.write(line)) await drain(res);
            if (res.destroyed) return;
          }
        }
      } finally {
        q.close();
      }
      res.end();
    },
  };
}
