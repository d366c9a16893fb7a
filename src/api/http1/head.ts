// Parses an HTTP/1.x request head (request line and header fields, RFC 9112 sections 3 and 5)
// from the bytes before the blank line. Strict where leniency lets one request be read as two
// (request smuggling): Transfer-Encoding together with Content-Length, differing or malformed
// Content-Length values, codings other than `chunked`, whitespace before a colon, obs-fold lines
// and control bytes in values are refused; the connection is then closed after the error answer.

/** The parts of a request head the connection and the handlers need. */
export interface RequestHead {
  readonly method: string;
  /** The request target as sent (origin form `/path?query` in practice). */
  readonly url: string;
  /** 0 for HTTP/1.0, 1 for HTTP/1.1. */
  readonly minor: 0 | 1;
  /** Field names as sent and their values, alternating, as IncomingMessage.rawHeaders. */
  readonly rawHeaders: string[];
  /** Declared body length, or -1 without Content-Length. */
  readonly contentLength: number;
  readonly chunked: boolean;
  /** The connection stays open after this exchange (HTTP/1.1 without `close`, 1.0 with `keep-alive`). */
  readonly keepAlive: boolean;
  /** `Expect: 100-continue` was sent. */
  readonly expectContinue: boolean;
}

/** Why a head was refused: the status to answer with (the connection is closed after it). */
export class HeadError extends Error {
  constructor(
    readonly status: 400 | 417 | 431 | 501 | 505,
    message: string,
  ) {
    super(message);
  }
}

/** tchar (RFC 9110 section 5.6.2) by character code. */
const TCHAR = new Uint8Array(128);
for (const c of "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz") TCHAR[c.charCodeAt(0)] = 1;

/** `text[from, to)` is a non-empty token. A loop over a table: a regex per header cost more. */
export function isToken(text: string, from: number, to: number): boolean {
  if (from >= to) return false;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c >= 128 || TCHAR[c] === 0) return false;
  }
  return true;
}

/** Field values: visible ASCII, obs-text (bytes 0x80-0xff, read as latin1), space and tab. */
function badValue(text: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if ((c < 0x20 && c !== 0x09) || c === 0x7f) return true;
  }
  return false;
}
// A request target: no whitespace or control bytes (RFC 9112 section 3.2).
const BAD_TARGET = /[\x00-\x20\x7f]/;

/**
 * Parses `buf[start, end)`, the head without its final CRLF CRLF. Header bytes are read as
 * latin1, as Node does, so values with bytes above 0x7f arrive as one character per byte.
 */
export function parseHead(buf: Buffer, start: number, end: number): RequestHead {
  const text = buf.toString('latin1', start, end);
  let eol = text.indexOf('\r\n');
  if (eol < 0) eol = text.length;
  const line = text.slice(0, eol);
  const sp1 = line.indexOf(' ');
  const sp2 = line.lastIndexOf(' ');
  if (sp1 <= 0 || sp2 === sp1) throw new HeadError(400, 'malformed request line');
  const method = line.slice(0, sp1);
  const url = line.slice(sp1 + 1, sp2);
  const version = line.slice(sp2 + 1);
  if (!isToken(method, 0, method.length)) throw new HeadError(400, 'malformed request method');
  if (url.length === 0 || BAD_TARGET.test(url)) throw new HeadError(400, 'malformed request target');
  let minor: 0 | 1;
  if (version === 'HTTP/1.1') minor = 1;
  else if (version === 'HTTP/1.0') minor = 0;
  else if (/^HTTP\/\d\.\d$/.test(version)) throw new HeadError(505, `HTTP version ${version.slice(5)} is not supported; use 1.1 or 1.0`);
  else throw new HeadError(400, 'malformed HTTP version');

  const rawHeaders: string[] = [];
  let contentLength = -1;
  let chunked = false;
  let sawTransferEncoding = false;
  let connection = '';
  let expectContinue = false;
  let hosts = 0;
  let pos = eol + 2;
  while (pos < text.length) {
    let next = text.indexOf('\r\n', pos);
    if (next < 0) next = text.length;
    const colon = text.indexOf(':', pos);
    if (colon < 0 || colon >= next) {
      const c = text.charCodeAt(pos);
      throw new HeadError(400, c === 0x20 || c === 0x09 ? 'obsolete line folding is not accepted' : 'header line without a colon');
    }
    if (!isToken(text, pos, colon)) throw new HeadError(400, 'malformed header name');
    const name = text.slice(pos, colon);
    let vs = colon + 1;
    let ve = next;
    while (vs < ve && (text.charCodeAt(vs) === 0x20 || text.charCodeAt(vs) === 0x09)) vs++;
    while (ve > vs && (text.charCodeAt(ve - 1) === 0x20 || text.charCodeAt(ve - 1) === 0x09)) ve--;
    if (badValue(text, vs, ve)) throw new HeadError(400, `control character in the value of header ${name}`);
    const value = text.slice(vs, ve);
    rawHeaders.push(name, value);
    switch (name.length) {
      case 14:
        if (name.toLowerCase() === 'content-length') {
          if (!/^\d{1,15}$/.test(value)) throw new HeadError(400, 'malformed Content-Length');
          const n = Number(value);
          if (contentLength >= 0 && n !== contentLength) throw new HeadError(400, 'differing Content-Length values');
          contentLength = n;
        }
        break;
      case 17:
        if (name.toLowerCase() === 'transfer-encoding') {
          sawTransferEncoding = true;
          // Only `chunked`, once: any other coding would have to be undone before chunked framing.
          if (chunked || value.toLowerCase() !== 'chunked') {
            throw new HeadError(501, `Transfer-Encoding ${JSON.stringify(value)} is not supported; use chunked or Content-Length`);
          }
          chunked = true;
        }
        break;
      case 10:
        if (name.toLowerCase() === 'connection') connection = connection === '' ? value.toLowerCase() : `${connection}, ${value.toLowerCase()}`;
        break;
      case 4:
        if (name.toLowerCase() === 'host') hosts++;
        break;
      case 6:
        if (name.toLowerCase() === 'expect') {
          if (value.toLowerCase() !== '100-continue') throw new HeadError(417, `Expect ${JSON.stringify(value)} is not supported`);
          expectContinue = true;
        }
        break;
    }
    pos = next + 2;
  }
  if (sawTransferEncoding && contentLength >= 0) throw new HeadError(400, 'both Transfer-Encoding and Content-Length');
  if (sawTransferEncoding && minor === 0) throw new HeadError(400, 'Transfer-Encoding in an HTTP/1.0 request');
  // RFC 9112 section 3.2, as node:http's requireHostHeader: one Host in 1.1, at most one in 1.0.
  if (hosts > 1) throw new HeadError(400, 'more than one Host header');
  if (hosts === 0 && minor === 1) throw new HeadError(400, 'HTTP/1.1 request without a Host header');
  const keepAlive = minor === 1 ? !hasToken(connection, 'close') : hasToken(connection, 'keep-alive');
  return { method, url, minor, rawHeaders, contentLength, chunked, keepAlive, expectContinue };
}

/** Whether a comma-separated list (already lower case) holds `token`. */
function hasToken(list: string, token: string): boolean {
  if (list === '') return false;
  if (list === token) return true;
  for (const part of list.split(',')) if (part.trim() === token) return true;
  return false;
}
