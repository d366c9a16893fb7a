// Health, readiness, the seed's stats at GET /metrics (or Prometheus exposition of our own
// metrics when the Accept header asks for text), and per-client rate-limit state.
import { register } from 'prom-client';
import type { ClientDecisionLog, SlidingWindowLimiter } from '../limits/index.js';
import { HttpError } from './http-error.js';
import { sendJson } from './respond.js';
import type { Route } from './server.js';

export function healthRoute(): Route {
  return {
    method: 'GET',
    path: '/health',
    errorStyle: 'seed',
    handle: (_req, res) => sendJson(res, 200, { status: 'healthy', service: 'ingestion' }),
  };
}

export function readyRoute(isReady: () => boolean): Route {
  return {
    method: 'GET',
    path: '/ready',
    errorStyle: 'seed',
    handle(_req, res) {
      if (isReady()) sendJson(res, 200, { status: 'ready' });
      else sendJson(res, 503, { status: 'starting', error: 'WAL replay is in progress' }, { 'retry-after': '1' });
    },
  };
}

/** True when the Accept header prefers Prometheus text or OpenMetrics to JSON. */
export function wantsExposition(accept: string | undefined): boolean {
  if (accept === undefined) return false;
  const a = accept.toLowerCase();
  return a.includes('text/plain') || a.includes('application/openmetrics-text');
}

export function statsRoute(stats: () => object): Route {
  return {
    method: 'GET',
    path: '/metrics',
    errorStyle: 'seed',
    async handle(req, res) {
      if (!wantsExposition(req.headers.accept)) {
        sendJson(res, 200, stats());
        return;
      }
      const text = await register.metrics();
      res.writeHead(200, { 'content-type': register.contentType, 'content-length': Buffer.byteLength(text) });
      res.end(text);
    },
  };
}

export function clientsRoute(limiter: SlidingWindowLimiter, decisions: ClientDecisionLog, windowMs: number): Route {
  return {
    method: 'GET',
    path: '/api/v1/status/clients',
    errorStyle: 'prom',
    handle(_req, res, { query }) {
      const one = query.get('client');
      const limitText = query.get('limit') ?? '100';
      const limit = Number(limitText);
      if (!Number.isInteger(limit) || limit < 1) {
        throw new HttpError(400, 'bad_data', `invalid parameter "limit": expected a positive integer, got ${JSON.stringify(limitText)}`);
      }
      const snaps = one !== null ? [decisions.get(one)].filter((s) => s !== undefined) : decisions.snapshot(limit);
      const clients = snaps.map((s) => ({
        client: s.client,
        limit: limiter.limitFor(s.client),
        window_use: limiter.windowUse(s.client),
        allowed: s.allowed,
        denied: s.denied,
        last_seen: s.last_seen,
        recent: s.recent,
      }));
      sendJson(res, 200, {
        status: 'success',
        data: { window_ms: windowMs, active_clients: limiter.activeClients, tracked_clients: decisions.size, clients },
      });
    },
  };
}

/** GET /api/v1/status/tsdb: head cardinality statistics as Prometheus serves them, plus the blocks. */
export function tsdbStatusRoute(status: (limit: number) => object): Route {
  return {
    method: 'GET',
    path: '/api/v1/status/tsdb',
    errorStyle: 'prom',
    handle(_req, res, { query }) {
      const limitText = query.get('limit') ?? '10';
      const limit = Number(limitText);
      if (!Number.isInteger(limit) || limit < 1) {
        throw new HttpError(400, 'bad_data', `limit must be a positive number, got ${JSON.stringify(limitText)}`);
      }
      sendJson(res, 200, { status: 'success', data: status(limit) });
    },
  };
}
