// The scrape manager: one pool per job of the config, started once storage is ready, replaced
// when a reload changes the job, and stopped (without staleness markers) on shutdown.
import type { Logger } from 'pino';
import { Agent } from 'undici';
import type { ScrapeConfig } from '../config/index.js';
import type { ValidationLimits } from '../ingest/index.js';
import type { Storage } from '../storage/index.js';
import { ScrapePool } from './pool.js';
import { Semaphore } from './semaphore.js';
import type { LoopDeps, ScrapeLoop } from './loop.js';

export interface ScrapeManagerOptions {
  readonly storage: Storage;
  readonly logger: Logger;
  readonly limits: ValidationLimits;
  /** Sent as User-Agent, e.g. "MetricStream/0.1.0". */
  readonly userAgent: string;
  /** Scrapes in flight at once, over all jobs (default 32). */
  readonly maxConcurrentScrapes?: number;
}

export class ScrapeManager {
  readonly pools = new Map<string, ScrapePool>();
  private readonly deps: LoopDeps;
  private readonly agent: Agent;
  private pending: readonly ScrapeConfig[] = [];
  private waitTimer: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(private readonly opts: ScrapeManagerOptions) {
    // Connections per origin are not capped here: the semaphore bounds scrapes in flight.
    this.agent = new Agent({ keepAliveTimeout: 60_000 });
    this.deps = {
      storage: opts.storage,
      dispatcher: this.agent,
      semaphore: new Semaphore(opts.maxConcurrentScrapes ?? 32),
      logger: opts.logger,
      userAgent: opts.userAgent,
      limits: opts.limits,
    };
  }

  /** Applies the jobs now, or once storage is ready (WAL replay done). */
  start(configs: readonly ScrapeConfig[]): void {
    this.pending = configs;
    const go = () => {
      this.waitTimer = null;
      if (this.stopped) return;
      if (!this.opts.storage.ready) {
        this.waitTimer = setTimeout(go, 100);
        return;
      }
      void this.apply(this.pending);
    };
    go();
  }

  /** Keeps pools whose config is unchanged, replaces changed ones and stops removed ones. */
  async apply(configs: readonly ScrapeConfig[]): Promise<void> {
    if (this.stopped) return;
    if (!this.opts.storage.ready) {
      this.pending = configs;
      return;
    }
    const wanted = new Map(configs.map((c) => [c.job_name, c]));
    const stops: Promise<void>[] = [];
    // A changed job's targets carry on in its new pool, as Prometheus's reload keeps them scraping:
    // only a removed job, or targets the new config lacks, get staleness markers.
    const handedOver = new Map<string, Map<string, ScrapeLoop>>();
    for (const [job, pool] of this.pools) {
      const c = wanted.get(job);
      if (c !== undefined && JSON.stringify(c) === JSON.stringify(pool.cfg)) continue;
      this.pools.delete(job);
      if (c === undefined) stops.push(pool.stop(true));
      else stops.push(pool.handOver().then((loops) => void handedOver.set(job, loops)));
    }
    await Promise.all(stops);
    for (const c of configs) {
      if (this.pools.has(c.job_name) || this.stopped) continue;
      const pool = new ScrapePool(c, this.deps, handedOver.get(c.job_name) ?? null);
      this.pools.set(c.job_name, pool);
      pool.start();
    }
    if (configs.length > 0) this.opts.logger.info({ jobs: configs.map((c) => c.job_name) }, 'scraping');
  }

  /** Stops every loop and waits for scrapes in flight to be stored. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.waitTimer !== null) clearTimeout(this.waitTimer);
    const pools = [...this.pools.values()];
    this.pools.clear();
    await Promise.all(pools.map((p) => p.stop(false)));
    await this.agent.close();
  }
}
