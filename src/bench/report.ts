// The bench's final report: as text for people, as JSON for scripts.
import type { BenchOptions } from './options.js';
import type { RecordableHistogram } from 'node:perf_hooks';
import type { LoadResult } from './load.js';
import type { StatsdResult } from './statsd-load.js';

export interface BenchReport {
  readonly target: string;
  readonly protocol: string;
  readonly mode: 'closed' | 'open';
  readonly rate: number | null;
  readonly connections: number;
  readonly threads: number;
  readonly clients: number;
  readonly batch: number;
  readonly series: number;
  readonly duration_s: number;
  readonly elapsed_s: number;
  readonly scheduled: number;
  readonly missed: number;
  readonly requests: number;
  readonly requests_per_s: number;
  readonly ok_requests: number;
  readonly ok_requests_per_s: number;
  /** Null only for StatsD when the node's stats could not be read. */
  readonly samples_ok: number | null;
  readonly samples_per_s: number | null;
  /** Milliseconds; open loop: from each request's intended send time. Null for StatsD (no answers). */
  readonly latency_ms: Percentiles | null;
  /** The same over the 2xx answers only: what accepted requests waited while others got 429/503. */
  readonly ok_latency_ms: Percentiles | null;
  readonly status: Readonly<Record<string, number>>;
  readonly errors: number;
  readonly first_error: string | null;
  readonly client_cpu_pct: number;
  /** StatsD runs only: requests are datagrams (TCP: writes), "ok" the ones the socket took. */
  readonly statsd?: StatsdReport;
}

export interface StatsdReport {
  readonly transport: 'udp' | 'tcp';
  readonly address: string;
  readonly lines_sent: number;
  readonly lines_sent_per_s: number;
  /** Lines the node counted while the run went on (its statsd_lines_received; other senders' lines count too); null if its stats could not be read. */
  readonly lines_received: number | null;
  readonly lines_received_per_s: number | null;
  /** (sent - received) / sent, in percent. */
  readonly loss_pct: number | null;
  readonly malformed_lines: number | null;
  readonly stats_error: string | null;
}

export interface Percentiles {
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly p999: number;
  readonly max: number;
  readonly mean: number;
}

const ms = (us: number) => Math.round(us) / 1000;

function percentiles(h: RecordableHistogram): Percentiles {
  if (h.count === 0) return { p50: 0, p90: 0, p99: 0, p999: 0, max: 0, mean: 0 };
  const pct = (p: number) => ms(h.percentile(p));
  return { p50: pct(50), p90: pct(90), p99: pct(99), p999: pct(99.9), max: ms(h.max), mean: Math.round(h.mean) / 1000 };
}

/** What every run's report says of its options and its sends, HTTP or StatsD alike. */
function runFields(o: BenchOptions, r: Pick<LoadResult, 'elapsedMs' | 'live' | 'scheduled' | 'missed' | 'firstError' | 'clientCpuMs'>) {
  const secs = r.elapsedMs / 1000;
  return {
    mode: o.rate === undefined ? ('closed' as const) : ('open' as const),
    rate: o.rate ?? null,
    connections: o.connections,
    threads: o.threads,
    clients: o.clients,
    batch: o.batch,
    series: o.series,
    duration_s: o.durationMs / 1000,
    elapsed_s: Math.round(secs * 1000) / 1000,
    scheduled: r.scheduled,
    missed: r.missed,
    requests: r.live.done,
    requests_per_s: Math.round(r.live.done / secs),
    ok_requests: r.live.ok,
    ok_requests_per_s: Math.round(r.live.ok / secs),
    errors: r.live.errors,
    first_error: r.firstError ?? null,
    client_cpu_pct: Math.round((100 * r.clientCpuMs) / r.elapsedMs),
  };
}

/** Builds the report from a run. */
export function buildReport(o: BenchOptions, path: string, r: LoadResult): BenchReport {
  const secs = r.elapsedMs / 1000;
  return {
    target: o.target + path,
    protocol: o.protocol,
    ...runFields(o, r),
    samples_ok: r.okSamples,
    samples_per_s: Math.round(r.okSamples / secs),
    latency_ms: percentiles(r.latency),
    ok_latency_ms: percentiles(r.okLatency),
    status: Object.fromEntries([...r.status].map(([code, n]) => [String(code), n])),
  };
}

