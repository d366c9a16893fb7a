// An answer as routes write it: the part of ServerResponse this code base uses (statusCode,
// setHeader/getHeader, writeHead, write with 'drain', end, destroy, 'finish'/'close'). The head
// and a body given to end() leave in one socket write; bodies written in pieces are framed with
// chunked transfer coding (HTTP/1.1) or delimited by closing the connection (HTTP/1.0).
import { EventEmitter } from 'node:events';
import { STATUS_CODES, type OutgoingHttpHeaders } from 'node:http';
import { isToken } from './head.js';
import type { Http1Request } from './request.js';

/** What a response writes to and tells: the connection. */
export interface ResponseSink {
  write(data: string | Uint8Array): boolean;
  cork(): void;
  uncork(): void;
  /** The answer is complete; `close`: end the connection after it. */
  responded(close: boolean): void;
  destroy(): void;
  /** The server is shutting down: answers say `Connection: close`. */
  readonly closing: boolean;
}

type HeaderValue = string | number | readonly string[];

let dateText = '';
let dateSecond = 0;
/** The Date field, formatted once per second. */
function httpDate(): string {
  const now = Date.now();
  const s = Math.floor(now / 1000);
  if (s !== dateSecond) {
    dateSecond = s;
    dateText = new Date(now).toUTCString();
  }
  return dateText;
}

const NO_BODY = (status: number): boolean => status === 204 || status === 304 || (status >= 100 && status < 200);

function checkValue(name: string, v: string): void {
  if (v.includes('\r') || v.includes('\n')) throw new TypeError(`invalid character in the value of header ${name}`);
}

/**
 * Checked when set, as ServerResponse does, not when the head is written: a throw there would
 * leave the answer marked sent but unwritten (its connection hung, or a 500 that throws again).
 */
function checkField(name: string, value: HeaderValue): void {
  if (!isToken(name, 0, name.length)) throw new TypeError(`invalid header name ${JSON.stringify(name)}`);
  if (typeof value === 'string') checkValue(name, value);
  else if (typeof value === 'object') for (const x of value) checkValue(name, x);
}

export class Http1Response extends EventEmitter {
  statusCode = 200;
  statusMessage = '';
  headersSent = false;
  writableEnded = false;
  finished = false;
  destroyed = false;
  private readonly fields = new Map<string, { name: string; value: HeaderValue }>();
  /** Body framing once the head is sent. */
  private framing: 'length' | 'chunked' | 'close' | 'none' = 'length';
  private closeAfter: boolean;

  constructor(
    readonly req: Http1Request,
    private readonly sink: ResponseSink,
    keepAlive: boolean,
    private readonly isHead: boolean,
  ) {
    super();
    this.closeAfter = !keepAlive;
  }

  setHeader(name: string, value: HeaderValue): this {
    if (this.headersSent) throw new Error('cannot set headers after they are sent');
    checkField(name, value);
    this.fields.set(name.toLowerCase(), { name, value });
    return this;
  }

  getHeader(name: string): HeaderValue | undefined {
    return this.fields.get(name.toLowerCase())?.value;
  }

  hasHeader(name: string): boolean {
    return this.fields.has(name.toLowerCase());
  }

  removeHeader(name: string): void {
    this.fields.delete(name.toLowerCase());
  }

  getHeaders(): Record<string, HeaderValue> {
    const out: Record<string, HeaderValue> = {};
    for (const [k, f] of this.fields) out[k] = f.value;
    return out;
  }

  writeHead(status: number, a?: string | OutgoingHttpHeaders, b?: OutgoingHttpHeaders): this {
    if (this.headersSent) throw new Error('cannot write the head twice');
    if (typeof a === 'string') {
      checkValue('status message', a);
      this.statusMessage = a;
    }
    this.statusCode = status;
    const h = typeof a === 'object' ? a : b;
    if (h !== undefined) {
      for (const k in h) {
        const v = h[k];
        if (v !== undefined) this.setHeader(k, v);
      }
    }
    return this;
  }

  write(chunk: string | Uint8Array, encodingOrCb?: unknown, cb?: () => void): boolean {
    const done = typeof encodingOrCb === 'function' ? (encodingOrCb as () => void) : cb;
    if (this.writableEnded) throw new Error('write after end');
    if (this.destroyed) return false;
    let ok = true;
    if (!this.headersSent) {
      this.startStream();
      ok = this.sink.write(this.head());
    }
    if (chunk.length > 0 && this.framing !== 'none') {
      if (this.framing === 'chunked') {
        const n = typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
        this.sink.cork();
        this.sink.write(`${n.toString(16)}\r\n`);
        this.sink.write(chunk);
        ok = this.sink.write('\r\n');
        this.sink.uncork();
      } else ok = this.sink.write(chunk);
    }
    if (done !== undefined) queueMicrotask(done);
    return ok;
  }

