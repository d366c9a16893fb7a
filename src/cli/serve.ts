// `metricstream serve`: wires storage, the rate limiter, ingest and read routes into one node,
// and shuts it down gracefully on SIGINT/SIGTERM.
import { pino, type Logger } from 'pino';
import { collectDefaultMetrics } from 'prom-client';
import { ApiServer, type Route } from '../api/index.js';
import { exportRoute } from '../api/export.js';
import { metadataRoute } from '../api/metadata.js';
import { queryRoutes } from '../api/query.js';
import { Engine } from '../promql/engine/index.js';
import { labelRoutes } from '../api/labels.js';
import { buildInfoRoutes } from '../api/build-info.js';
import { formatDuration, resolveScrapeConfigs } from '../config/index.js';
import { adminRoutes } from '../api/admin.js';
import { clientsRoute, healthRoute, readyRoute, statsRoute, tsdbStatusRoute } from '../api/status.js';
import type { Config } from '../config/index.js';
import { availableParallelism } from 'node:os';
import {
  autoDecodeWorkers,
  DecodePool,
  importRoute,
  influxRoutes,
  IngestGate,
  IngestStats,
  limitsFromConfig,
  otlpRoute,
  remoteWriteRoute,
  seedJsonRoute,
  StatsdListener,
  type IngestDeps,
} from '../ingest/index.js';
import { ClientDecisionLog, SlidingWindowLimiter } from '../limits/index.js';
import { reloadRoutes, ScrapeManager, targetsMetadataRoute, targetsRoute } from '../scrape/index.js';
import { Tsdb } from '../tsdb/index.js';
import { VERSION } from './version.js';

export interface RunningNode {
  readonly port: number;
  /** The StatsD UDP/TCP port, or null when StatsD is off. */
  readonly statsdPort: number | null;
  readonly logger: Logger;
  /** Stops accepting, drains in-flight requests, flushes and closes storage. */
  shutdown(reason: string): Promise<void>;
  /** Reads the configuration again and applies its scrape jobs (other keys need a restart). */
  reload(): Promise<void>;
}

let defaultMetricsOn = false;

/** The StatsD port could not be bound (taken, or not allowed); the message names the flag. */
export class StatsdListenError extends Error {
  override readonly name = 'StatsdListenError';
}

/** What an embedding program (or a test) may set beyond the config. */
export interface StartOptions {
  /**
   * The StatsD port, overriding --statsd-port: 0 here picks a free port (where --statsd-port 0
   * turns StatsD off), read back from RunningNode.statsdPort.
   */
  readonly statsdPort?: number;
  /** Re-reads flags, environment and config file for a reload (SIGHUP, POST /-/reload). */
  readonly loadAgain?: () => Config;
}

