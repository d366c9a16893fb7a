// The one configuration schema: every key's type, default, validation and help text. Flags,
// environment variables, the YAML file, `--help` and docs/configuration.md all come from here.
import { z } from 'zod';
import { globalSchema, scrapeConfigsSchema } from './scrape-schema.js';
import { formatBytes, formatDuration, parseBytes } from './units.js';
import { duration, parsed } from './zod-units.js';

/** How a value was written, for help and docs. */
type Kind = 'integer' | 'string' | 'duration' | 'size' | 'enum' | 'boolean' | 'map' | 'object' | 'list';

interface OptionSpec<S extends z.ZodType> {
  readonly schema: S;
  readonly kind: Kind;
  readonly default: z.output<S>;
  readonly help: string;
  /** Only settable in the YAML file (structured values). */
  readonly fileOnly?: boolean;
}

function opt<S extends z.ZodType>(kind: Kind, schema: S, def: z.output<S>, help: string, fileOnly = false): OptionSpec<S> {
  return fileOnly ? { schema, kind, default: def, help, fileOnly } : { schema, kind, default: def, help };
}

// Strings from flags and environment variables are turned into numbers/booleans before zod
// checks them; YAML values arrive already typed.
const int = (min: number, max: number) =>
  z.preprocess((v) => (typeof v === 'string' && /^\s*-?\d+\s*$/.test(v) ? Number(v) : v), z.number().int().min(min).max(max));
// A flag given without a value arrives as 'true'.
const bool = () => z.preprocess((v) => (v === 'true' || v === '1' ? true : v === 'false' || v === '0' ? false : v), z.boolean());
// Lists of numbers: `0.5,0.9,0.99` from flags and environment, a YAML sequence or that string in the file.
const numberList = (check: (v: number) => string | null, ascending: boolean) =>
  z.union([z.string(), z.array(z.number())]).transform((v, ctx) => {
    const items = typeof v === 'string' ? (v.trim() === '' ? [] : v.split(',').map((x) => x.trim())) : v;
    const out: number[] = [];
    for (const item of items) {
      const n = typeof item === 'number' ? item : /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(item) ? Number(item) : NaN;
      const problem = Number.isFinite(n) ? check(n) : `${JSON.stringify(item)} is not a number`;
      if (problem !== null) {
        ctx.issues.push({ code: 'custom', message: problem, input: v });
        return z.NEVER;
      }
      if (ascending && out.length > 0 && n <= out[out.length - 1]!) {
        ctx.issues.push({ code: 'custom', message: `values must be strictly ascending, ${n} follows ${out[out.length - 1]}`, input: v });
        return z.NEVER;
      }
      out.push(n);
    }
    return out;
  });
const size = () => parsed(parseBytes).pipe(z.number().int().min(1));

const MiB = 1024 * 1024;

