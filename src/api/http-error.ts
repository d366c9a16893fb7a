// The one error type of the HTTP layer: it knows its status, a stable code and optional details.

/** An error answered to the client as is; anything else becomes a 500. */
export class HttpError extends Error {
  readonly status: number;
  /** Stable machine code (Prometheus errorType for /api/v1/*). */
  readonly code: string;
  readonly details: readonly object[] | undefined;
  readonly headers: Readonly<Record<string, string>> | undefined;

  constructor(status: number, code: string, message: string, details?: readonly object[], headers?: Record<string, string>) {
    super(message);
    this.name = 'HttpError';
    this.status = status;
    this.code = code;
    this.details = details;
    this.headers = headers;
  }
}
