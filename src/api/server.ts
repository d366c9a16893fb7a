// The HTTP server: routing, the per-client sliding-window rate limit in front of ingest routes,
// readiness gating, error answers, and graceful shutdown. Routes are registered from outside
// (cli/serve wires ingest and read handlers), so this layer imports no protocol.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Http1Server } from './http1/server.js';
import { ALLOWED, RATE_LIMITED, type ClientDecisionLog, type SlidingWindowLimiter } from '../limits/index.js';
import { header } from './header.js';
import { HttpError } from './http-error.js';
import { sendError, type ErrorStyle } from './respond.js';

/** What a handler gets besides req/res. */
export interface RequestInfo {
  readonly query: URLSearchParams;
  /** Rate-limit client: the Authorization value, or the peer address without one. */
  readonly client: string;
  /** Path parameter (the part after a route's prefix), for prefix routes. */
  readonly param: string;
}

/** RequestInfo whose query string is parsed only when a handler asks for it. */
class Info implements RequestInfo {
  private parsed: URLSearchParams | null = null;
  constructor(
    private readonly url: string,
    private readonly q: number,
    private readonly req: IncomingMessage,
    private id: string | null,
    readonly param: string,
  ) {}
  get query(): URLSearchParams {
    return (this.parsed ??= new URLSearchParams(this.q < 0 ? '' : this.url.slice(this.q + 1)));
  }
  get client(): string {
    return (this.id ??= clientOf(this.req));
  }
}

/**
 * The rate-limit client of a request: its Authorization value, or the peer address without one.
 * Asked only where needed: the peer address is a getpeername(2) call per connection, which
 * queries and other routes that are not rate-limited do without.
 */
function clientOf(req: IncomingMessage): string {
  const auth = header(req, 'authorization');
  return auth !== undefined && auth !== '' ? auth : (req.socket.remoteAddress ?? 'unknown');
}

export interface Route {
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Exact path, or a prefix ending in `/` with `prefix: true`. */
  readonly path: string;
  readonly prefix?: boolean;
  readonly errorStyle: ErrorStyle;
  /** Counted against the client's sliding window (ingest routes). */
  readonly rateLimited?: boolean;
  /** Answered 503 until storage is ready (WAL replay done). */
  readonly needsReady?: boolean;
  handle(req: IncomingMessage, res: ServerResponse, info: RequestInfo): Promise<void> | void;
}

export interface ServerHooks {
  readonly limiter: SlidingWindowLimiter;
  readonly decisions: ClientDecisionLog;
  readonly isReady: () => boolean;
  /** Called for every 429 answer (the seed's rate_limited_requests). */
  readonly onRateLimited: () => void;
  readonly logger: { error(obj: object, msg: string): void; debug(obj: object, msg: string): void };
}

/** Which HTTP/1.1 implementation serves the API. */
export type HttpImplementation = 'builtin' | 'node';

export class ApiServer {
  readonly server: Server | Http1Server;
  /** Exact routes by path, then method. */
  private readonly exact = new Map<string, Map<string, Route>>();
  private readonly prefixes: Route[] = [];
  private readonly hooks: ServerHooks;
  private inFlight = 0;

  constructor(routes: readonly Route[], hooks: ServerHooks, http: HttpImplementation = 'builtin') {
    this.hooks = hooks;
    for (const r of routes) {
      if (r.prefix) this.prefixes.push(r);
      else {
        let byMethod = this.exact.get(r.path);
        if (byMethod === undefined) this.exact.set(r.path, (byMethod = new Map()));
        byMethod.set(r.method, r);
      }
    }
    // Keep-alive longer than typical load balancers' idle timeouts; bounded header and request times.
    const timeouts = { keepAliveTimeout: 65_000, headersTimeout: 60_000, requestTimeout: 300_000 };
    this.server =
      http === 'node'
        ? createServer(timeouts, (req, res) => this.dispatch(req, res))
        : // The builtin server's request and response implement the part of IncomingMessage and
          // ServerResponse that routes use (src/api/http1/request.ts, response.ts).
          new Http1Server((req, res) => this.dispatch(req as unknown as IncomingMessage, res as unknown as ServerResponse), timeouts);
  }

