// Reads request bodies with a size limit that applies to the bytes on the wire and to the
// decompressed bytes (gzip, deflate), so a small zip bomb cannot take the memory.
import type { IncomingMessage } from 'node:http';
import { createGunzip, createInflate, gunzip, inflate, type Gunzip, type Inflate } from 'node:zlib';
import { header } from './header.js';
import type { Http1Request } from './http1/request.js';
import { HttpError } from './http-error.js';

function tooLarge(limit: number): HttpError {
  return new HttpError(413, 'body_too_large', `request body is larger than the limit of ${limit} bytes`);
}

function encodingOf(req: IncomingMessage): 'identity' | 'gzip' | 'deflate' {
  const enc = (header(req, 'content-encoding') ?? 'identity').trim().toLowerCase();
  if (enc === 'identity' || enc === '') return 'identity';
  if (enc === 'gzip' || enc === 'x-gzip') return 'gzip';
  if (enc === 'deflate') return 'deflate';
  throw new HttpError(415, 'unsupported_encoding', `Content-Encoding ${JSON.stringify(enc)} is not supported; use gzip, deflate or none`);
}

function checkDeclaredLength(req: IncomingMessage, limit: number): void {
  const declared = header(req, 'content-length');
  if (declared !== undefined && Number(declared) > limit) throw tooLarge(limit);
}

/**
 * The raw body bytes, up to `limit`. Plain listeners rather than `for await`: on the seed's small
 * requests the async iterator machinery cost more than the rest of the read.
 */
function collect(req: IncomingMessage, limit: number): Promise<Buffer> {
  let whole: Buffer | null;
  try {
    whole = takeWhole(req, limit);
  } catch (e) {
    return Promise.reject(e);
  }
  if (whole !== null) return Promise.resolve(whole);
  return new Promise((resolve, reject) => {
    let first: Buffer | null = null;
    let chunks: Buffer[] | null = null;
    let size = 0;
    const onData = (c: Buffer): void => {
      size += c.length;
      if (size > limit) {
        req.off('data', onData);
        req.off('end', onEnd);
        // Keep reading (and dropping) so the answer can still be written on this connection.
        req.resume();
        reject(tooLarge(limit));
        return;
      }
      if (first === null) first = c;
      else (chunks ??= [first]).push(c);
    };
    const onEnd = (): void => {
      req.off('error', reject);
      resolve(chunks !== null ? Buffer.concat(chunks, size) : (first ?? Buffer.alloc(0)));
    };
    req.on('data', onData);
    req.once('end', onEnd);
    req.once('error', reject);
  });
}

/**
 * Reads the whole body as sent, whatever its Content-Encoding, up to `limit` bytes on the wire
 * (for protocols that carry their own compression, e.g. remote write's snappy); throws HttpError 413.
 */
export async function readRawBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  checkDeclaredLength(req, limit);
  return collect(req, limit);
}

/**
 * The whole body if it can be had without waiting: sent without Content-Encoding and already
 * received with its head (the builtin server's small requests); null otherwise (use readBody).
 * Throws HttpError 413/415 as readBody does.
 */
export function readBodyNow(req: IncomingMessage, limit: number): Buffer | null {
  if (encodingOf(req) !== 'identity') return null;
  return readRawBodyNow(req, limit);
}

/** readRawBody's answer if it can be had without waiting (see readBodyNow), else null. */
export function readRawBodyNow(req: IncomingMessage, limit: number): Buffer | null {
  checkDeclaredLength(req, limit);
  return takeWhole(req, limit);
}

/** The body the builtin HTTP server received with its head, in one piece (null: read the stream); 413 past `limit`. */
function takeWhole(req: IncomingMessage, limit: number): Buffer | null {
  const whole = (req as unknown as Partial<Pick<Http1Request, 'takeWholeBody'>>).takeWholeBody?.() ?? null;
  if (whole !== null && whole.length > limit) throw tooLarge(limit);
  return whole;
}

/** Reads the whole body (decompressed); throws HttpError 413/415/400. */
export async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const encoding = encodingOf(req);
  checkDeclaredLength(req, limit);
  const raw = await collect(req, limit);
  if (encoding === 'identity') return raw;
  const fn = encoding === 'gzip' ? gunzip : inflate;
  return new Promise((resolve, reject) => {
    fn(raw, { maxOutputLength: limit }, (err, out) => {
      if (err === null) return resolve(out);
      if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') return reject(tooLarge(limit));
      reject(new HttpError(400, 'bad_encoding', `request body is not valid ${encoding} data: ${err.message}`));
    });
  });
}

/** Streams the body (decompressed) in chunks; the same limits apply while it flows. */
export async function* streamBody(req: IncomingMessage, limit: number): AsyncGenerator<Buffer> {
  const encoding = encodingOf(req);
  checkDeclaredLength(req, limit);
  if (encoding === 'identity') {
    let size = 0;
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > limit) throw tooLarge(limit);
      yield chunk;
    }
    return;
  }
  const z: Gunzip | Inflate = encoding === 'gzip' ? createGunzip() : createInflate();
  let wire = 0;
  let failed: HttpError | null = null;
  req.on('data', (c: Buffer) => {
    wire += c.length;
    if (wire > limit && failed === null) {
      failed = tooLarge(limit);
      z.destroy(failed);
    }
  });
  req.pipe(z);
  let size = 0;
  try {
    for await (const chunk of z as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > limit) throw tooLarge(limit);
      yield chunk;
    }
  } catch (e) {
    if (e instanceof HttpError) throw e;
    throw new HttpError(400, 'bad_encoding', `request body is not valid ${encoding} data: ${(e as Error).message}`);
  } finally {
    req.unpipe(z);
    z.destroy();
  }
}
