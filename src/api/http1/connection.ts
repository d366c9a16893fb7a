// One client connection: reads request heads and bodies off the socket, one exchange at a time
// (pipelined requests wait in the buffer until the answer before them is complete, so answers
// leave in order), hands each request to the server's handler, and keeps the connection open
// for the next one unless either side asked to close.
import type { Socket } from 'node:net';
import { STATUS_CODES } from 'node:http';
import { ChunkedDecoder, ChunkedError } from './chunked.js';
import { HeadError, parseHead, type RequestHead } from './head.js';
import { Http1Request, type BodySource } from './request.js';
import { Http1Response, type ResponseSink } from './response.js';

/** Largest request head (request line and header fields), as Node's default --max-http-header-size. */
export const MAX_HEAD_BYTES = 16 * 1024;
/** Unread body left when the answer is complete: up to this much is read and dropped to keep the connection, more closes it. */
const MAX_DISCARD = 256 * 1024;
/** Pipelined bytes buffered behind an exchange before reading pauses. */
const MAX_PIPELINED = 64 * 1024;

const CRLFCRLF = Buffer.from('\r\n\r\n');
const HEAD_TOO_LARGE = `request head is larger than the limit of ${MAX_HEAD_BYTES} bytes`;

export type Http1Handler = (req: Http1Request, res: Http1Response) => void;

/** What a connection needs from its server. */
export interface ConnectionOwner {
  readonly handler: Http1Handler;
  readonly closing: boolean;
  removed(conn: Connection): void;
}

export class Connection implements BodySource, ResponseSink {
  /** Unparsed bytes: a head being received, or pipelined requests. */
  private buf: Buffer | null = null;
  /** Bytes of `buf` already searched for the end of the head. */
  private scanned = 0;
  private req: Http1Request | null = null;
  private res: Http1Response | null = null;
  private bodyLeft = 0;
  private chunked: ChunkedDecoder | null = null;
  private bodyDone = true;
  private answered = true;
  private closeAfter = false;
  /** Body bytes arriving after the answer are dropped. */
  private discarding = false;
  private discarded = 0;
  private paused = false;
  private parsing = false;
  /** Answers wait in the socket for a client that is not reading them: no more requests until 'drain'. */
  private awaitingDrain = false;
  /** The client ended its side of the connection. */
  private peerEnded = false;
  private closed = false;
  /** When the current head started to arrive (0: not receiving one), for the head timeout. */
  headSince = 0;
  /** When the current request's head was complete, for the request timeout. */
  private requestSince = 0;

  constructor(
    readonly socket: Socket,
    private readonly owner: ConnectionOwner,
  ) {
    socket.on('data', this.onData);
    socket.on('drain', this.onDrain);
    socket.on('close', this.onClose);
    socket.on('end', this.onEnd);
    socket.on('error', () => {}); // a reset connection: 'close' follows
  }

  get closing(): boolean {
    return this.owner.closing;
  }

  /** No exchange in progress and no request partly received. */
  get idle(): boolean {
    return this.req === null && this.buf === null;
  }

  /** Since when the body of the current request is being received (0: not receiving one). */
  get bodySince(): number {
    return this.req !== null && !this.bodyDone ? this.requestSince : 0;
  }

  /**
   * A handler is working on a request and the socket being quiet is expected: the body is
   * complete, or reading is paused because the handler has not taken what arrived (the body's
   * own deadline, the request timeout, still applies).
   */
  get busy(): boolean {
    return this.req !== null && !this.answered && (this.bodyDone || this.paused);
  }

  // ResponseSink

  write(data: string | Uint8Array): boolean {
    if (this.closed) return false;
    return this.socket.write(data);
  }

  cork(): void {
    this.socket.cork();
  }

  uncork(): void {
    this.socket.uncork();
  }

  responded(close: boolean): void {
    this.answered = true;
    if (close) this.closeAfter = true;
    if (!this.bodyDone) {
      // The handler answered without reading the whole body (an error, a 429): drop the rest if
      // it is small, else close rather than read it.
      const left = this.chunked !== null ? MAX_DISCARD : this.bodyLeft;
      if (this.closeAfter || left > MAX_DISCARD) {
        this.endSocket();
        return;
      }
      this.discarding = true;
      this.resumeBody();
      return;
    }
    this.exchangeDone();
  }

  /** Closes the connection now (an answer given up, server shutdown, timeouts). */
  destroy(): void {
    this.socket.destroy();
  }

