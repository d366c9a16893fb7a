// Query parameters shared by the read APIs: times as RFC 3339 or unix seconds, as Prometheus takes them.
import { HttpError } from './http-error.js';

/** Parses a time parameter to ms; `fallback` when absent. */
export function parseTimeParam(q: URLSearchParams, name: string, fallback: number): number {
  const s = q.get(name);
  if (s === null || s === '') return fallback;
  if (/^-?\d+(\.\d+)?$/.test(s)) {
    const secs = Number(s);
    if (Number.isFinite(secs)) return Math.round(secs * 1000);
  }
  const t = Date.parse(s);
  if (/^\d{4}-\d{2}-\d{2}T/.test(s) && !Number.isNaN(t)) return t;
  throw new HttpError(400, 'bad_data', `invalid parameter "${name}": cannot parse ${JSON.stringify(s)} to a valid timestamp`);
}
