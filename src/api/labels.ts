// /api/v1/series, /api/v1/labels and /api/v1/label/<name>/values: series and label discovery
// through the Querier, in Prometheus's shapes (what Grafana's data source asks for).
import { newMatcher, ParseError, parseSelector } from '../promql/index.js';
import { compareLabels, labelsToRecord, type Labels, type Matcher, type Storage } from '../storage/index.js';
import { HttpError } from './http-error.js';
import { MAX_TIME, MIN_TIME, parseTimeParam, requestParams } from './params.js';
import { sendJson } from './respond.js';
import type { RequestInfo, Route } from './server.js';

/**
 * The match[] selectors as Prometheus's parseMatchersParam takes them: each must have a matcher
 * that does not match the empty string. Errors are worded as /series words them (`invalid
 * parameter "match[]": …`) or, with `prefixed` false, bare as /labels and /label/…/values do.
 */
export function matcherSets(q: URLSearchParams, required: boolean, prefixed = required): Matcher[][] {
  const selectors = q.getAll('match[]');
  if (selectors.length === 0) {
    if (required) throw new HttpError(400, 'bad_data', 'no match[] parameter provided');
    return [[newMatcher('=~', '__name__', '.*')]];
  }
  const bad = (msg: string) => new HttpError(400, 'bad_data', prefixed ? `invalid parameter "match[]": ${msg}` : msg);
  try {
    return selectors.map(parseSelector);
  } catch (e) {
    if (!(e instanceof ParseError)) throw e;
    // Prometheus parses match[] without the PromQL check that a selector must not match every
    // series, and refuses such a selector with a message of its own.
    if (e.message.endsWith(': vector selector must contain at least one non-empty matcher')) throw bad('match[] must contain at least one non-empty matcher');
    throw bad(e.message);
  }
}

function range(q: URLSearchParams): { start: number; end: number } {
  const start = parseTimeParam(q, 'start', MIN_TIME);
  const end = parseTimeParam(q, 'end', MAX_TIME);
  if (end < start) throw new HttpError(400, 'bad_data', 'invalid parameter "end": end timestamp must not be before start time');
  return { start, end };
}

/** The limit parameter as Prometheus's parseLimitParam reads it (strconv.Atoi); 0 or absent: no limit. */
function limitOf(q: URLSearchParams): number {
  const s = q.get('limit');
  if (s === null || s === '') return Infinity;
  const bad = (msg: string) => new HttpError(400, 'bad_data', `invalid parameter "limit": ${msg}`);
  if (!/^[+-]?\d+$/.test(s)) throw bad(`strconv.Atoi: parsing ${JSON.stringify(s)}: invalid syntax`);
  const n = Number(s);
  if (!Number.isSafeInteger(n)) throw bad(`strconv.Atoi: parsing ${JSON.stringify(s)}: value out of range`);
  if (n < 0) throw bad('limit must be non-negative');
  return n === 0 ? Infinity : n;
}

/** Answers with data, cut to the limit with Prometheus's warning when cut. */
function answer(res: Parameters<Route['handle']>[1], data: unknown[], limit: number): void {
  if (data.length > limit) {
    sendJson(res, 200, { status: 'success', data: data.slice(0, limit), warnings: ['results truncated due to limit'] });
    return;
  }
  sendJson(res, 200, { status: 'success', data });
}

