// One scrape's HTTP request: content negotiation as Prometheus does it, redirects followed, gzip,
// a body size limit and a deadline covering connect, headers and body.
import { STATUS_CODES } from 'node:http';
import { createGunzip } from 'node:zlib';
import { Readable } from 'node:stream';
import { request, type Dispatcher } from 'undici';
import type { ExpositionFormat } from './parse-exposition.js';

/** Prometheus's Accept header: OpenMetrics first, then the text format, then anything. */
export const SCRAPE_ACCEPT =
  'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1';

/** Redirects followed before a scrape fails, as Go's HTTP client (Prometheus's follow_redirects: true). */
export const MAX_REDIRECTS = 10;

/** The hard cap on a response, whatever a job's body_size_limit says. */
export const MAX_SCRAPE_BODY = 256 * 1024 * 1024;

export interface FetchOptions {
  readonly dispatcher: Dispatcher;
  readonly timeoutMs: number;
  /** Largest uncompressed body in bytes. */
  readonly maxBytes: number;
  readonly userAgent: string;
}

export interface FetchedExposition {
  readonly text: string;
  readonly format: ExpositionFormat;
}

/** A scrape that failed; the message is what /api/v1/targets shows as lastError. */
export class ScrapeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ScrapeError';
  }
}

/** The parser for a response's Content-Type (the text format when absent or unknown, as Prometheus 2 does). */
export function formatOf(contentType: string | undefined): ExpositionFormat {
  return contentType !== undefined && contentType.toLowerCase().startsWith('application/openmetrics-text') ? 'openmetrics' : 'prometheus';
}

/** Drops a body not read to its end (undici reports that as an error no one should see). */
function discard(body: Readable): void {
  body.on('error', () => undefined);
  body.destroy();
}

/** GETs a target's exposition; throws ScrapeError on any failure. */
export async function fetchExposition(url: string, opts: FetchOptions): Promise<FetchedExposition> {
  const signal = AbortSignal.timeout(opts.timeoutMs);
  try {
    const res = await request(url, {
      method: 'GET',
      dispatcher: opts.dispatcher,
      maxRedirections: MAX_REDIRECTS,
      signal,
      headers: {
        accept: SCRAPE_ACCEPT,
        'accept-encoding': 'gzip',
        'user-agent': opts.userAgent,
        'x-prometheus-scrape-timeout-seconds': String(opts.timeoutMs / 1000),
      },
    });
    if (res.statusCode !== 200) {
      discard(res.body);
      // A redirect still standing here is the one past MAX_REDIRECTS.
      if (res.statusCode >= 300 && res.statusCode < 400 && res.headers.location !== undefined) {
        throw new ScrapeError(`Get "${url}": stopped after ${MAX_REDIRECTS} redirects`);
      }
      // Worded as Prometheus's lastError, with Go's resp.Status: "404 Not Found".
      throw new ScrapeError(`server returned HTTP status ${`${res.statusCode} ${STATUS_CODES[res.statusCode] ?? ''}`.trimEnd()}`);
    }
    const ct = res.headers['content-type'];
    const enc = res.headers['content-encoding'];
    const encoding = (Array.isArray(enc) ? enc[0] : enc)?.toLowerCase();
    let body: Readable = res.body;
    if (encoding === 'gzip') {
      const gunzip = createGunzip();
      // pipe() does not forward errors (an abort at the deadline): hand them to the reader.
      res.body.on('error', (e) => gunzip.destroy(e));
      body = res.body.pipe(gunzip);
    }
    else if (encoding !== undefined && encoding !== 'identity') {
      discard(res.body);
      throw new ScrapeError(`unsupported Content-Encoding ${JSON.stringify(encoding)}`);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    try {
      for await (const chunk of body) {
        size += (chunk as Buffer).length;
        if (size > opts.maxBytes) throw new ScrapeError(`body size limit exceeded: the response is larger than ${opts.maxBytes} bytes`);
        chunks.push(chunk as Buffer);
      }
    } finally {
      discard(res.body);
      if (body !== res.body) discard(body);
    }
    return { text: Buffer.concat(chunks, size).toString('utf8'), format: formatOf(Array.isArray(ct) ? ct[0] : ct) };
  } catch (e) {
    if (e instanceof ScrapeError) throw e;
    if (signal.aborted) throw new ScrapeError(`Get "${url}": context deadline exceeded (scrape timeout ${opts.timeoutMs / 1000}s)`);
    const err = e as NodeJS.ErrnoException;
    const cause = (err.cause as NodeJS.ErrnoException | undefined)?.message;
    throw new ScrapeError(`Get "${url}": ${err.code === 'Z_DATA_ERROR' ? `gzip: ${err.message}` : (cause ?? err.message)}`);
  }
}