  end(chunk?: string | Uint8Array | (() => void), encodingOrCb?: unknown, cb?: () => void): this {
    if (typeof chunk === 'function') {
      cb = chunk;
      chunk = undefined;
    }
    const done = typeof encodingOrCb === 'function' ? (encodingOrCb as () => void) : cb;
    if (this.writableEnded || this.destroyed) return this;
    // The last piece of a body written in pieces goes through write(), which refuses to write once ended.
    if (this.headersSent && chunk !== undefined && chunk.length > 0) this.write(chunk);
    this.writableEnded = true;
    if (!this.headersSent) {
      const body = chunk ?? '';
      if (NO_BODY(this.statusCode)) this.framing = 'none';
      else if (!this.fields.has('content-length') && !this.fields.has('transfer-encoding')) {
        this.fields.set('content-length', { name: 'Content-Length', value: typeof body === 'string' ? Buffer.byteLength(body) : body.length });
      }
      const head = this.head();
      if (this.framing === 'none' || this.isHead || body.length === 0) this.sink.write(head);
      else if (typeof body === 'string') this.sink.write(head + body);
      else {
        this.sink.cork();
        this.sink.write(head);
        this.sink.write(body);
        this.sink.uncork();
      }
    } else if (this.framing === 'chunked') this.sink.write('0\r\n\r\n');
    this.finished = true;
    this.sink.responded(this.closeAfter || this.framing === 'close');
    // 'finish' and 'close' follow in a microtask, only when someone listens (most answers have
    // no listener, and a microtask each is measurable); a listener added later in this turn
    // still gets them (see on(), which once() goes through).
    if (done !== undefined || this.listenerCount('finish') > 0 || this.listenerCount('close') > 0) this.emitEnded(done);
    return this;
  }

  /** 'finish' and 'close' are emitted (or scheduled) once. */
  private endedEmitted = false;

  private emitEnded(done?: () => void): void {
    if (this.endedEmitted) {
      if (done !== undefined) queueMicrotask(done);
      return;
    }
    this.endedEmitted = true;
    queueMicrotask(() => {
      this.emit('finish');
      this.emit('close');
      if (done !== undefined) done();
    });
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- as node:events types listeners
  override on(event: string | symbol, listener: (...args: any[]) => void): this {
    super.on(event, listener);
    if (this.finished && !this.endedEmitted && (event === 'finish' || event === 'close')) this.emitEnded();
    return this;
  }

  /** Ends the connection at once; after a complete answer there is nothing to abort. */
  destroy(): this {
    if (this.destroyed || this.finished) return this;
    this.destroyed = true;
    this.sink.destroy();
    return this;
  }

  /** The connection closed before the answer was complete. */
  gone(): void {
    if (this.writableEnded || this.destroyed) return;
    this.destroyed = true;
    queueMicrotask(() => this.emit('close'));
  }

  /** Framing for a body written in pieces. */
  private startStream(): void {
    if (NO_BODY(this.statusCode) || this.isHead) this.framing = 'none';
    else if (this.fields.has('content-length')) this.framing = 'length';
    else if (this.req.httpVersionMinor === 1) {
      this.framing = 'chunked';
      this.fields.set('transfer-encoding', { name: 'Transfer-Encoding', value: 'chunked' });
    } else this.framing = 'close';
  }

  /** The status line and header fields, marked sent. */
  private head(): string {
    this.headersSent = true;
    const status = this.statusCode;
    let s = `HTTP/1.1 ${status} ${this.statusMessage || STATUS_CODES[status] || 'Unknown'}\r\n`;
    for (const f of this.fields.values()) {
      const v = f.value;
      if (typeof v === 'object') {
        for (const x of v) s += `${f.name}: ${x}\r\n`;
      } else s += `${f.name}: ${v}\r\n`;
    }
    const conn = this.fields.get('connection');
    if (conn !== undefined && String(conn.value).toLowerCase() === 'close') this.closeAfter = true;
    if (this.sink.closing || this.framing === 'close') this.closeAfter = true;
    if (conn === undefined) {
      if (this.closeAfter) s += 'Connection: close\r\n';
      else if (this.req.httpVersionMinor === 0) s += 'Connection: keep-alive\r\n';
    }
    return `${s}Date: ${httpDate()}\r\n\r\n`;
  }
}
