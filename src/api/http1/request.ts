// A request as routes see it: the part of IncomingMessage this code base uses (method, url,
// rawHeaders/headers, socket, the body as a Readable: on/once/off, pipe/unpipe, resume/pause,
// destroy, async iteration). The Readable is made only when something reads the body as a
// stream: a body that arrived with its head is taken whole (`takeWholeBody`), which is how small
// ingest requests are read, and the stream machinery would be most of their cost.
import type { Socket } from 'node:net';
import { Readable } from 'node:stream';
import type { RequestHead } from './head.js';

/** Flow control towards the connection: reading resumes when the body's consumer wants more. */
export interface BodySource {
  resumeBody(): void;
}

/** Body bytes held before anything reads them, past which the connection stops reading. */
const HOLD_BYTES = 16 * 1024;

class BodyStream extends Readable {
  constructor(private readonly source: BodySource) {
    super();
  }

  override _read(): void {
    this.source.resumeBody();
  }
}

// As node:events types listeners: each event passes its own arguments.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Listener = (...args: any[]) => void;

export class Http1Request {
  readonly method: string;
  readonly url: string;
  readonly rawHeaders: string[];
  readonly httpVersion: string;
  readonly httpVersionMajor = 1;
  readonly httpVersionMinor: number;
  /** The whole body has been received. */
  complete = false;
  private headerObject: Record<string, string | string[]> | null = null;
  /** Body bytes received while no stream exists. */
  private held: Buffer[] | null = null;
  private heldBytes = 0;
  private stream: BodyStream | null = null;
  /** The body was taken whole. */
  private consumed = false;
  /** The body failed (client gone, bad framing) before a stream existed. */
  private failure: Error | null = null;

  constructor(
    head: RequestHead,
    readonly socket: Socket,
    private readonly source: BodySource,
  ) {
    this.method = head.method;
    this.url = head.url;
    this.rawHeaders = head.rawHeaders;
    this.httpVersionMinor = head.minor;
    this.httpVersion = head.minor === 1 ? '1.1' : '1.0';
  }

  /** Header values by lower-case name, joined as IncomingMessage.headers joins them. */
  get headers(): Record<string, string | string[]> {
    if (this.headerObject !== null) return this.headerObject;
    const h: Record<string, string | string[]> = {};
    const raw = this.rawHeaders;
    for (let i = 0; i < raw.length; i += 2) {
      const k = raw[i]!.toLowerCase();
      const v = raw[i + 1]!;
      const have = h[k];
      if (k === 'set-cookie') h[k] = have === undefined ? [v] : [...(have as string[]), v];
      else h[k] = have === undefined ? v : `${have as string}, ${v}`;
    }
    return (this.headerObject = h);
  }

  /** The whole body if it has been received and nothing has read it as a stream, else null. */
  takeWholeBody(): Buffer | null {
    if (!this.complete || this.stream !== null || this.consumed || this.failure !== null) return null;
    this.consumed = true;
    const held = this.held;
    this.held = null;
    if (held === null) return Buffer.alloc(0);
    return held.length === 1 ? held[0]! : Buffer.concat(held, this.heldBytes);
  }

  /** Body bytes from the connection; returns false when the reader is behind (pause the socket). */
  deliver(chunk: Buffer): boolean {
    if (this.stream === null) {
      (this.held ??= []).push(chunk);
      this.heldBytes += chunk.length;
      return this.heldBytes < HOLD_BYTES;
    }
    return this.stream.push(chunk);
  }

  /** The body is complete. */
  finish(): void {
    this.complete = true;
    this.stream?.push(null);
  }

  /** Ends the body stream with an error for whoever reads it (silently when no one listens, as IncomingMessage). */
  destroy(err?: Error): this {
    const s = this.stream;
    if (s === null) {
      this.failure = err ?? new Error('aborted');
      this.held = null;
    } else s.destroy(err !== undefined && s.listenerCount('error') > 0 ? err : undefined);
    return this;
  }

  // The Readable face, made on first use.

  on(event: string, fn: Listener): this {
    this.body().on(event, fn);
    return this;
  }

  once(event: string, fn: Listener): this {
    this.body().once(event, fn);
    return this;
  }

  off(event: string, fn: Listener): this {
    this.stream?.off(event, fn);
    return this;
  }

  removeListener(event: string, fn: Listener): this {
    return this.off(event, fn);
  }

  listenerCount(event: string): number {
    return this.stream?.listenerCount(event) ?? 0;
  }

  pipe<T extends NodeJS.WritableStream>(dest: T, opts?: { end?: boolean }): T {
    return this.body().pipe(dest, opts);
  }

  unpipe(dest?: NodeJS.WritableStream): this {
    this.stream?.unpipe(dest);
    return this;
  }

  resume(): this {
    this.body().resume();
    return this;
  }

  pause(): this {
    this.body().pause();
    return this;
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<Buffer> {
    return this.body()[Symbol.asyncIterator]() as AsyncIterableIterator<Buffer>;
  }

  private body(): BodyStream {
    if (this.stream !== null) return this.stream;
    const s = (this.stream = new BodyStream(this.source));
    const held = this.held;
    this.held = null;
    const failure = this.failure;
    if (failure !== null) {
      // Destroyed once the caller had the chance to listen for 'error'.
      process.nextTick(() => s.destroy(s.listenerCount('error') > 0 ? failure : undefined));
    } else if (this.consumed) s.push(null);
    else {
      if (held !== null) for (const c of held) s.push(c);
      if (this.complete) s.push(null);
    }
    return s;
  }
}
