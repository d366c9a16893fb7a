// The scrape loop of one target: scrapes at a fixed offset in every interval, appends the samples
// and the report series (up, scrape_duration_seconds, ...) in one commit at the scrape time, and
// writes staleness markers for series that went away, for every series when a scrape fails, and
// for every series when the target goes away.
import type { Dispatcher } from 'undici';
import type { Logger } from 'pino';
import { Counter } from 'prom-client';
import type { ScrapeConfig } from '../config/index.js';
import { checkTimestamp, type ValidationLimits } from '../ingest/index.js';
import { StorageError, type Appender, type Label, type Labels, type MetricMetadata, type Storage } from '../storage/index.js';
import { fetchExposition, MAX_SCRAPE_BODY } from './fetch.js';
import { parseExposition, type Exposition } from './parse-exposition.js';
import type { RelabelRule } from './relabel.js';
import { seriesLabels, type SeriesLabels } from './sample-labels.js';
import type { Semaphore } from './semaphore.js';
import { scrapeOffsetMs, type Target } from './targets.js';

/** Prometheus's staleness marker: the NaN with bit pattern 0x7ff0000000000002. */
export const STALE_NAN = new Float64Array(new BigUint64Array([0x7ff0000000000002n]).buffer)[0]!;

const scrapes = new Counter({
  name: 'metricstream_scrapes_total',
  help: 'Scrapes done, by result (up: scraped and parsed; down: failed)',
  labelNames: ['result'] as const,
});
const scrapedSamples = new Counter({ name: 'metricstream_scrape_samples_total', help: 'Samples stored from scrapes (report series not counted)' });
const refusedSamples = new Counter({
  name: 'metricstream_scrape_samples_refused_total',
  help: 'Scraped samples not stored: refused by storage, duplicate series in one scrape, or labels failing validation',
});

/** What every loop shares. */
export interface LoopDeps {
  readonly storage: Storage;
  readonly dispatcher: Dispatcher;
  readonly semaphore: Semaphore;
  readonly logger: Logger;
  readonly userAgent: string;
  readonly limits: ValidationLimits;
}

const REPORT_NAMES = ['up', 'scrape_duration_seconds', 'scrape_samples_scraped', 'scrape_samples_post_metric_relabeling', 'scrape_series_added'] as const;

interface Tracked {
  readonly labels: Labels;
  /** Only series without an exposed timestamp get staleness markers (as in Prometheus). */
  readonly stale: boolean;
}

export class ScrapeLoop {
  lastScrape: Date | null = null;
  lastDurationS = 0;
  lastError = '';
  health: 'up' | 'down' | 'unknown' = 'unknown';
  /** Metadata of the last successful scrape, per metric family. */
  metadata: ReadonlyMap<string, MetricMetadata> = new Map();

  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = false;
  private prev = new Map<string, Tracked>();
  private seriesCache = new Map<string, SeriesLabels>();
  private parseCache = new Map<string, readonly Label[]>();
  private readonly reportLabels: Labels[];
  private readonly written = new Map<string, string>();

  constructor(
    readonly target: Target,
    private readonly cfg: ScrapeConfig,
    private readonly metricRules: readonly RelabelRule[],
    private readonly deps: LoopDeps,
  ) {
    this.reportLabels = REPORT_NAMES.map((n) =>
      [{ name: '__name__', value: n }, ...target.labels].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
    );
  }

  /** Schedules scrapes at this target's offset in every interval. */
  start(): void {
    const iv = this.target.intervalMs;
    const now = Date.now();
    let next = now - (now % iv) + scrapeOffsetMs(this.target);
    if (next <= now) next += iv;
    this.schedule(next);
  }

