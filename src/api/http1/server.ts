// A hand-written HTTP/1.1 server on node:net, used for the API instead of node:http.
//
// Why by hand: on this project's 2-core target a bare node:http server answering the seed's
// 3-sample POST tops out near 20,000 requests/s, while the same loop over a raw socket reaches
// ~44,000-47,000 (bench/net-ceiling.ts timed with ../shared/peer-bench/w1-seed.mjs, see docs/status.md).
// Most of node:http's cost per request is JavaScript around its C parser (IncomingMessage and
// ServerResponse as full streams, header objects, per-request timers), and no maintained npm
// package offers a faster HTTP/1.1 server on Node 20 without a native addon from outside the
// registry. This one implements what the API needs: persistent connections, pipelining (answers
// in order), Content-Length and chunked bodies, Expect: 100-continue, HEAD, bounded heads
// (431), strict framing against request smuggling, and idle, head and body timeouts.
import { Server, type Socket } from 'node:net';
import { Counter, Gauge } from 'prom-client';
import { Connection, type ConnectionOwner, type Http1Handler } from './connection.js';

const servers = new Set<Http1Server>();
new Gauge({
  name: 'metricstream_http_open_connections',
  help: 'Client connections open to the HTTP API',
  collect() {
    let n = 0;
    for (const s of servers) n += s.openConnections;
    this.set(n);
  },
});
const cutOff = new Counter({
  name: 'metricstream_http_connections_timed_out_total',
  help: 'Connections closed because a head, a body or the wait for the next request took too long',
  labelNames: ['phase'],
});

export interface Http1Options {
  /** Idle time after which a connection without a running request is closed. */
  readonly keepAliveTimeout: number;
  /** Longest time to receive a request head. */
  readonly headersTimeout: number;
  /** Longest time to receive a request body. */
  readonly requestTimeout: number;
}

export class Http1Server extends Server implements ConnectionOwner {
  closing = false;
  private readonly open = new Set<Connection>();
  private sweeper: NodeJS.Timeout | null = null;

  constructor(
    readonly handler: Http1Handler,
    private readonly options: Http1Options,
  ) {
    // Half-open allowed: a client that shuts down its sending side after a request (HTTP/1.0
    // tools, `nc -q`) still gets the answer; the connection ends once it is written.
    super({ noDelay: true, allowHalfOpen: true });
    this.on('connection', (socket: Socket) => this.accept(socket));
    this.on('listening', () => {
      servers.add(this);
      // Heads and bodies that take too long are cut off by a sweep, not a timer per request.
      this.sweeper ??= setInterval(() => this.sweep(), Math.min(5_000, options.headersTimeout)).unref();
    });
  }

  removed(conn: Connection): void {
    this.open.delete(conn);
  }

  get openConnections(): number {
    return this.open.size;
  }

  override close(callback?: (err?: Error) => void): this {
    this.closing = true;
    servers.delete(this);
    if (this.sweeper !== null) clearInterval(this.sweeper);
    this.sweeper = null;
    return super.close(callback);
  }

  /** Closes connections with no request in progress. */
  closeIdleConnections(): void {
    for (const c of this.open) if (c.idle) c.destroy();
  }

  closeAllConnections(): void {
    for (const c of this.open) c.destroy();
  }

  private accept(socket: Socket): void {
    if (this.closing) {
      socket.destroy();
      return;
    }
    const conn = new Connection(socket, this);
    this.open.add(conn);
    socket.setTimeout(this.options.keepAliveTimeout, () => {
      // Quiet while a handler works on a complete request is expected (a long query).
      if (conn.busy) return;
      cutOff.inc({ phase: conn.idle ? 'idle' : conn.bodySince > 0 ? 'body' : 'head' });
      conn.destroy();
    });
  }

  private sweep(): void {
    const now = Date.now();
    const { headersTimeout, requestTimeout } = this.options;
    for (const c of this.open) {
      if (c.headSince > 0 && now - c.headSince > headersTimeout) {
        cutOff.inc({ phase: 'head' });
        c.destroy();
      } else if (c.bodySince > 0 && now - c.bodySince > requestTimeout) {
        cutOff.inc({ phase: 'body' });
        c.destroy();
      }
    }
  }
}