/** Every configuration key (snake_case as in the YAML file; flags are --kebab-case). */
export const OPTIONS = {
  port: opt('integer', int(0, 65535), 8080, 'TCP port of the HTTP API (the first positional argument also sets it, as in the seed)'),
  listen: opt('string', z.string().min(1), '0.0.0.0', 'address the HTTP API listens on'),
  http_server: opt('enum', z.enum(['builtin', 'node']), 'builtin',
    'HTTP/1.1 implementation of the API: builtin (MetricStream\'s own on node:net, ~2x the requests/s for small requests) or node (node:http)'),
  data_dir: opt('string', z.string().min(1), './data', 'directory for the WAL, blocks and metadata (locked against a second process)'),
  log_level: opt('enum', z.enum(['trace', 'debug', 'info', 'warn', 'error', 'silent']), 'info', 'log verbosity: trace, debug, info, warn, error, silent'),
  wal_fsync: opt('enum', z.enum(['interval', 'always', 'never']), 'interval',
    'when the WAL is fsynced: interval (every --wal-fsync-interval), always (before every acknowledgement), never (left to the OS)'),
  wal_fsync_interval: opt('duration', duration(), 1000, 'fsync period of the WAL with --wal-fsync interval'),
  wal_segment_size: opt('size', size(), 128 * MiB, 'size at which a new WAL segment file is started'),
  retention: opt('duration', duration(), 15 * 86_400_000,
    'how long samples are kept: older samples are refused and blocks wholly older than now - retention are deleted (0 = forever)'),
  retention_size: opt('size', parsed(parseBytes).pipe(z.number().int().min(0)), 0,
    'largest size of blocks plus WAL; the oldest blocks are deleted while it is exceeded (0 = no limit)'),
  downsample_5m_after: opt('duration', duration(), 2 * 86_400_000,
    'blocks older than this also get a 5-minute-resolution copy (count, sum, min, max, last, reset-free counter per window); 0 = never'),
  downsample_1h_after: opt('duration', duration(), 14 * 86_400_000, 'blocks older than this also get a 1-hour-resolution copy, made from the 5-minute one; 0 = never'),
  retention_5m: opt('duration', duration(), 0, 'how long 5-minute downsampled blocks are kept (0 = forever); read where raw blocks are gone'),
  retention_1h: opt('duration', duration(), 0, 'how long 1-hour downsampled blocks are kept (0 = forever)'),
  out_of_order_window: opt('duration', duration(), 3_600_000,
    'how far behind its series\' newest sample a pushed sample may arrive and still be stored (0 = refuse late samples); imports take any age'),
  block_duration: opt('duration', duration().pipe(z.number().min(60_000)), 2 * 3_600_000,
    'time range of a block cut from the in-memory head; the head is cut once it spans 1.5 times this'),
  max_future: opt('duration', duration(), 600_000, 'samples whose timestamp is further ahead of the server clock than this are refused'),
  rate_limit: opt('integer', int(0, 1e9), 1000,
    'requests allowed per client in any sliding --rate-limit-window (0 = no limit); the client is the Authorization value, or the IP address without one'),
  rate_limit_window: opt('duration', duration().pipe(z.number().min(1)), 1000, 'length of the sliding rate-limit window'),
  rate_limit_max_clients: opt('integer', int(1, 1e8), 100_000,
    'clients with requests in their current window, at most; a new client beyond this gets 429 "Too many active clients"'),
  rate_limit_clients: opt('map', z.record(z.string(), int(0, 1e9)), {}, 'per-client rate limits, e.g. {"batch-loader": 5000} (config file only)', true),
  client_stats_max: opt('integer', int(0, 1e7), 10_000, 'clients whose recent rate-limit decisions are kept for /api/v1/status/clients (least recently seen dropped first)'),
  max_body_size: opt('size', size(), 10 * MiB, 'largest body of POST /metrics, remote write, Influx and OTLP writes, compressed and decompressed'),
  max_import_body_size: opt('size', size(), 256 * MiB, 'largest POST /api/v1/import body, compressed and decompressed'),
  max_metrics_per_batch: opt('integer', int(1, 1e7), 1000, 'metrics allowed in one POST /metrics request'),
  max_labels_per_series: opt('integer', int(1, 1000), 64, 'labels (tags) per series, not counting the metric name'),
  max_metric_name_length: opt('integer', int(1, 65536), 255, 'longest metric name, in UTF-8 bytes'),
  max_label_name_length: opt('integer', int(1, 65536), 128, 'longest label name, in UTF-8 bytes'),
  max_label_value_length: opt('integer', int(1, 1 << 20), 2048, 'longest label value, in UTF-8 bytes'),
  ingest_workers: opt('string', z.preprocess((v) => (typeof v === 'number' ? String(v) : v), z.string().regex(/^(auto|\d{1,4})$/, 'must be auto or a whole number of threads')), 'auto',
    'decode worker threads for ingest request bodies: auto = one per core the process may use from three cores on (none on one or two, where a worker\'s CPU is taken from the main thread and the senders: docs/ingest-pipeline.md), 0 = decode on the main thread; appends stay on the main thread'),
  ingest_decode_min_bytes: opt('size', parsed(parseBytes).pipe(z.number().int().min(0)), 64 * 1024,
    'bodies smaller than this (after decompression) are decoded on the main thread even with decode workers, where posting them costs more than it saves; batches of 1000 samples (70-125 KB) go to workers (docs/ingest-pipeline.md)'),
  ingest_influx_decode_min_bytes: opt('size', parsed(parseBytes).pipe(z.number().int().min(0)), MiB,
    'Influx line-protocol bodies smaller than this are decoded on the main thread even with decode workers: its byte scanner decodes a 1000-line batch in about the main-thread time handing it to a worker costs (docs/ingest-pipeline.md)'),
  ingest_max_inflight_bytes: opt('size', size(), 64 * MiB,
    'body bytes of ingest requests being read, decoded and appended at once; beyond it ingest answers 503 with Retry-After (one request is always let through)'),
  ingest_max_decode_queue: opt('integer', int(1, 1e6), 256, 'bodies waiting for or in a decode worker; beyond it ingest answers 503 with Retry-After'),
  ingest_max_pending_commits: opt('integer', int(1, 1e6), 512,
    'ingest requests whose samples wait for their WAL write; beyond it ingest answers 503 with Retry-After'),
  ingest_max_wal_pending_bytes: opt('size', size(), 64 * MiB,
    'WAL bytes logged but not yet written (the disk falling behind); beyond it ingest answers 503 with Retry-After'),
  ingest_queue_target: opt('duration', duration(), 5,
    'queueing allowed in ingest: when even the fastest ingest request of a 100 ms window waited longer than this between its body arriving and its commit (decode queue, decode, event-loop turns, appends; not the WAL write), plus how late the event loop ran in that window, fewer requests are worked on at once and the rest are answered 503 with Retry-After, so that accepted requests stay fast under overload (0 = off)'),
  query_timeout: opt('duration', duration(), 120_000, 'longest a PromQL query may run; the API `timeout` parameter may only shorten it'),
  query_max_samples: opt('integer', int(1, 1e12), 50_000_000, 'samples a PromQL query may load into memory'),
  query_lookback_delta: opt('duration', duration().pipe(z.number().min(1)), 300_000, 'how far back an instant selector looks for a sample'),
  query_cache_size: opt('size', parsed(parseBytes).pipe(z.number().int().min(0)), 64 * MiB,
    'memory for cached range query answers (0 = no cache); a repeated dashboard query only evaluates the steps newer than --query-cache-offset (nocache=1 skips it)'),
  query_cache_offset: opt('duration', duration().pipe(z.number().min(1000)), 300_000,
    'steps newer than this are never cached; samples written further back than this (late, imported) or deleted drop the cached steps from their time on'),
  query_chunk_cache_size: opt('size', parsed(parseBytes).pipe(z.number().int().min(0)), 32 * MiB,
    'memory for decoded copies of the head\'s closed chunks that queries read (0 = none): a dashboard refreshing its newest steps reads the same recent chunks every time, and each is decoded once'),
  otlp_delta_max_series: opt('integer', int(0, 1e8), 200_000,
    'series whose OTLP delta sums and histograms are added up into running totals in memory, at most; points of further new delta series are refused (partial success) until totals idle for 1 h can be dropped'),
  otlp_promote_scope: opt('boolean', bool(), false,
    'add each OTLP point\'s instrumentation scope as otel_scope_name and otel_scope_version labels (off by default, as in Prometheus\'s OTLP receiver)'),
  enable_admin_api: opt('boolean', bool(), false,
    'serve POST /api/v1/admin/tsdb/delete_series and /snapshot (as Prometheus\'s --web.enable-admin-api); without it they answer 503'),
  statsd_port: opt('integer', int(0, 65535), 8125,
    'UDP port for StatsD / DogStatsD lines, also a TCP port for newline-separated lines (0 = off); the address is --listen; the rate limit does not apply'),
  statsd_flush_interval: opt('duration', duration().pipe(z.number().min(10)), 10_000,
    'how often aggregated StatsD series are written to storage (counters cumulative, gauges last value, histograms cumulative, quantiles and sets per interval)'),
  statsd_buckets: opt('list', numberList(() => null, true), [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    'upper bounds (le) of the histogram buckets of StatsD timers (ms, written in seconds), histograms and distributions; +Inf is always added'),
  statsd_percentiles: opt('list', numberList((q) => (q >= 0 && q <= 1 ? null : `quantile ${q} is outside 0..1`), true), [0.5, 0.9, 0.99],
    'quantiles written per flush interval for StatsD timers, histograms and distributions as <name>{quantile="0.9"} (empty = none)'),
  statsd_max_series: opt('integer', int(1, 1e8), 100_000,
    'StatsD series (name and tags) aggregated at most; a line that would start another is dropped and counted as malformed'),
  shutdown_timeout: opt('duration', duration(), 30_000, 'how long a graceful shutdown waits for in-flight requests'),
  global: opt('object', globalSchema, { scrape_interval: 60_000, scrape_timeout: 10_000 },
    'defaults for scrape_configs, as in Prometheus: scrape_interval, scrape_timeout (config file only; see "Scraping keys" below)', true),
  scrape_configs: opt('list', scrapeConfigsSchema, [],
    'targets to scrape for Prometheus text or OpenMetrics, a subset of Prometheus\'s scrape_configs (config file only; see "Scraping keys" below)', true),
} as const;

export type OptionKey = keyof typeof OPTIONS;

/** The validated configuration of a node. */
export type Config = { -readonly [K in OptionKey]: z.output<(typeof OPTIONS)[K]['schema']> };

/** `data_dir` → `--data-dir`. */
export const flagName = (key: string): string => key.replaceAll('_', '-');
/** `data_dir` → `METRICSTREAM_DATA_DIR`. */
export const envName = (key: string): string => `METRICSTREAM_${key.toUpperCase()}`;

/** The default of a key as a user would write it. */
export function formatDefault(key: OptionKey): string {
  const spec = OPTIONS[key];
  const d = spec.default as unknown;
  if (spec.kind === 'duration') return formatDuration(d as number);
  if (spec.kind === 'size') return formatBytes(d as number);
  if (spec.kind === 'map') return JSON.stringify(d);
  // Number lists as a flag takes them; structured lists (scrape_configs) as JSON.
  if (spec.kind === 'list') return (d as unknown[]).every((x) => typeof x === 'number') && (d as unknown[]).length > 0 ? (d as number[]).join(',') : JSON.stringify(d);
  if (spec.kind === 'object') return Object.entries(d as Record<string, number>).map(([k, v]) => `${k}: ${formatDuration(v)}`).join(', ');
  return String(d);
}

/** The config keys in a stable order. */
export const OPTION_KEYS = Object.keys(OPTIONS) as OptionKey[];
