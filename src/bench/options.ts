// `metricstream bench` flags: one table holds each flag's type, default and help text, so
// parsing and `--help` cannot drift apart.
import { parseArgs } from 'node:util';
import { OPTIONS, parseDuration } from '../config/index.js';
import { PROTOCOL_NAMES, PROTOCOLS } from './protocol.js';
import { HTTP_CLIENTS, type HttpClientName } from './transport.js';

/** Where StatsD lines go without --statsd-address: the node's own default --statsd-port. */
const STATSD_PORT: number = OPTIONS.statsd_port.default;

export interface BenchOptions {
  readonly target: string;
  readonly protocol: string;
  readonly clients: number;
  readonly connections: number;
  /** Requests per second for the whole run (open loop), or undefined for closed loop. */
  readonly rate: number | undefined;
  readonly durationMs: number;
  readonly batch: number;
  readonly series: number;
  readonly progress: boolean;
  readonly json: boolean;
  readonly httpClient: HttpClientName;
  readonly threads: number;
  /** Where StatsD lines go (host, port): --statsd-address, else the target's host on the node's default StatsD port. */
  readonly statsdAddress: readonly [string, number];
}

/** One flag of the bench command, as parsing and `--help` see it. */
export interface FlagSpec {
  readonly name: string;
  readonly arg: string | null; // null: a boolean switch
  readonly help: string;
  readonly default?: string;
}

export const BENCH_FLAGS: readonly FlagSpec[] = [
  { name: 'target', arg: 'url', default: 'http://127.0.0.1:8080', help: 'node to load (env METRICSTREAM_URL)' },
  { name: 'protocol', arg: 'name', default: 'json', help: `wire format: ${PROTOCOL_NAMES.join(', ')} (json = the seed's POST /metrics body, import = POST /api/v1/import JSON lines, influx = POST /write line protocol, remote-write = POST /api/v1/write, otlp = POST /v1/metrics OTLP protobuf; all of these but json send timestamps, so --series must be at least --connections. statsd = DogStatsD lines in UDP datagrams, statsd-tcp = the same over TCP connections, both to --statsd-address: no answers to time, so the report gives the lines sent and those the node counted (its stats, read from --target) and the loss between; counters send 1 per line)` },
  { name: 'clients', arg: 'n', default: '1', help: 'distinct client ids sent as Authorization (bench-0 ... bench-N-1), requests spread over them in turn; the node rate-limits per id' },
  { name: 'connections', arg: 'n', default: '64', help: 'keep-alive connections; each sends one request at a time (statsd: UDP sockets or TCP connections, each sending one batch at a time)' },
  { name: 'threads', arg: 'n', default: '1', help: 'threads that share the connections (as wrk -t); each runs its own event loop' },
  { name: 'rate', arg: 'req/s', help: 'open loop: send at this constant total rate and measure latency from each request\'s intended send time (as wrk2 does); without it (and without --interval) every connection sends its next request as soon as the last is answered (closed loop). statsd: datagrams (statsd-tcp: writes) per second, no latency' },
  { name: 'interval', arg: 'duration', help: 'open loop as an agent fleet: each client sends one request per interval, i.e. --rate clients/interval' },
  { name: 'duration', arg: 'duration', default: '10s', help: 'how long to send' },
  { name: 'batch', arg: 'n', default: '3', help: 'samples per request (statsd: lines per datagram or write)' },
  { name: 'statsd-address', arg: 'host:port', help: `the StatsD listener for --protocol statsd and statsd-tcp (default: the host of --target, port ${STATSD_PORT})` },
  { name: 'series', arg: 'n', default: '3', help: 'distinct series (cpu_usage, memory_usage, requests_total on host server1, server2, ...); 3 with --batch 3 is the seed\'s request' },
  { name: 'progress', arg: null, help: 'live progress line on stderr even when it is not a terminal (it is shown on a terminal anyway)' },
  { name: 'json', arg: null, help: 'print the report as one JSON object' },
  { name: 'http-client', arg: 'name', default: 'raw', help: 'raw: a minimal keep-alive HTTP/1.1 client (cheapest per request; http:// only); undici: undici\'s Pool (always used for https://)' },
];

/** Thrown for a bad flag value; the CLI prints the message and exits 2. */
export class BenchUsageError extends Error {
  override readonly name = 'BenchUsageError';
}

function integer(flag: string, text: string, min: number): number {
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(n) || n < min) throw new BenchUsageError(`--${flag} must be a whole number >= ${min}, got ${JSON.stringify(text)}`);
  return n;
}

function duration(flag: string, text: string): number {
  try {
    const ms = parseDuration(text);
    if (ms <= 0) throw new RangeError('it must be more than 0');
    return ms;
  } catch (e) {
    throw new BenchUsageError(`--${flag}: ${(e as Error).message}`);
  }
}