export function labelRoutes(storage: Storage): Route[] {
  const series = (res: Parameters<Route['handle']>[1], query: URLSearchParams) => {
    if (query.getAll('match[]').length === 0) throw new HttpError(400, 'bad_data', 'no match[] parameter provided');
    const limit = limitOf(query);
    const { start, end } = range(query);
    const sets = matcherSets(query, true);
    const q = storage.querier('default', start, end);
    try {
      const seen = new Map<string, Labels>();
      for (const ms of sets) for (const s of q.select(ms)) seen.set(JSON.stringify(s.labels), s.labels);
      const found = [...seen.values()];
      // Several selectors: Prometheus merges their series sets, which yields them in label order.
      if (sets.length > 1) found.sort(compareLabels);
      answer(res, found.map(labelsToRecord), limit);
    } finally {
      q.close();
    }
  };
  const labels = (res: Parameters<Route['handle']>[1], query: URLSearchParams) => {
    const limit = limitOf(query);
    const { start, end } = range(query);
    const sets = matcherSets(query, false);
    const q = storage.querier('default', start, end);
    try {
      const names = new Set<string>();
      for (const ms of sets) for (const n of q.labelNames(ms)) names.add(n);
      answer(res, [...names].sort(), limit);
    } finally {
      q.close();
    }
  };
  const values = (_req: unknown, res: Parameters<Route['handle']>[1], { query, param }: RequestInfo) => {
    if (!param.endsWith('/values')) throw new HttpError(404, 'not_found', `no such endpoint: /api/v1/label/${param}`);
    let name: string;
    try {
      name = decodeURIComponent(param.slice(0, -'/values'.length));
    } catch {
      throw new HttpError(400, 'bad_data', `invalid URL escape in label name: ${JSON.stringify(param.slice(0, -'/values'.length))}`);
    }
    // Prometheus 3: names that are not legacy identifiers come U__-escaped.
    if (name.startsWith('U__')) name = unescapeName(name);
    if (name === '' || !name.isWellFormed()) throw new HttpError(400, 'bad_data', `invalid label name: ${JSON.stringify(name)}`);
    const limit = limitOf(query);
    const { start, end } = range(query);
    const sets = matcherSets(query, false);
    const q = storage.querier('default', start, end);
    try {
      const vals = new Set<string>();
      for (const ms of sets) for (const v of q.labelValues(name, ms)) vals.add(v);
      answer(res, [...vals].sort(), limit);
    } finally {
      q.close();
    }
  };
  const r = (method: 'GET' | 'POST', path: string, handle: Route['handle'], prefix = false): Route =>
    prefix ? { method, path, prefix, errorStyle: 'prom', needsReady: true, handle } : { method, path, errorStyle: 'prom', needsReady: true, handle };
  // /series and /labels take GET and form POST (as Grafana sends them with its POST method), /label/…/values GET only, as in Prometheus.
  const withParams =
    (handle: (res: Parameters<Route['handle']>[1], query: URLSearchParams) => void): Route['handle'] =>
    (req, res, info) => {
      const q = requestParams(req, info);
      if (q instanceof Promise) return q.then((query) => handle(res, query));
      handle(res, q);
    };
  return [
    r('GET', '/api/v1/series', withParams(series)),
    r('POST', '/api/v1/series', withParams(series)),
    r('GET', '/api/v1/labels', withParams(labels)),
    r('POST', '/api/v1/labels', withParams(labels)),
    r('GET', '/api/v1/label/', values, true),
  ];
}

/**
 * Reverses Prometheus's U__ value-encoding escaping (`__` for `_`, `_XX_` a hex code point), as
 * model.UnescapeName does: a name that is not a well-formed escape (an unclosed `_`, a code
 * point above U+10FFFF or a surrogate) is taken as it is, U__ prefix and all.
 * @example unescapeName('U__http_2e_method') // 'http.method'
 */
export function unescapeName(name: string): string {
  const s = name.slice(3);
  let out = '';
  for (let i = 0; i < s.length; i++) {
    if (s[i] !== '_') {
      out += s[i];
      continue;
    }
    i++;
    if (i >= s.length) return name;
    if (s[i] === '_') {
      out += '_';
      continue;
    }
    const close = s.indexOf('_', i);
    // At most six hex digits (U+10FFFF), then the closing underscore.
    if (close < 0 || close - i > 6 || !/^[0-9a-fA-F]+$/.test(s.slice(i, close))) return name;
    const cp = parseInt(s.slice(i, close), 16);
    if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return name;
    out += String.fromCodePoint(cp);
    i = close;
  }
  return out;
}