/** Starts a node; resolves once it listens (WAL replay goes on in the background). */
export async function startNode(config: Config, opts: StartOptions = {}): Promise<RunningNode> {
  const { loadAgain } = opts;
  const logger = pino({ level: config.log_level, base: { pid: process.pid } });
  if (!defaultMetricsOn) {
    collectDefaultMetrics({ prefix: 'metricstream_' });
    defaultMetricsOn = true;
  }
  const tsdb = Tsdb.open({
    dir: config.data_dir,
    fsync: config.wal_fsync,
    fsyncIntervalMs: config.wal_fsync_interval,
    segmentBytes: config.wal_segment_size,
    logger,
    blockDurationMs: config.block_duration,
    retentionMs: config.retention,
    retentionBytes: config.retention_size,
    outOfOrderWindowMs: config.out_of_order_window,
    changeSettleMs: config.query_cache_offset,
    decodedChunksBytes: config.query_chunk_cache_size,
    downsample: [
      ...(config.downsample_5m_after > 0 ? [{ resolution: 300_000, afterMs: config.downsample_5m_after, retentionMs: config.retention_5m }] : []),
      ...(config.downsample_1h_after > 0 ? [{ resolution: 3_600_000, afterMs: config.downsample_1h_after, retentionMs: config.retention_1h }] : []),
    ],
  });
  const limiter = new SlidingWindowLimiter({
    limit: config.rate_limit,
    windowMs: config.rate_limit_window,
    maxActiveClients: config.rate_limit_max_clients,
    overrides: new Map(Object.entries(config.rate_limit_clients)),
  });
  const decisions = new ClientDecisionLog({ maxClients: config.client_stats_max });
  const stats = new IngestStats();
  const limits = limitsFromConfig(config);
  const decoder = new DecodePool({
    workers: config.ingest_workers === 'auto' ? autoDecodeWorkers(availableParallelism()) : Number(config.ingest_workers),
    minBytes: config.ingest_decode_min_bytes,
    minBytesByProtocol: { influx: config.ingest_influx_decode_min_bytes },
    settings: { limits, maxBytes: config.max_body_size, maxMetrics: config.max_metrics_per_batch },
  });
  const gate = new IngestGate(
    {
      maxInflightBytes: config.ingest_max_inflight_bytes,
      maxDecodeQueue: config.ingest_max_decode_queue,
      maxPendingCommits: config.ingest_max_pending_commits,
      maxWalPendingBytes: config.ingest_max_wal_pending_bytes,
      queueTargetMs: config.ingest_queue_target,
    },
    { decodeQueue: () => decoder.queued, walPendingBytes: () => tsdb.walPendingBytes },
  );
  const deps: IngestDeps = { config, storage: tsdb, stats, limits, decoder, gate };
  const isReady = () => tsdb.ready;
  const scraper = new ScrapeManager({ storage: tsdb, logger, limits: deps.limits, userAgent: `MetricStream/${VERSION}` });
  const reload = async (): Promise<void> => {
    if (loadAgain === undefined) throw new Error('this node was started without a config to read again');
    const next = loadAgain();
    await scraper.apply(resolveScrapeConfigs(next.global, next.scrape_configs));
    logger.info({ jobs: next.scrape_configs.map((c) => c.job_name) }, 'configuration reloaded (scrape_configs; other keys apply at restart)');
  };
  const routes: Route[] = [
    seedJsonRoute(deps),
    importRoute(deps),
    remoteWriteRoute(deps),
    ...influxRoutes(deps),
    otlpRoute(deps),
    exportRoute(tsdb),
    metadataRoute(tsdb),
    ...queryRoutes(
      tsdb,
      new Engine({ timeoutMs: config.query_timeout, maxSamples: config.query_max_samples, lookbackDeltaMs: config.query_lookback_delta }),
      { cacheBytes: config.query_cache_size },
    ),
    ...labelRoutes(tsdb),
    ...buildInfoRoutes({ version: VERSION, startedAt: new Date(), retention: formatDuration(config.retention) }),
    statsRoute(() => stats.toJSON()),
    healthRoute(),
    readyRoute(isReady),
    clientsRoute(limiter, decisions, config.rate_limit_window),
    tsdbStatusRoute((limit) => tsdb.status('default', limit)),
    ...adminRoutes(tsdb, config.enable_admin_api),
    targetsRoute(scraper),
    targetsMetadataRoute(scraper),
    ...reloadRoutes(loadAgain === undefined ? undefined : reload, config.enable_admin_api),
  ];
  const api = new ApiServer(routes, { limiter, decisions, isReady, onRateLimited: () => stats.rateLimited(), logger }, config.http_server);
  let address;
  let statsd: StatsdListener | null = null;
  try {
    address = await api.listen(config.port, config.listen);
    const statsdPort = opts.statsdPort ?? (config.statsd_port === 0 ? null : config.statsd_port);
    if (statsdPort !== null) {
      statsd = await StatsdListener.start({
        host: config.listen,
        port: statsdPort,
        flushIntervalMs: config.statsd_flush_interval,
        buckets: config.statsd_buckets,
        percentiles: config.statsd_percentiles,
        maxSeries: config.statsd_max_series,
        maxLineBytes: 65_536,
        limits: deps.limits,
        storage: tsdb,
        stats,
        logger,
      }).catch((e: unknown) => {
        throw new StatsdListenError(`cannot listen for StatsD on ${config.listen}:${statsdPort} (UDP and TCP): ${(e as Error).message}; choose another --statsd-port, or 0 to turn StatsD off`);
      });
      logger.info({ address: config.listen, port: statsd.port, flush_interval: formatDuration(config.statsd_flush_interval) }, 'StatsD listening (UDP and TCP)');
    }
  } catch (e) {
    await api.close(0);
    gate.close();
    await decoder.close();
    await tsdb.close();
    throw e;
  }
  logger.info(
    { address: address.address, port: address.port, data_dir: config.data_dir, version: VERSION, decode_workers: decoder.workers },
    'MetricStream listening',
  );
  // Limiter state of clients whose windows emptied is dropped on this timer too, not only on traffic.
  const sweep = setInterval(() => limiter.sweep(), 1000);
  sweep.unref();
  scraper.start(resolveScrapeConfigs(config.global, config.scrape_configs));

  let stopping: Promise<void> | null = null;
  const shutdown = (reason: string): Promise<void> => {
    stopping ??= (async () => {
      logger.info({ reason }, 'shutting down: no new connections, draining in-flight requests');
      clearInterval(sweep);
      // StatsD first: its final flush needs storage open.
      await statsd?.close();
      // Scrapes in flight are stored before storage closes; no staleness markers (as Prometheus).
      await scraper.stop();
      await api.close(config.shutdown_timeout);
      gate.close();
      await decoder.close();
      await tsdb.close();
      logger.info({}, 'shutdown complete: WAL flushed and closed');
    })();
    return stopping;
  };
  tsdb.start().catch(async (e: unknown) => {
    logger.error({ err: e }, 'storage failed to start');
    await shutdown('storage failed to start');
    process.exitCode = 1;
  });
  return { port: address.port, statsdPort: statsd?.port ?? null, logger, shutdown, reload };
}

/** Runs a node until SIGINT/SIGTERM; SIGHUP reloads the scrape configuration. */
export async function serve(config: Config, loadAgain?: () => Config): Promise<void> {
  const node = await startNode(config, loadAgain === undefined ? {} : { loadAgain });
  process.on('SIGHUP', () => {
    node.reload().catch((e: unknown) => node.logger.error({ err: (e as Error).message }, 'reload failed; keeping the running configuration'));
  });
  const onSignal = (sig: NodeJS.Signals) => {
    node.shutdown(sig).then(
      () => process.exit(process.exitCode ?? 0),
      (e: unknown) => {
        node.logger.error({ err: e }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
}
