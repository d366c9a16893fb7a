// Query parameters shared by the read APIs: from the URL and a POSTed form, times as RFC 3339 or
// unix seconds, durations, as Prometheus takes them.
import type { IncomingMessage } from 'node:http';
import { parseDuration } from '../promql/index.js';
import { readBody, readBodyNow } from './body.js';
import { header } from './header.js';
import { HttpError } from './http-error.js';
import type { RequestInfo } from './server.js';

const MAX_FORM_BYTES = 1 << 20;

/**
 * Query parameters as Go's Request.ParseForm gives them to Prometheus: for a POST with a
 * form-encoded body, the form's values first (they win over the URL's), then the URL's; a body of
 * any other type is read and ignored, leaving the URL's. Not an async function: a form that came
 * with the request's head (as curl and Grafana send it) is taken at once, and the query runs in
 * the same turn instead of after a stream read.
 */
export function requestParams(req: IncomingMessage, info: RequestInfo): URLSearchParams | Promise<URLSearchParams> {
  if (req.method !== 'POST') return info.query;
  const ct = (header(req, 'content-type') ?? '').split(';', 1)[0]!.trim().toLowerCase();
  const form = ct === 'application/x-www-form-urlencoded';
  const now = readBodyNow(req, MAX_FORM_BYTES);
  if (now !== null) return form ? formParams(req, info, now) : info.query;
  return readBody(req, MAX_FORM_BYTES).then((body) => (form ? formParams(req, info, body) : info.query));
}

function formParams(req: IncomingMessage, info: RequestInfo, body: Buffer): URLSearchParams {
  const merged = new URLSearchParams(body.toString('utf8'));
  // Without a query string (the rule for POST) the form is all there is.
  if (req.url === undefined || !req.url.includes('?')) return merged;
  for (const [k, v] of info.query) merged.append(k, v);
  return merged;
}

/** The defaults of optional time ranges (the widest times a JS Date holds). */
export const MIN_TIME = -8.64e15;
export const MAX_TIME = 8.64e15;

/** A decimal float as Go's strconv.ParseFloat reads it (sign, `.5`, `5.`, exponent). */
const FLOAT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
/** RFC 3339 with optional fractional seconds; the offset (Z or ±hh:mm) is required, as Go's time.Parse wants it. */
const RFC3339 = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})$/;
/** Prometheus's MinTime and MaxTime as it formats them; clients (client_golang) send these back. */
const MIN_TIME_FORMATTED = '-292273086-05-16T16:47:06Z';
const MAX_TIME_FORMATTED = '292277025-08-18T07:12:54.999999999Z';

/**
 * Parses a timestamp as Prometheus's parseTime does, to ms: float seconds (the fraction rounded
 * to ms), RFC 3339 (sub-ms digits dropped), or Prometheus's own min/max time strings; null when
 * it is none of these.
 */
export function parseTime(s: string): number | null {
  if (FLOAT.test(s)) {
    const secs = Number(s);
    if (!Number.isFinite(secs)) return null;
    const whole = Math.trunc(secs);
    const frac = secs - whole;
    // Go's math.Round: halves away from zero.
    return whole * 1000 + Math.sign(frac) * Math.round(Math.abs(frac) * 1000);
  }
  const m = RFC3339.exec(s);
  if (m !== null && fieldsInRange(m[1]!)) {
    const t = Date.parse(`${m[1]}.${(m[2] ?? '').slice(0, 3).padEnd(3, '0')}${m[3]!}`);
    if (!Number.isNaN(t)) return t;
  }
  if (s === MIN_TIME_FORMATTED) return MIN_TIME;
  if (s === MAX_TIME_FORMATTED) return MAX_TIME;
  return null;
}

/** Whether date and time of day exist (JS's Date.parse takes Feb 30 and 24:00; Go's time.Parse does not). */
function fieldsInRange(dateTime: string): boolean {
  const [y, mo, d, h, mi, sec] = dateTime.split(/[-T:]/).map(Number) as [number, number, number, number, number, number];
  const days = new Date(Date.UTC(y, mo, 0)).getUTCDate();
  return mo >= 1 && mo <= 12 && d >= 1 && d <= days && h < 24 && mi < 60 && sec < 60;
}

/** A required time parameter (query_range's start and end), worded as Prometheus words its errors. */
export function parseRequiredTime(q: URLSearchParams, name: string): number {
  const s = q.get(name) ?? '';
  const t = parseTime(s);
  if (t === null) throw new HttpError(400, 'bad_data', `invalid parameter "${name}": cannot parse ${JSON.stringify(s)} to a valid timestamp`);
  return t;
}

/** Parses an optional time parameter to ms; `fallback` when absent. */
export function parseTimeParam(q: URLSearchParams, name: string, fallback: number): number {
  const s = q.get(name);
  if (s === null || s === '') return fallback;
  const t = parseTime(s);
  if (t !== null) return t;
  throw new HttpError(400, 'bad_data', `invalid parameter "${name}": Invalid time value for '${name}': cannot parse ${JSON.stringify(s)} to a valid timestamp`);
}

/**
 * Parses a duration parameter (step, timeout) to ms as Prometheus's parseDuration does: float
 * seconds in any Go float form, negative ones included (the caller refuses those with its own
 * message), else a PromQL duration.
 */
export function parseDurationParam(q: URLSearchParams, name: string): number {
  const s = q.get(name) ?? '';
  if (FLOAT.test(s)) {
    const secs = Number(s);
    // Prometheus converts to a time.Duration: int64 nanoseconds, about ±9.2e9 seconds.
    if (Number.isFinite(secs) && Math.abs(secs) < 9.2e9) return Math.round(secs * 1000);
    throw new HttpError(400, 'bad_data', `invalid parameter "${name}": cannot parse ${JSON.stringify(s)} to a valid duration. It overflows int64`);
  }
  try {
    return parseDuration(s);
  } catch {
    throw new HttpError(400, 'bad_data', `invalid parameter "${name}": cannot parse ${JSON.stringify(s)} to a valid duration`);
  }
}
