// When to retry a failed push: exponential backoff with full jitter, and the server's
// Retry-After (seconds or an HTTP date) as a floor that is never undercut.

export interface BackoffOptions {
  /** First retry waits up to this many ms (doubling per attempt). */
  readonly baseDelayMs: number;
  /** No backoff wait is longer than this (a server's Retry-After may be). */
  readonly maxDelayMs: number;
}

/**
 * Reads a Retry-After header value as milliseconds from `nowMs`: delay-seconds or an HTTP date.
 * Returns undefined when absent or unreadable (the caller falls back to backoff).
 */
export function parseRetryAfter(value: string | null | undefined, nowMs: number): number | undefined {
  if (value === null || value === undefined) return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  // HTTP dates always name a weekday and GMT; Date.parse alone would accept much else.
  if (!/GMT$/.test(v)) return undefined;
  const at = Date.parse(v);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - nowMs);
}

/**
 * The wait before retry number `attempt` (0 = first retry). Without Retry-After: uniform in
 * [0, min(max, base * 2^attempt)] ("full jitter", so clients that failed together spread out).
 * With Retry-After: that wait plus up to one base delay of jitter, never less.
 */
export function retryDelay(attempt: number, retryAfterMs: number | undefined, o: BackoffOptions, random: () => number = Math.random): number {
  if (retryAfterMs !== undefined) return retryAfterMs + Math.floor(random() * o.baseDelayMs);
  const cap = Math.min(o.maxDelayMs, o.baseDelayMs * 2 ** Math.min(attempt, 30));
  return Math.floor(random() * cap);
}
