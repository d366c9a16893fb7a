// Writing answers: JSON bodies with their length, and the two error shapes (the seed's for
// POST /metrics, Prometheus's for /api/v1/*).
import type { ServerResponse } from 'node:http';
import { HttpError } from './http-error.js';

/**
 * How a route words its errors: the seed's shape, Prometheus's, or a protocol's own writer (e.g.
 * OTLP's google.rpc.Status in the request's encoding), which must send the answer.
 */
export type ErrorStyle = 'seed' | 'prom' | ((res: ServerResponse, err: HttpError) => void);

/** Sends a JSON document. */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers?: Record<string, string>): void {
  sendJsonText(res, status, JSON.stringify(body), headers);
}

/** Sends a JSON document already written as text. */
export function sendJsonText(res: ServerResponse, status: number, text: string, headers?: Record<string, string>): void {
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

/** Sends an HttpError in the route's error shape. */
export function sendError(res: ServerResponse, err: HttpError, style: ErrorStyle): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  if (typeof style === 'function') {
    style(res, err);
    return;
  }
  const body =
    style === 'seed'
      ? err.details !== undefined
        ? { error: err.message, details: err.details }
        : { error: err.message }
      : err.details !== undefined
        ? { status: 'error', errorType: err.code, error: err.message, details: err.details }
        : { status: 'error', errorType: err.code, error: err.message };
  sendJson(res, err.status, body, err.headers as Record<string, string> | undefined);
}
