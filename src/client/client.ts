// The push client: a bounded buffer of metrics, sent to POST /metrics in batches (by size and
// by time), gzip-compressed, retried with backoff that honours 429/503 Retry-After.
import { gzip } from 'node:zlib';
import { promisify } from 'node:util';
import { Pool } from 'undici';
import { parseRetryAfter, retryDelay } from './backoff.js';
import { encodeMetrics, type Metric } from './metric.js';
import { Counter, Gauge, Histogram, type Collectable } from './instruments.js';

const gzipAsync = promisify(gzip);

export interface ClientOptions {
  /** Base URL of a MetricStream node, e.g. http://127.0.0.1:8080. */
  readonly url: string;
  /** Authorization header: the client id (or API key); rate limits count per value. */
  readonly authorization?: string;
  /** Metrics per request; the server takes at most 1000 (default 1000). */
  readonly maxBatch?: number;
  /** Send what is buffered at least this often, in ms (default 1000). */
  readonly flushIntervalMs?: number;
  /** Metrics held at most, in flight included; beyond that new ones are dropped and counted (default 10000). */
  readonly maxBuffer?: number;
  /** Gzip bodies of at least this many bytes; 0 turns gzip off (default 1024). */
  readonly gzipMinBytes?: number;
  /** Retries of one batch before it is given up (default 5). */
  readonly maxRetries?: number;
  /** Backoff base and cap, in ms (defaults 100 and 30000). */
  readonly retryBaseDelayMs?: number;
  readonly retryMaxDelayMs?: number;
  /** Time for one request to answer, in ms (default 10000). */
  readonly timeoutMs?: number;
  /** Told about every batch given up (refused by the server, or out of retries). */
  readonly onError?: (error: Error, metrics: number) => void;
}

/** What the client did so far. */
export interface ClientStats {
  /** Metrics waiting or in flight. */
  readonly buffered: number;
  /** Metrics the server accepted (200). */
  readonly sent: number;
  /** Metrics dropped because the buffer was full. */
  readonly dropped: number;
  /** Metrics given up: refused with a 4xx other than 429, or still failing after every retry. */
  readonly failed: number;
  /** Requests that were retried. */
  readonly retries: number;
  /** Requests answered 2xx. */
  readonly batches: number;
}

/** Thrown by push() after close(): nothing can be sent any more. */
export class ClientClosedError extends Error {
  override readonly name = 'ClientClosedError';
}

const RETRYABLE = new Set([429, 500, 502, 503, 504]);

/**
 * Buffers metrics and pushes them to a MetricStream node.
 * @example
 * const ms = new MetricStreamClient({ url: 'http://127.0.0.1:8080', authorization: 'web-1' });
 * ms.counter('requests_total', { route: '/' }).inc();
 * ms.push([{ name: 'cpu_usage', value: 75.5, tags: { host: 'server1' } }]);
 * await ms.close();
 */
export class MetricStreamClient {
  private readonly pool: Pool;
  private readonly path: string;
  private readonly target: string;
  private readonly headers: Record<string, string>;
  private readonly maxBatch: number;
  private readonly maxBuffer: number;
  private readonly gzipMinBytes: number;
  private readonly maxRetries: number;
  private readonly backoff: { baseDelayMs: number; maxDelayMs: number };
  private readonly timeoutMs: number;
  private readonly onError: ((error: Error, metrics: number) => void) | undefined;
  private readonly timer: NodeJS.Timeout;
  private readonly dirty = new Set<Collectable>();
  private buffer: Metric[] = [];
  private inFlight = 0;
  private sending: Promise<void> | null = null;
  private closed = false;
  private counts = { sent: 0, dropped: 0, failed: 0, retries: 0, batches: 0 };

  constructor(o: ClientOptions) {
    const u = new URL(o.url);
    // One keep-alive connection: batches go one at a time, so a series' samples arrive in order
    // (the node refuses a sample older than its series' newest).
    this.pool = new Pool(u.origin, { connections: 1, keepAliveTimeout: 30_000 });
    this.path = `${u.pathname.replace(/\/+$/, '')}/metrics`;
    this.target = u.origin + this.path;
    this.headers = { 'content-type': 'application/json' };
    if (o.authorization !== undefined) this.headers.authorization = o.authorization;
    this.maxBatch = positive('maxBatch', o.maxBatch ?? 1000);
    this.maxBuffer = positive('maxBuffer', o.maxBuffer ?? 10_000);
    this.gzipMinBytes = o.gzipMinBytes ?? 1024;
    this.maxRetries = o.maxRetries ?? 5;
    this.backoff = { baseDelayMs: o.retryBaseDelayMs ?? 100, maxDelayMs: o.retryMaxDelayMs ?? 30_000 };
    this.timeoutMs = o.timeoutMs ?? 10_000;
    this.onError = o.onError;
    this.timer = setInterval(() => this.tick(), positive('flushIntervalMs', o.flushIntervalMs ?? 1000));
    this.timer.unref();
  }