  private schedule(at: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.running = this.scrape().finally(() => {
        this.running = null;
        let next = at + this.target.intervalMs;
        const now = Date.now();
        // Missed ticks are skipped, keeping the offset.
        if (next <= now) next += Math.ceil((now - next) / this.target.intervalMs) * this.target.intervalMs;
        this.schedule(next);
      });
    }, Math.max(0, at - Date.now()));
  }

  /**
   * Stops scraping. With `markStale` (the target went away, not the node) every series the
   * target exposed in its last scrape, and its report series, get a staleness marker.
   */
  async stop(markStale: boolean): Promise<void> {
    this.stopped = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    if (this.running !== null) await this.running;
    if (markStale) await this.markStale();
  }

  /** Ends every series of the last scrape, and the report series, with staleness markers. */
  async markStale(): Promise<void> {
    if (this.lastScrape === null && this.prev.size === 0) return;
    const t = Math.max(Date.now(), (this.lastScrape?.getTime() ?? 0) + 1);
    const app = this.deps.storage.appender('default');
    this.appendStale(app, this.prev, t);
    for (const labels of this.reportLabels) this.safeAppend(app, labels, t, STALE_NAN);
    this.prev = new Map();
    await this.commit(app);
  }

  /**
   * Takes over the series a stopped loop of the same target saw last (a reload that changed the
   * job), so the first scrape here ends those no longer exposed instead of all of them ending at once.
   */
  inherit(from: ScrapeLoop): void {
    this.prev = from.prev;
  }

  /** One scrape, appended and committed (exposed for tests). */
  async scrape(): Promise<void> {
    const release = await this.deps.semaphore.acquire();
    try {
      await this.scrapeNow();
    } finally {
      release();
    }
  }

  private async scrapeNow(): Promise<void> {
    const t = Date.now();
    const started = performance.now();
    let exp: Exposition | null = null;
    let error = '';
    try {
      const limit = this.cfg.body_size_limit > 0 ? Math.min(this.cfg.body_size_limit, MAX_SCRAPE_BODY) : MAX_SCRAPE_BODY;
      const body = await fetchExposition(this.target.url, {
        dispatcher: this.deps.dispatcher,
        timeoutMs: this.target.timeoutMs,
        maxBytes: limit,
        userAgent: this.deps.userAgent,
      });
      exp = parseExposition(body.text, body.format, this.parseCache);
    } catch (e) {
      error = (e as Error).message;
    }
    const duration = (performance.now() - started) / 1000;
    const app = this.deps.storage.appender('default');
    const cur = new Map<string, Tracked>();
    let scraped = 0;
    let post = 0;
    let added = 0;
    if (exp !== null) {
      scraped = exp.samples.length;
      const counts = this.appendSamples(app, exp, t, cur);
      post = counts.post;
      added = counts.added;
      for (const [key, old] of this.prev) if (old.stale && !cur.has(key)) this.safeAppend(app, old.labels, t, STALE_NAN);
      this.writeMetadata(app, exp.metadata);
      this.metadata = exp.metadata;
      this.trimCaches(scraped);
    } else {
      this.appendStale(app, this.prev, t);
    }
    const values = [exp !== null ? 1 : 0, duration, scraped, post, added];
    this.reportLabels.forEach((labels, i) => this.safeAppend(app, labels, t, values[i]!));
    this.prev = cur;
    this.lastScrape = new Date(t);
    this.lastDurationS = duration;
    this.lastError = error;
    this.health = exp !== null ? 'up' : 'down';
    scrapes.inc({ result: this.health });
    if (exp === null) this.deps.logger.debug({ target: this.target.url, err: error }, 'scrape failed');
    await this.commit(app);
  }

  private appendSamples(app: Appender, exp: Exposition, scrapeT: number, cur: Map<string, Tracked>): { post: number; added: number } {
    let post = 0;
    let added = 0;
    let refused = 0;
    let stored = 0;
    const honorTs = this.cfg.honor_timestamps;
    for (const s of exp.samples) {
      let e = this.seriesCache.get(s.series);
      if (e === undefined) {
        e = seriesLabels(s.labels, this.target.labels, this.cfg.honor_labels, this.metricRules, this.deps.limits);
        this.seriesCache.set(s.series, e);
      }
      if (e.labels === null) {
        if (e.problem !== null) refused++;
        continue;
      }
      post++;
      if (cur.has(e.key)) {
        refused++;
        continue;
      }
      const explicit = honorTs && s.timestamp !== null;
      cur.set(e.key, { labels: e.labels, stale: !explicit });
      if (!this.prev.has(e.key)) added++;
      // An exposed timestamp outside retention or too far ahead is refused, as on every ingest path.
      if (explicit && checkTimestamp(s.timestamp!, scrapeT, this.deps.limits) !== null) {
        refused++;
        continue;
      }
      if (this.safeAppend(app, e.labels, explicit ? s.timestamp! : scrapeT, s.value)) stored++;
      else refused++;
    }
    scrapedSamples.inc(stored);
    if (refused > 0) refusedSamples.inc(refused);
    return { post, added };
  }

  private appendStale(app: Appender, series: ReadonlyMap<string, Tracked>, t: number): void {
    for (const s of series.values()) if (s.stale) this.safeAppend(app, s.labels, t, STALE_NAN);
  }

  /** Appends one sample; a sample the engine refuses (out of order, too old) is skipped, as Prometheus does. */
  private safeAppend(app: Appender, labels: Labels, t: number, v: number): boolean {
    try {
      app.append(labels, t, v);
      return true;
    } catch (e) {
      if (e instanceof StorageError) return false;
      throw e;
    }
  }

  private writeMetadata(app: Appender, metadata: ReadonlyMap<string, MetricMetadata>): void {
    for (const [name, m] of metadata) {
      const sig = `${m.type}\u0000${m.help}\u0000${m.unit}`;
      if (this.written.get(name) === sig) continue;
      this.written.set(name, sig);
      app.setMetadata(name, m);
    }
  }

  /** Drops cache entries of series no longer exposed, once the caches are twice the scrape's size. */
  private trimCaches(samples: number): void {
    if (this.seriesCache.size > 2 * samples + 100) this.seriesCache = new Map();
    if (this.parseCache.size > 2 * samples + 100) this.parseCache = new Map();
  }

  private async commit(app: Appender): Promise<void> {
    try {
      await app.commit();
    } catch (e) {
      this.deps.logger.warn({ target: this.target.url, err: e }, 'storing a scrape failed');
      if (this.lastError === '') this.lastError = `storing the scrape failed: ${(e as Error).message}`;
    }
  }
}
