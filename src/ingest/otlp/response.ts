// OTLP/HTTP answers, in the encoding of the request (protobuf or JSON): ExportMetricsServiceResponse
// (with partial_success when points were refused) for 200, google.rpc.Status for errors.
import type { ServerResponse } from 'node:http';
import type { HttpError } from '../../api/index.js';

export type Encoding = 'protobuf' | 'json';

const CONTENT_TYPE: Record<Encoding, string> = { protobuf: 'application/x-protobuf', json: 'application/json' };

/** The request's encoding by its Content-Type (protobuf when it names neither, e.g. for a 415). */
export function encodingOf(contentType: string | undefined): Encoding | null {
  const mime = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (mime === 'application/x-protobuf' || mime === 'application/protobuf') return 'protobuf';
  if (mime === 'application/json') return 'json';
  return null;
}

function varint(out: number[], v: number): void {
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
}

function lengthDelimited(out: number[], field: number, bytes: ArrayLike<number>): void {
  varint(out, (field << 3) | 2);
  varint(out, bytes.length);
  for (let i = 0; i < bytes.length; i++) out.push(bytes[i]!);
}

/** ExportMetricsServiceResponse; partial_success only when something was refused or said. */
export function exportResponse(enc: Encoding, rejected: number, message: string): Buffer {
  if (enc === 'json') {
    const doc = rejected > 0 || message !== '' ? { partialSuccess: { rejectedDataPoints: String(rejected), errorMessage: message } } : {};
    return Buffer.from(JSON.stringify(doc));
  }
  if (rejected === 0 && message === '') return Buffer.alloc(0);
  const partial: number[] = [];
  if (rejected > 0) {
    varint(partial, (1 << 3) | 0);
    varint(partial, rejected);
  }
  if (message !== '') lengthDelimited(partial, 2, Buffer.from(message, 'utf8'));
  const out: number[] = [];
  lengthDelimited(out, 1, partial);
  return Buffer.from(out);
}

/** google.rpc.Code for an HTTP status. */
function rpcCode(status: number): number {
  if (status === 429) return 8; // RESOURCE_EXHAUSTED
  if (status === 503) return 14; // UNAVAILABLE
  if (status >= 500) return 13; // INTERNAL
  if (status === 413) return 8;
  return 3; // INVALID_ARGUMENT
}

/** google.rpc.Status for an error answer. */
export function statusBody(enc: Encoding, status: number, message: string): Buffer {
  const code = rpcCode(status);
  if (enc === 'json') return Buffer.from(JSON.stringify({ code, message }));
  const out: number[] = [];
  varint(out, (1 << 3) | 0);
  varint(out, code);
  lengthDelimited(out, 2, Buffer.from(message, 'utf8'));
  return Buffer.from(out);
}

/** Sends a body with its content type and length. */
export function send(res: ServerResponse, status: number, enc: Encoding, body: Buffer, headers?: Readonly<Record<string, string>>): void {
  res.writeHead(status, { 'content-type': CONTENT_TYPE[enc], 'content-length': body.length, ...headers });
  res.end(body);
}

/** The route's error writer: a Status in the request's encoding, with the error's headers (Retry-After). */
export function sendStatus(res: ServerResponse, err: HttpError): void {
  const enc = encodingOf(res.req?.headers['content-type']) ?? 'json';
  send(res, err.status, enc, statusBody(enc, err.status, err.message), err.headers);
}