/** `host:port` or `[v6]:port`. */
function parseAddress(text: string): readonly [string, number] {
  const m = /^(?:\[([^\]]+)\]|([^:\[\]]+)):(\d+)$/.exec(text.trim());
  const port = m === null ? NaN : Number(m[3]);
  if (m === null || !(port >= 1 && port <= 65535)) throw new BenchUsageError(`--statsd-address must be host:port (or [ipv6]:port) with a port from 1 to 65535, got ${JSON.stringify(text)}`);
  return [m[1] ?? m[2]!, port];
}

/** Parses the bench command's arguments; returns null when --help was asked for. */
export function parseBenchArgs(args: readonly string[], env: NodeJS.ProcessEnv = {}): BenchOptions | null {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string }> = { help: { type: 'boolean', short: 'h' } };
  for (const f of BENCH_FLAGS) options[f.name] = { type: f.arg === null ? 'boolean' : 'string' };
  let parsed;
  try {
    parsed = parseArgs({ args: [...args], options, allowPositionals: false, strict: true });
  } catch (e) {
    throw new BenchUsageError(`${(e as Error).message}\nRun 'metricstream bench --help' for the flags.`);
  }
  const v = parsed.values as Record<string, string | boolean | undefined>;
  if (v.help === true) return null;
  const str = (name: string): string | undefined => v[name] as string | undefined;
  const target = str('target') ?? env.METRICSTREAM_URL ?? 'http://127.0.0.1:8080';
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    throw new BenchUsageError(`--target must be an http:// URL, got ${JSON.stringify(target)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new BenchUsageError(`--target must be an http:// or https:// URL, got ${JSON.stringify(target)}`);
  const protocol = str('protocol') ?? 'json';
  if (!PROTOCOL_NAMES.includes(protocol)) throw new BenchUsageError(`--protocol must be one of ${PROTOCOL_NAMES.join(', ')}, got ${JSON.stringify(protocol)}`);
  const clients = integer('clients', str('clients') ?? '1', 1);
  const connections = integer('connections', str('connections') ?? '64', 1);
  const threads = integer('threads', str('threads') ?? '1', 1);
  if (threads > connections) throw new BenchUsageError(`--threads must not exceed --connections (${threads} > ${connections}): each thread needs a connection`);
  const batch = integer('batch', str('batch') ?? '3', 1);
  const series = integer('series', str('series') ?? '3', 1);
  const durationMs = duration('duration', str('duration') ?? '10s');
  const rateText = str('rate');
  const intervalText = str('interval');
  if (rateText !== undefined && intervalText !== undefined) throw new BenchUsageError('give --rate or --interval, not both (--interval means --rate clients/interval)');
  let rate: number | undefined;
  if (rateText !== undefined) {
    rate = Number(rateText);
    if (!Number.isFinite(rate) || rate <= 0) throw new BenchUsageError(`--rate must be a number of requests per second > 0, got ${JSON.stringify(rateText)}`);
  } else if (intervalText !== undefined) {
    rate = clients / (duration('interval', intervalText) / 1000);
  }
  const statsd = PROTOCOLS.get(protocol)!.transport !== undefined;
  if (statsd && clients !== 1) throw new BenchUsageError(`--clients has no meaning for --protocol ${protocol}: StatsD lines carry no client id (the node does not rate-limit them)`);
  if (statsd && threads !== 1) throw new BenchUsageError(`--threads is for the HTTP protocols; --protocol ${protocol} runs on one thread`);
  if (statsd && intervalText !== undefined) throw new BenchUsageError(`--interval is per client id, which --protocol ${protocol} has none of: give --rate (datagrams or writes per second)`);
  if (statsd && str('http-client') !== undefined) throw new BenchUsageError(`--http-client is for the HTTP protocols, not --protocol ${protocol}`);
  const addressText = str('statsd-address');
  if (addressText !== undefined && !statsd) throw new BenchUsageError(`--statsd-address is for --protocol statsd and statsd-tcp, not ${protocol}`);
  const statsdAddress = addressText === undefined ? ([url.hostname.replace(/^\[|\]$/g, ''), STATSD_PORT] as const) : parseAddress(addressText);
  const httpClient = str('http-client') ?? 'raw';
  if (!(HTTP_CLIENTS as readonly string[]).includes(httpClient)) throw new BenchUsageError(`--http-client must be one of ${HTTP_CLIENTS.join(', ')}, got ${JSON.stringify(httpClient)}`);
  return {
    target: url.href.replace(/\/+$/, ''), protocol, httpClient: httpClient as HttpClientName, threads, clients, connections, rate, durationMs, batch, series,
    progress: v.progress === true, json: v.json === true, statsdAddress,
  };
}
