// The one error type of the HTTP layer: it knows its status, a stable code and optional details.

/** An error answered to the client as is; anything else becomes a 500. */
export class HttpError extends Error {
  readonly status: number;
  /** Stable machine code (Prometheus errorType for /api/v1/*). */
  readonly code: string;
  readonly details: readonly object[] | undefined;
  readonly headers: Readonly<Record<string, string>> | undefined;

  constructor(status: number, code: string, message: string, details?: readonly object[], headers?: Record<string, string>) {
    // No stack: the error is an answer, never logged with one, and capturing a stack trace was
    // ~5% of the main thread when a bulk overload was refused with 503s (thousands per second).
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(message);
    Error.stackTraceLimit = limit;
    this.name = 'HttpError';
    this.status = status;
    this.code = code;
    this.details = details;
    this.headers = headers;
  }
}
