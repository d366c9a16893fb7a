// The two InfluxDB 1.x endpoints writers call besides /write: GET|HEAD /ping, which clients probe
// before writing (204 with the version headers), and /query for the `CREATE DATABASE` Telegraf's
// outputs.influxdb sends on start. Databases need no creating here (the `db` parameter is a label),
// so that statement succeeds as InfluxDB answers it; MetricStream has no InfluxQL otherwise.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { HttpError, requestParams, sendJson, type RequestInfo, type Route } from '../../api/index.js';

/** The InfluxDB release whose write API (/write, /ping, /query's CREATE DATABASE) this speaks. */
const INFLUXDB_VERSION = '1.8.10';
const CREATE_DATABASE = /^\s*create\s+database\s+("(?:[^"\\]|\\.)*"|[^\s;"]+)(\s+with\s+[^;]*)?\s*$/i;

function ping(_req: IncomingMessage, res: ServerResponse): void {
  res.writeHead(204, { 'x-influxdb-version': INFLUXDB_VERSION, 'x-influxdb-build': 'MetricStream' });
  res.end();
}

async function query(req: IncomingMessage, res: ServerResponse, info: RequestInfo): Promise<void> {
  // From the URL or a POSTed form (the form's value first, as Go's FormValue gives it to InfluxDB).
  const q = (await requestParams(req, info)).get('q');
  if (q === null || q.trim() === '') throw new HttpError(400, 'missing_query', 'missing required parameter "q"');
  const statements = q.split(';').filter((s) => s.trim() !== '');
  const bad = statements.find((s) => !CREATE_DATABASE.test(s));
  if (bad !== undefined) {
    throw new HttpError(
      400,
      'unsupported_query',
      `InfluxQL is not supported except CREATE DATABASE (databases need no creating: the db parameter of /write becomes a label); query with PromQL at /api/v1/query instead, got ${JSON.stringify(bad.trim().slice(0, 100))}`,
    );
  }
  sendJson(res, 200, { results: statements.map((_s, i) => ({ statement_id: i })) });
}

/** GET /ping and GET|POST /query, InfluxDB 1.x's. */
export function influxCompatRoutes(): Route[] {
  return [
    { method: 'GET', path: '/ping', errorStyle: 'seed', handle: ping },
    { method: 'GET', path: '/query', errorStyle: 'seed', handle: query },
    { method: 'POST', path: '/query', errorStyle: 'seed', handle: query },
  ];
}