  listen(port: number, host: string): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve(this.server.address() as AddressInfo);
      });
    });
  }

  private find(method: string, path: string): { route: Route; param: string } | { allow: string[] } | null {
    const byMethod = this.exact.get(path);
    if (byMethod !== undefined) {
      const r = byMethod.get(method) ?? (method === 'HEAD' ? byMethod.get('GET') : undefined);
      if (r !== undefined) return { route: r, param: '' };
    }
    for (const p of this.prefixes) {
      if (path.startsWith(p.path) && (p.method === method || (method === 'HEAD' && p.method === 'GET'))) {
        return { route: p, param: path.slice(p.path.length) };
      }
    }
    const allow: string[] = [];
    if (byMethod !== undefined) allow.push(...byMethod.keys());
    for (const p of this.prefixes) if (path.startsWith(p.path)) allow.push(p.method);
    return allow.length > 0 ? { allow } : null;
  }

  private dispatch(req: IncomingMessage, res: ServerResponse): void {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    const found = this.find(req.method ?? 'GET', path);
    const style: ErrorStyle = path.startsWith('/api/') ? 'prom' : 'seed';
    if (found === null) {
      sendError(res, new HttpError(404, 'not_found', `no such endpoint: ${req.method} ${path}`), style);
      return;
    }
    if ('allow' in found) {
      const err = new HttpError(405, 'method_not_allowed', `${req.method} is not allowed on ${path}; use ${found.allow.join(' or ')}`, undefined, {
        allow: found.allow.join(', '),
      });
      sendError(res, err, style);
      return;
    }
    const { route, param } = found;
    let client: string | null = null;
    if (route.rateLimited) {
      client = clientOf(req);
      const limiter = this.hooks.limiter;
      const decision = limiter.check(client);
      this.hooks.decisions.record(client, decision);
      if (decision !== ALLOWED) {
        this.hooks.onRateLimited();
        const retry = Math.max(1, Math.ceil(limiter.retryAfterMs(client) / 1000));
        const msg = decision === RATE_LIMITED ? 'Rate limit exceeded' : 'Too many active clients';
        sendError(res, new HttpError(429, 'rate_limited', msg, undefined, { 'retry-after': String(retry) }), route.errorStyle);
        return;
      }
    }
    if (route.needsReady && !this.hooks.isReady()) {
      const err = new HttpError(503, 'unavailable', 'MetricStream is starting: WAL replay is in progress', undefined, { 'retry-after': '1' });
      sendError(res, err, route.errorStyle);
      return;
    }
    let result: Promise<void> | void;
    try {
      result = route.handle(req, res, new Info(url, q, req, client, param));
    } catch (e) {
      this.fail(res, e, route.errorStyle, path);
      return;
    }
    if (result !== undefined) {
      // In flight until the handler settles (shutdown waits for these).
      this.inFlight++;
      result.then(this.settled, (e: unknown) => {
        this.settled();
        this.fail(res, e, route.errorStyle, path);
      });
    }
  }

  private readonly settled = (): void => {
    this.inFlight--;
  };

  private fail(res: ServerResponse, e: unknown, style: ErrorStyle, path: string): void {
    if (e instanceof HttpError) {
      // Answer before the rest of an oversized body arrives, then drop the connection.
      if (e.status === 413) res.setHeader('connection', 'close');
      sendError(res, e, style);
      return;
    }
    this.hooks.logger.error({ err: e, path }, 'request failed');
    sendError(res, new HttpError(500, 'internal', `internal error: ${(e as Error)?.message ?? String(e)}`), style);
  }

  /** Stops accepting, lets in-flight requests finish (up to timeoutMs), then closes every connection. */
  async close(timeoutMs: number): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeIdleConnections();
    const deadline = Date.now() + timeoutMs;
    while (this.inFlight > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    this.server.closeAllConnections();
    await closed;
  }
}
