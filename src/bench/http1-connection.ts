// A minimal keep-alive HTTP/1.1 client connection for the load loop: one request at a time,
// request bytes built before the run, the answer parsed only as far as status and body framing.
// Written by hand because the generator shares two cores with the server it measures: undici's
// dispatch took 1.2-2.7x the client CPU per seed request of a bare socket client here (136-177 vs
// 62 µs in a quick check; 65 vs 56 and 108 vs 50 µs in bench/client-vs-wrk.sh, which runs both).
// undici stays in use for https:// targets and with --http-client undici.
import net from 'node:net';

export interface Answer {
  readonly status: number;
  /** The body as text when asked for (non-2xx answers), otherwise ''. */
  readonly text: string;
}

const CRLF2 = Buffer.from('\r\n\r\n');

/** A POST request's start line and headers, without content-length and the blank line (see lengthLine). */
export function requestHead(host: string, path: string, headers: readonly string[]): Buffer {
  let head = `POST ${path} HTTP/1.1\r\nhost: ${host}\r\n`;
  for (let i = 0; i + 1 < headers.length; i += 2) head += `${headers[i]}: ${headers[i + 1]}\r\n`;
  return Buffer.from(head, 'latin1');
}

/** The content-length header and the blank line that ends the head. */
export function lengthLine(bodyLength: number): Buffer {
  return Buffer.from(`content-length: ${bodyLength}\r\n\r\n`, 'latin1');
}

interface Pending {
  resolve(a: Answer): void;
  reject(e: Error): void;
  keepText: boolean;
}

/** Parses one HTTP/1.1 answer at the start of `buf`: its total length and status, or null if incomplete. */
export function parseAnswer(buf: Buffer): { length: number; status: number; bodyStart: number; bodyEnd: number; close: boolean } | null {
  const end = buf.indexOf(CRLF2);
  if (end < 0) return null;
  const head = buf.toString('latin1', 0, end);
  if (!head.startsWith('HTTP/1.')) throw new Error(`not an HTTP/1.x answer: ${JSON.stringify(head.slice(0, 40))}`);
  const status = Number(head.slice(9, 12));
  if (!Number.isInteger(status)) throw new Error(`bad status line: ${JSON.stringify(head.split('\r\n')[0])}`);
  const lower = head.toLowerCase();
  const close = /\r\nconnection: *close/.test(lower);
  const bodyStart = end + 4;
  if (status === 204 || status === 304 || status < 200) return { length: bodyStart, status, bodyStart, bodyEnd: bodyStart, close };
  const cl = /\r\ncontent-length: *(\d+)/.exec(lower);
  if (cl !== null) {
    const length = bodyStart + Number(cl[1]);
    return buf.length < length ? null : { length, status, bodyStart, bodyEnd: length, close };
  }
  if (/\r\ntransfer-encoding:[^\r]*chunked/.test(lower)) {
    // Walk the chunks: size line, data, CRLF; a zero size ends them, then trailers and a blank line.
    let pos = bodyStart;
    for (;;) {
      const eol = buf.indexOf('\r\n', pos, 'latin1');
      if (eol < 0) return null;
      const size = parseInt(buf.toString('latin1', pos, eol), 16);
      if (Number.isNaN(size)) throw new Error('bad chunk size in a chunked answer');
      if (size === 0) {
        const after = eol + 2;
        if (buf.length < after + 2) return null;
        let length: number;
        if (buf[after] === 13 && buf[after + 1] === 10) length = after + 2;
        else {
          const t = buf.indexOf(CRLF2, after);
          if (t < 0) return null;
          length = t + 4;
        }
        // The body text (for error messages) is kept with its chunk framing: good enough to read.
        return { length, status, bodyStart, bodyEnd: length, close };
      }
      pos = eol + 2 + size + 2;
      if (buf.length < pos) return null;
    }
  }
  // Neither length nor chunks: the body runs to the end of the connection (HTTP/1.0 style).
  return null;
}

/** One keep-alive connection; reconnects on the next request after the server closed it. */
export class Http1Connection {
  private socket: net.Socket | null = null;
  private ready: Promise<void> | null = null;
  private buf: Buffer = Buffer.alloc(0);
  private pending: Pending | null = null;

  constructor(
    private readonly host: string,
    private readonly port: number,
  ) {}

  /** Sends one request (head, length line, body) and resolves with its answer; one at a time. */
  async send(head: Buffer, length: Buffer, body: Buffer, keepText: boolean): Promise<Answer> {
    if (this.pending !== null) throw new Error('one request at a time on a connection');
    if (this.socket === null) this.open();
    await this.ready;
    return new Promise<Answer>((resolve, reject) => {
      this.pending = { resolve, reject, keepText };
      const s = this.socket!;
      s.cork();
      s.write(head);
      s.write(length);
      s.write(body);
      s.uncork();
    });
  }

  /** Opens the connection ahead of the first request; a failure is left for send to meet again. */
  async connect(): Promise<void> {
    if (this.socket === null) this.open();
    await this.ready!.catch(() => undefined);
  }

  close(): void {
    this.socket?.end();
    this.socket = null;
  }

  private open(): void {
    const s = net.connect(this.port, this.host);
    s.setNoDelay(true);
    this.socket = s;
    this.buf = Buffer.alloc(0);
    this.ready = new Promise<void>((resolve, reject) => {
      s.once('connect', resolve);
      s.once('error', reject);
    });
    this.ready.catch(() => undefined);
    s.on('data', (d: Buffer) => this.onData(d));
    s.on('error', (e) => this.fail(e));
    s.on('close', () => this.fail(new Error('the server closed the connection')));
  }

  private onData(d: Buffer): void {
    this.buf = this.buf.length === 0 ? d : Buffer.concat([this.buf, d]);
    const p = this.pending;
    if (p === null) return;
    let a;
    try {
      a = parseAnswer(this.buf);
    } catch (e) {
      this.fail(e as Error);
      return;
    }
    if (a === null) return;
    const text = p.keepText && (a.status < 200 || a.status >= 300) ? this.buf.toString('utf8', a.bodyStart, a.bodyEnd) : '';
    this.buf = this.buf.subarray(a.length);
    this.pending = null;
    if (a.close) this.drop();
    p.resolve({ status: a.status, text });
  }

  private fail(e: Error): void {
    this.drop();
    const p = this.pending;
    this.pending = null;
    p?.reject(e);
  }

  private drop(): void {
    if (this.socket === null) return;
    this.socket.removeAllListeners();
    this.socket.on('error', () => undefined);
    this.socket.destroy();
    this.socket = null;
  }
}