  // BodySource

  resumeBody(): void {
    if (this.paused && !this.closed) {
      this.paused = false;
      this.socket.resume();
    }
  }

  private readonly onData = (chunk: Buffer): void => {
    if (this.req !== null && !this.bodyDone) {
      const at = this.feedBody(chunk);
      if (at < chunk.length && !this.closeAfter) {
        this.buffer(chunk.subarray(at));
        if (this.req === null) this.parse();
      }
      return;
    }
    this.buffer(chunk);
    if (this.req === null) this.parse();
    else if (this.buf !== null && this.buf.length > MAX_PIPELINED) this.pause();
  };

  private readonly onDrain = (): void => {
    if (this.awaitingDrain) {
      this.awaitingDrain = false;
      this.exchangeDone();
      return;
    }
    this.res?.emit('drain');
  };

  /** The client sent everything it will send: answer what is buffered, then end. */
  private readonly onEnd = (): void => {
    this.peerEnded = true;
    if (this.req !== null && !this.bodyDone) {
      // The body can never be complete: fail it (onClose) rather than wait for the body timeout.
      this.socket.destroy();
      return;
    }
    if (this.req === null) this.parse();
    if (this.req === null && !this.awaitingDrain) this.endSocket();
  };

  private readonly onClose = (): void => {
    this.closed = true;
    const req = this.req;
    const res = this.res;
    this.req = null;
    this.res = null;
    this.buf = null;
    if (req !== null && !this.bodyDone) req.destroy(Object.assign(new Error('aborted'), { code: 'ECONNRESET' }));
    res?.gone();
    this.owner.removed(this);
  };

  private buffer(chunk: Buffer): void {
    if (this.buf === null) {
      this.buf = chunk;
      this.scanned = 0;
      if (this.req === null) this.headSince = Date.now();
    } else this.buf = Buffer.concat([this.buf, chunk]);
  }

  private pause(): void {
    if (!this.paused) {
      this.paused = true;
      this.socket.pause();
    }
  }

  /** Starts exchanges for complete heads in the buffer, one at a time. */
  private parse(): void {
    if (this.parsing) return; // the loop below continues once the running exchange is done
    this.parsing = true;
    try {
      while (this.req === null && this.buf !== null && !this.closed && !this.awaitingDrain) {
        let buf = this.buf;
        // Empty lines before a request line are ignored (RFC 9112 section 2.2).
        let s = 0;
        while (s + 1 < buf.length && buf[s] === 0x0d && buf[s + 1] === 0x0a) s += 2;
        if (s > 0) {
          this.scanned = 0;
          if (s === buf.length) {
            this.buf = null;
            break;
          }
          buf = this.buf = buf.subarray(s);
        }
        const end = buf.indexOf(CRLFCRLF, Math.max(0, this.scanned - 3));
        if (end < 0) {
          this.scanned = buf.length;
          if (buf.length > MAX_HEAD_BYTES) this.refuse(431, HEAD_TOO_LARGE);
          else if (buf.indexOf('\n\n') >= 0 || buf.indexOf('\n\r\n') >= 0) this.refuse(400, 'header lines must end in CRLF');
          break;
        }
        if (end > MAX_HEAD_BYTES) {
          this.refuse(431, HEAD_TOO_LARGE);
          break;
        }
        let head: RequestHead;
        try {
          head = parseHead(buf, 0, end);
        } catch (e) {
          if (!(e instanceof HeadError)) throw e;
          this.refuse(e.status, e.message);
          break;
        }
        const rest = end + 4;
        this.buf = rest < buf.length ? buf.subarray(rest) : null;
        this.scanned = 0;
        this.headSince = 0;
        this.start(head);
      }
    } finally {
      this.parsing = false;
    }
  }

  private start(head: RequestHead): void {
    const req = new Http1Request(head, this.socket, this);
    const res = new Http1Response(req, this, head.keepAlive, head.method === 'HEAD');
    this.req = req;
    this.res = res;
    this.answered = false;
    this.requestSince = Date.now();
    this.discarding = false;
    this.discarded = 0;
    this.chunked = head.chunked ? new ChunkedDecoder() : null;
    this.bodyLeft = head.chunked ? 0 : Math.max(0, head.contentLength);
    this.bodyDone = !head.chunked && this.bodyLeft === 0;
    if (this.bodyDone) req.finish();
    else {
      const pending = this.buf;
      this.buf = null;
      if (pending !== null) {
        const at = this.feedBody(pending);
        if (at < pending.length) this.buf = pending.subarray(at);
      }
      if (!this.bodyDone && head.expectContinue && head.minor === 1) this.socket.write('HTTP/1.1 100 Continue\r\n\r\n');
    }
    try {
      this.owner.handler(req, res);
    } catch (e) {
      if (res.headersSent) res.destroy();
      else this.answerThrown(res, e);
    }
  }

