// A request as routes see it: the part of IncomingMessage this code base uses (method, url,
// rawHeaders/headers, socket, the body as a Readable). A body that arrived with its head can be
// taken whole, without the stream machinery (`takeWholeBody`), which is how small ingest
// requests are read.
import type { Socket } from 'node:net';
import { Readable } from 'node:stream';
import type { RequestHead } from './head.js';

/** Flow control towards the connection: reading resumes when the body's consumer wants more. */
export interface BodySource {
  resumeBody(): void;
}

export class Http1Request extends Readable {
  readonly method: string;
  readonly url: string;
  readonly rawHeaders: string[];
  readonly httpVersion: string;
  readonly httpVersionMajor = 1;
  readonly httpVersionMinor: number;
  /** The whole body has been received. */
  complete = false;
  private headerObject: Record<string, string | string[]> | null = null;
  /** Body bytes received before anyone read the stream (taken whole or pushed on first read). */
  private held: Buffer[] | null = null;
  private heldBytes = 0;
  private flowing = false;

  constructor(
    head: RequestHead,
    readonly socket: Socket,
    private readonly source: BodySource,
  ) {
    super();
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

  /**
   * The whole body if it has been received and nothing has read the stream yet, else null.
   * The stream then ends empty.
   */
  takeWholeBody(): Buffer | null {
    if (!this.complete || this.flowing) return null;
    const held = this.held;
    this.held = null;
    this.flowing = true;
    this.push(null);
    if (held === null) return Buffer.alloc(0);
    return held.length === 1 ? held[0]! : Buffer.concat(held, this.heldBytes);
  }

  /** Body bytes from the connection; returns false when the reader is behind (pause the socket). */
  deliver(chunk: Buffer): boolean {
    if (!this.flowing) {
      (this.held ??= []).push(chunk);
      this.heldBytes += chunk.length;
      return this.heldBytes < this.readableHighWaterMark;
    }
    return this.push(chunk);
  }

  /** The body is complete. */
  finish(): void {
    this.complete = true;
    if (this.flowing) this.push(null);
  }

  override _read(): void {
    if (!this.flowing) {
      this.flowing = true;
      const held = this.held;
      this.held = null;
      if (held !== null) for (const c of held) this.push(c);
      if (this.complete) {
        this.push(null);
        return;
      }
    }
    this.source.resumeBody();
  }
}
