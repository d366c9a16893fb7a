// How the load loop puts requests on the wire: the hand-written HTTP/1.1 connection for
// http:// targets (cheapest per request, see http1-connection.ts), or undici's Pool (https://,
// or --http-client undici). Both keep one request in flight per lane.
import { Pool } from 'undici';
import { Http1Connection, lengthLine, requestHead, type Answer } from './http1-connection.js';

export interface Transport {
  /** Sends `body` on lane `lane` as client id `client`; the text is kept for non-2xx when `keepText`. */
  send(lane: number, client: number, body: Buffer, keepText: boolean): Promise<Answer>;
  /** Opens every lane's connection before the clock starts (wrk connects first too). */
  connect(): Promise<void>;
  close(): Promise<void>;
}

export const HTTP_CLIENTS = ['raw', 'undici'] as const;
export type HttpClientName = (typeof HTTP_CLIENTS)[number];

/** Builds the transport for `lanes` lanes; `headers[client]` are flat name/value lists. */
export function createTransport(kind: HttpClientName, target: URL, path: string, lanes: number, headers: readonly string[][]): Transport {
  if (kind === 'raw' && target.protocol === 'http:') return rawTransport(target, path, lanes, headers);
  return undiciTransport(target, path, lanes, headers);
}

function rawTransport(target: URL, path: string, lanes: number, headers: readonly string[][]): Transport {
  const host = target.hostname.replace(/^\[|\]$/g, '');
  const port = Number(target.port || 80);
  const conns = Array.from({ length: lanes }, () => new Http1Connection(host, port));
  const heads = headers.map((h) => requestHead(target.host, path, h));
  const lengths = new Map<number, Buffer>();
  return {
    send(lane, client, body, keepText) {
      let len = lengths.get(body.length);
      if (len === undefined) lengths.set(body.length, (len = lengthLine(body.length)));
      return conns[lane]!.send(heads[client]!, len, body, keepText);
    },
    async connect() {
      await Promise.all(conns.map((c) => c.connect()));
    },
    async close() {
      for (const c of conns) c.close();
    },
  };
}

function undiciTransport(target: URL, path: string, lanes: number, headers: readonly string[][]): Transport {
  const pool = new Pool(target.origin, { connections: lanes, pipelining: 1, keepAliveTimeout: 60_000, keepAliveMaxTimeout: 600_000 });
  return {
    // Low-level dispatch: no response stream or body object per request.
    send(_lane, client, body, keepText) {
      return new Promise((resolve, reject) => {
        let status = 0;
        let text = '';
        pool.dispatch(
          { path, method: 'POST', headers: headers[client]!, body },
          {
            onConnect() {},
            onError: reject,
            onHeaders(statusCode) {
              status = statusCode;
              return true;
            },
            onData(chunk) {
              if (keepText && (status < 200 || status >= 300) && text.length < 300) text += chunk.toString();
              return true;
            },
            onComplete() {
              resolve({ status, text });
            },
          },
        );
      });
    },
    // undici's pool opens its connections as requests need them.
    async connect() {},
    close: () => pool.close(),
  };
}