  /**
   * A 500 for a handler that threw before answering. The fields it had set are dropped: a
   * Content-Length of the answer it meant would misframe this one (the next answer on the
   * connection would be read as its body), and a bad value would throw here, out of 'data'.
   */
  private answerThrown(res: Http1Response, e: unknown): void {
    for (const name of Object.keys(res.getHeaders())) res.removeHeader(name);
    res.statusMessage = '';
    res.writeHead(500, { 'content-type': 'text/plain' });
    res.end(`internal error: ${(e as Error)?.message ?? String(e)}`);
  }

  /** Feeds body bytes from `chunk`; returns where the body ended (the rest is the next request). */
  private feedBody(chunk: Buffer): number {
    const req = this.req!;
    let end: number;
    if (this.chunked !== null) {
      try {
        end = this.chunked.feed(chunk, 0, chunk.length, this.deliver);
      } catch (e) {
        if (!(e instanceof ChunkedError)) throw e;
        this.bodyDone = true;
        req.destroy(Object.assign(new Error(`malformed chunked body: ${e.message}`), { code: 'HPE_INVALID_CHUNK_SIZE' }));
        if (this.answered || this.res!.headersSent) this.socket.destroy();
        else this.refuseInExchange(400, `malformed chunked body: ${e.message}`);
        return chunk.length;
      }
      if (this.chunked.done) this.bodyComplete();
      return end;
    }
    const n = Math.min(this.bodyLeft, chunk.length);
    if (n > 0) this.deliver(n === chunk.length ? chunk : chunk.subarray(0, n));
    this.bodyLeft -= n;
    if (this.bodyLeft === 0) this.bodyComplete();
    return n;
  }

  private readonly deliver = (data: Buffer): void => {
    if (this.discarding) {
      this.discarded += data.length;
      if (this.discarded > MAX_DISCARD) this.endSocket();
      return;
    }
    if (!this.req!.deliver(data)) this.pause();
  };

  private bodyComplete(): void {
    this.bodyDone = true;
    if (!this.discarding) this.req!.finish();
    if (this.answered) this.exchangeDone();
  }

  /** The answer is written and the body read: on to the next request, or close. */
  private exchangeDone(): void {
    this.req = null;
    this.res = null;
    this.chunked = null;
    if (this.closeAfter || this.owner.closing) {
      this.endSocket();
      return;
    }
    if (this.socket.writableNeedDrain) {
      // As node:http: a client pipelining requests without reading the answers would otherwise
      // have them all buffered here (1.8 MB of GETs made 100 MB of answers).
      this.awaitingDrain = true;
      this.pause();
      return;
    }
    if (this.peerEnded) {
      // Requests that came before the end are still answered, one at a time.
      if (this.buf !== null) this.parse();
      if (this.req === null && !this.awaitingDrain) this.endSocket();
      return;
    }
    this.resumeBody();
    if (this.buf !== null) {
      this.headSince = Date.now();
      this.parse();
    }
  }

  /** An error answer to a request that could not be read, then the connection is closed. */
  private refuse(status: number, message: string): void {
    const body = `${message}\n`;
    this.socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\nContent-Type: text/plain; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
    this.closeAfter = true;
    this.buf = null;
    this.pause();
  }

  /**
   * An error found in the body of a request whose handler has not answered yet. Answered on the
   * socket, not through the handler's response: the handler learns of the error from the body
   * stream and may answer it itself, which must not throw (head written twice) in its listener.
   */
  private refuseInExchange(status: number, message: string): void {
    this.res!.gone();
    this.answered = true;
    this.refuse(status, message);
  }

  private endSocket(): void {
    this.closeAfter = true;
    this.buf = null;
    this.pause();
    // Once ended, end() again would only build an error nobody sees (a Connection: close answer
    // ends the socket before the client's FIN arrives).
    if (!this.closed && !this.socket.writableEnded) this.socket.end();
  }
}