/** The report of a StatsD run: its sends as requests, the lines the node counted as samples. */
export function buildStatsdReport(o: BenchOptions, r: StatsdResult): BenchReport {
  const perS = (n: number) => Math.round(n / (r.elapsedMs / 1000));
  const received = r.linesReceived;
  return {
    target: `${r.transport}://${r.address}`,
    protocol: o.protocol,
    ...runFields(o, r),
    samples_ok: received,
    samples_per_s: received === null ? null : perS(received),
    latency_ms: null,
    ok_latency_ms: null,
    status: {},
    statsd: {
      transport: r.transport,
      address: r.address,
      lines_sent: r.linesSent,
      lines_sent_per_s: perS(r.linesSent),
      lines_received: received,
      lines_received_per_s: received === null ? null : perS(received),
      loss_pct: received === null || r.linesSent === 0 ? null : Math.round((10_000 * (r.linesSent - received)) / r.linesSent) / 100,
      malformed_lines: r.malformedLines,
      stats_error: r.statsError ?? null,
    },
  };
}

const k = (n: number) => n.toLocaleString('en-US');

const line = (l: Percentiles) => `p50 ${l.p50} ms  p90 ${l.p90} ms  p99 ${l.p99} ms  p99.9 ${l.p999} ms  max ${l.max} ms  (mean ${l.mean} ms)`;

function formatStatsd(r: BenchReport, u: StatsdReport): string {
  const sends = u.transport === 'udp' ? 'datagrams' : 'writes';
  const mode = r.mode === 'closed' ? 'closed loop' : `open loop at ${k(Math.round(r.rate!))} ${sends}/s`;
  const lines = [
    `target     StatsD over ${u.transport.toUpperCase()} to ${u.address}, ${r.connections} ${u.transport === 'udp' ? 'socket' : 'connection'}${r.connections === 1 ? '' : 's'}, ${mode}`,
    `load       ${k(r.batch)} lines per ${sends.slice(0, -1)} over ${k(r.series)} series, ${r.duration_s} s`,
    `sent       ${k(r.requests)} ${sends} = ${k(u.lines_sent)} lines in ${r.elapsed_s} s = ${k(u.lines_sent_per_s)} lines/s` +
      (r.mode === 'open' ? `; ${k(r.scheduled)} scheduled${r.missed > 0 ? `, ${k(r.missed)} not sent (the sockets fell behind the schedule)` : ''}` : '') +
      (r.errors > 0 ? `; ${k(r.errors)} refused by the socket` : ''),
    u.lines_received === null
      ? `received   unknown: ${u.stats_error}`
      : `received   ${k(u.lines_received)} lines counted by the node = ${k(u.lines_received_per_s!)} lines/s; ` +
        `${u.loss_pct === null ? 'loss n/a (nothing sent)' : `loss ${u.loss_pct} %`}; malformed ${k(u.malformed_lines!)}`,
    `latency    none: StatsD sends no answers`,
    `client CPU ${r.client_cpu_pct} % of one core`,
  ];
  if (r.first_error !== null) lines.push(`first error ${r.first_error}`);
  return lines.join('\n');
}

/** The report as a few aligned lines. */
export function formatReport(r: BenchReport): string {
  if (r.statsd !== undefined) return formatStatsd(r, r.statsd);
  const mode = r.mode === 'closed' ? 'closed loop' : `open loop at ${k(Math.round(r.rate!))} req/s (latency from intended send time)`;
  const l = r.latency_ms!;
  const lines = [
    `target     POST ${r.target} (${r.protocol}), ${r.connections} connections${r.threads > 1 ? ` on ${r.threads} threads` : ''}, ${k(r.clients)} client id${r.clients === 1 ? '' : 's'}, ${mode}`,
    `load       ${k(r.batch)} samples per request over ${k(r.series)} series, ${r.duration_s} s`,
    `requests   ${k(r.requests)} answered in ${r.elapsed_s} s = ${k(r.requests_per_s)} req/s; 2xx ${k(r.ok_requests_per_s)} req/s` +
      (r.mode === 'open' ? `; ${k(r.scheduled)} scheduled${r.missed > 0 ? `, ${k(r.missed)} not sent (the server fell behind the schedule)` : ''}` : ''),
    `samples    ${k(r.samples_ok!)} accepted = ${k(r.samples_per_s!)} samples/s`,
    `latency    ${line(l)}`,
    `status     ${Object.entries(r.status).map(([c, n]) => `${c}: ${k(n)}`).join('  ') || 'none'}${r.errors > 0 ? `  connection errors: ${k(r.errors)}` : ''}`,
    `client CPU ${r.client_cpu_pct} % of one core`,
  ];
  // Only worth a line when some answers were not 2xx (else it repeats the line above).
  if (r.ok_requests !== r.requests) lines.splice(5, 0, `2xx only   ${r.ok_requests > 0 ? line(r.ok_latency_ms!) : 'none'}`);
  if (r.first_error !== null) lines.push(`first error ${r.first_error}`);
  return lines.join('\n');
}