  /** Queues metrics (stamped with the current time when they carry none); returns how many were dropped. */
  push(metrics: readonly Metric[]): number {
    if (this.closed) throw new ClientClosedError('the client is closed; create a new one to push more metrics');
    const now = Date.now();
    let dropped = 0;
    for (const m of metrics) {
      if (this.buffer.length + this.inFlight >= this.maxBuffer) {
        dropped++;
        continue;
      }
      this.buffer.push(m.timestamp === undefined ? { ...m, timestamp: now } : m);
    }
    this.counts.dropped += dropped;
    if (this.buffer.length >= this.maxBatch) this.kick();
    return dropped;
  }

  /** A counter for one series; its cumulative value is pushed at each flush after it changed. */
  counter(name: string, tags: Record<string, string> = {}, help?: string): Counter {
    return new Counter(this.markDirty, name, tags, help);
  }

  /** A gauge for one series; its current value is pushed at each flush after it changed. */
  gauge(name: string, tags: Record<string, string> = {}, help?: string): Gauge {
    return new Gauge(this.markDirty, name, tags, help);
  }

  /** A histogram for one series: every observation is pushed as one `histogram` metric. */
  histogram(name: string, tags: Record<string, string> = {}, help?: string): Histogram {
    return new Histogram((m) => this.push([m]), name, tags, help);
  }

  /** Counts so far. */
  stats(): ClientStats {
    return { buffered: this.buffer.length + this.inFlight, ...this.counts };
  }

  /** Sends everything queued so far; resolves when each metric was accepted or given up. */
  async flush(): Promise<void> {
    this.collect();
    while (this.buffer.length > 0 || this.sending !== null) {
      this.kick();
      await this.sending;
    }
  }

  /** Flushes, then closes the connections; push() throws afterwards. */
  async close(): Promise<void> {
    if (this.closed) return;
    clearInterval(this.timer);
    await this.flush();
    this.closed = true;
    await this.pool.close();
  }

  private readonly markDirty = (c: Collectable): void => {
    this.dirty.add(c);
  };

  private collect(): void {
    if (this.dirty.size === 0) return;
    const out: Metric[] = [];
    for (const c of this.dirty) out.push(c.collect());
    this.dirty.clear();
    this.push(out);
  }

  private tick(): void {
    this.collect();
    if (this.buffer.length > 0) this.kick();
  }

  private kick(): void {
    if (this.sending !== null) return;
    this.sending = this.drain().finally(() => {
      this.sending = null;
    });
  }

  private async drain(): Promise<void> {
    while (this.buffer.length > 0) {
      const batch = this.buffer.splice(0, this.maxBatch);
      this.inFlight = batch.length;
      try {
        await this.sendWithRetries(batch);
      } finally {
        this.inFlight = 0;
      }
    }
  }

  private async sendWithRetries(batch: Metric[]): Promise<void> {
    let body: Buffer = Buffer.from(encodeMetrics(batch));
    const headers = { ...this.headers };
    if (this.gzipMinBytes > 0 && body.length >= this.gzipMinBytes) {
      body = await gzipAsync(body);
      headers['content-encoding'] = 'gzip';
    }
    for (let attempt = 0; ; attempt++) {
      let status = 0;
      let retryAfter: string | undefined;
      let problem: string;
      try {
        const res = await this.pool.request({ path: this.path, method: 'POST', headers, body, headersTimeout: this.timeoutMs, bodyTimeout: this.timeoutMs });
        status = res.statusCode;
        const ra = res.headers['retry-after'];
        retryAfter = Array.isArray(ra) ? ra[0] : ra;
        const text = await res.body.text();
        if (status >= 200 && status < 300) {
          this.counts.sent += batch.length;
          this.counts.batches++;
          return;
        }
        problem = `server answered ${status}: ${text.slice(0, 500)}`;
      } catch (e) {
        problem = `cannot reach ${this.target}: ${(e as Error).message}`;
      }
      const retryable = status === 0 || RETRYABLE.has(status);
      if (!retryable || attempt >= this.maxRetries) {
        this.counts.failed += batch.length;
        const why = retryable ? `${problem} (gave up after ${attempt + 1} attempts)` : problem;
        this.onError?.(new Error(why), batch.length);
        return;
      }
      this.counts.retries++;
      const wait = retryDelay(attempt, parseRetryAfter(retryAfter, Date.now()), this.backoff);
      await new Promise((r) => setTimeout(r, wait));
    }
  }
}

function positive(name: string, v: number): number {
  if (!Number.isInteger(v) || v <= 0) throw new RangeError(`${name} must be a positive integer, got ${v}`);
  return v;
}
