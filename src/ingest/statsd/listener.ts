// The StatsD / DogStatsD listeners: UDP datagrams and TCP streams of newline-separated lines on
// one port, feeding one aggregator that is flushed to storage (tenant `default`) every flush
// interval and once more on close. Bad lines are counted and logged at most once per 10 s;
// nothing a client sends can stop the listener. UDP has no client identity worth the name, so
// the HTTP rate limiter does not apply here.
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer, isIPv6, type Server, type Socket } from 'node:net';
import type { Logger } from 'pino';
import { Counter, Gauge } from 'prom-client';
import type { Storage } from '../../storage/index.js';
import type { IngestStats } from '../stats.js';
import type { ValidationLimits } from '../validate.js';
import { StatsdAggregator } from './aggregator.js';
import { newStatsdLine } from './parse.js';

/** Totals over every listener in the process; the Prometheus counters pull them when scraped. */
const totals = { udp: 0, tcp: 0, malformed: 0, tagErrors: 0, flushes: 0, series: 0 };
const reported = { udp: 0, tcp: 0, malformed: 0, tagErrors: 0, flushes: 0 };
const listeners = new Set<StatsdListener>();

new Counter({
  name: 'metricstream_statsd_lines_total',
  help: 'StatsD lines received (not counting empty lines), by transport',
  labelNames: ['transport'] as const,
  collect() {
    for (const t of ['udp', 'tcp'] as const) {
      this.inc({ transport: t }, totals[t] - reported[t]);
      reported[t] = totals[t];
    }
  },
});
// Counters that follow one of the totals: each scrape adds what it gained since the last.
for (const [key, name, help] of [
  ['malformed', 'metricstream_statsd_malformed_lines_total', 'StatsD lines dropped: unparsable, over a limit, or a name sent as two different types'],
  ['tagErrors', 'metricstream_statsd_tag_errors_total', 'DogStatsD tags dropped from otherwise good lines (no value, empty value, reserved name)'],
  ['flushes', 'metricstream_statsd_flushes_total', 'Aggregation intervals written to storage'],
] as const) {
  new Counter({
    name,
    help,
    collect() {
      this.inc(totals[key] - reported[key]);
      reported[key] = totals[key];
    },
  });
}
new Gauge({
  name: 'metricstream_statsd_series',
  help: 'StatsD series (name and tags) being aggregated',
  collect() {
    let n = 0;
    for (const l of listeners) n += l.seriesCount;
    this.set(n);
  },
});

/** SO_RCVBUF asked for the UDP socket. */
const UDP_RECEIVE_BUFFER = 8 * 1024 * 1024;
/** How often a bad line is logged at most. */
const LOG_EVERY_MS = 10_000;

export interface StatsdListenerOptions {
  readonly host: string;
  /** 0 picks a free port (the same one for UDP and TCP). */
  readonly port: number;
  readonly flushIntervalMs: number;
  readonly buckets: readonly number[];
  readonly percentiles: readonly number[];
  readonly maxSeries: number;
  /** Longest TCP line kept (in UTF-16 units, so bytes for ASCII); a longer one is dropped as malformed up to its newline. */
  readonly maxLineBytes: number;
  readonly limits: ValidationLimits;
  readonly storage: Storage;
  readonly stats: IngestStats;
  readonly logger: Logger;
}

/** A running StatsD endpoint. Start with `StatsdListener.start`. */
export class StatsdListener {
  private readonly agg: StatsdAggregator;
  private readonly line = newStatsdLine();
  private readonly sockets = new Set<Socket>();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | null = null;
  private closing: Promise<void> | null = null;
  private malformedSinceLog = 0;
  private lastLogAt = 0;
  private lastFlushAt = 0;

  private constructor(
    private readonly o: StatsdListenerOptions,
    private readonly udp: UdpSocket,
    private readonly tcp: Server,
    /** The bound port (UDP and TCP). */
    readonly port: number,
  ) {
    this.agg = new StatsdAggregator({ buckets: o.buckets, percentiles: o.percentiles, maxSeries: o.maxSeries });
  }

  /** Binds UDP and TCP on the same port; rejects if either cannot (e.g. the port is taken). */
  static async start(o: StatsdListenerOptions): Promise<StatsdListener> {
    // With port 0 the UDP port is picked first; TCP may find it taken, so a few picks are tried.
    for (let attempt = 0; ; attempt++) {
      // A large receive buffer rides out bursts while the event loop is busy (a flush, a GC);
      // the kernel caps it at net.core.rmem_max.
      const udp = createSocket({ type: isIPv6(o.host) ? 'udp6' : 'udp4', recvBufferSize: UDP_RECEIVE_BUFFER });
      try {
        await new Promise<void>((resolve, reject) => {
          udp.once('error', reject);
          udp.bind(o.port, o.host, () => {
            udp.off('error', reject);
            resolve();
          });
        });
      } catch (e) {
        udp.close();
        throw e;
      }
      const port = udp.address().port;
      const tcp = createServer();
      try {
        await new Promise<void>((resolve, reject) => {
          tcp.once('error', reject);
          tcp.listen(port, o.host, () => {
            tcp.off('error', reject);
            resolve();
          });
        });
      } catch (e) {
        udp.close();
        if (o.port === 0 && attempt < 5 && (e as NodeJS.ErrnoException).code === 'EADDRINUSE') continue;
        throw e;
      }
      const l = new StatsdListener(o, udp, tcp, port);
      l.run();
      return l;
    }
  }

  private run(): void {
    listeners.add(this);
    this.udp.on('message', (msg) => this.handleText(msg.toString('utf8'), 'udp'));
    // A UDP socket error (rare: e.g. ICMP noise on some platforms) is logged, never fatal.
    this.udp.on('error', (e) => this.o.logger.warn({ err: e }, 'statsd UDP socket error'));
    this.tcp.on('connection', (s) => this.serveTcp(s));
    this.tcp.on('error', (e) => this.o.logger.warn({ err: e }, 'statsd TCP server error'));
    this.timer = setInterval(() => void this.flush(), this.o.flushIntervalMs);
    this.timer.unref();
  }

  /** Series being aggregated. */
  get seriesCount(): number {
    return this.agg.size;
  }

  private serveTcp(s: Socket): void {
    this.sockets.add(s);
    s.setEncoding('utf8');
    let pending = '';
    let skipping = false; // inside a line longer than maxLineBytes
    s.on('data', (chunk: string) => {
      let text = pending + chunk;
      pending = '';
      if (skipping) {
        const nl = text.indexOf('\n');
        if (nl < 0) return;
        skipping = false;
        text = text.slice(nl + 1);
      }
      const last = text.lastIndexOf('\n');
      if (last < 0) pending = text;
      else {
        this.handleText(text.slice(0, last), 'tcp');
        pending = text.slice(last + 1);
      }
      if (pending.length > this.o.maxLineBytes) {
        totals.tcp++;
        this.o.stats.statsdLines++;
        this.malformed(`a TCP line is longer than ${this.o.maxLineBytes} characters: dropped up to its newline`, 'tcp');
        pending = '';
        skipping = true;
      }
    });
    s.on('end', () => {
      if (!skipping && pending.length > 0) this.handleText(pending, 'tcp');
      pending = '';
      s.end();
    });
    s.on('error', () => undefined); // a reset connection ends like a closed one
    s.on('close', () => this.sockets.delete(s));
  }

  /** Parses and aggregates newline-separated lines (one datagram, or whole lines of a stream). */
  handleText(text: string, transport: 'udp' | 'tcp'): void {
    const { line, agg } = this;
    const limits = this.o.limits;
    let lines = 0;
    let from = 0;
    while (from <= text.length) {
      let to = text.indexOf('\n', from);
      if (to < 0) to = text.length;
      let end = to;
      if (end > from && text.charCodeAt(end - 1) === 13 /* \r */) end--;
      if (end > from) {
        lines++;
        const s = text.slice(from, end);
        const problem = agg.addText(s, line, limits);
        if (problem !== null) this.malformed(problem, transport);
        else totals.tagErrors += line.tagErrors;
      }
      from = to + 1;
    }
    totals[transport] += lines;
    this.o.stats.statsdLines += lines;
  }

  private malformed(problem: string, transport: 'udp' | 'tcp'): void {
    totals.malformed++;
    this.o.stats.statsdMalformedLines++;
    this.malformedSinceLog++;
    const now = Date.now();
    if (now - this.lastLogAt >= LOG_EVERY_MS) {
      this.o.logger.warn({ transport, malformed_lines: this.malformedSinceLog, last_problem: problem }, 'statsd: malformed lines dropped (logged at most every 10 s)');
      this.malformedSinceLog = 0;
      this.lastLogAt = now;
    }
  }

  /** Writes the aggregated series now (waits for a flush already under way instead of overlapping it). */
  flush(): Promise<void> {
    this.flushing ??= this.flushNow().finally(() => (this.flushing = null));
    return this.flushing;
  }

  private async flushNow(): Promise<void> {
    const { storage, logger, stats } = this.o;
    // During WAL replay the interval simply goes on: nothing is lost, it is written next time.
    if (!storage.ready || this.agg.size === 0) return;
    const app = storage.appender('default');
    let r;
    try {
      // Two flushes in one millisecond (the final one right after a timer's) must not collide.
      const t = Math.max(Date.now(), this.lastFlushAt + 1);
      this.lastFlushAt = t;
      r = this.agg.flush(t, app);
    } catch (e) {
      app.rollback();
      logger.error({ err: e }, 'statsd flush failed');
      return;
    }
    try {
      await app.commit();
    } catch (e) {
      logger.error({ err: e, samples: r.samples }, 'statsd flush could not be written');
      return;
    }
    totals.flushes++;
    stats.storedSamples('statsd', r.samples);
    stats.statsdSamplesFlushed += r.samples;
    if (r.refused > 0) logger.warn({ refused: r.refused, first: r.firstRefusal }, 'statsd flush: storage refused samples');
  }

  /** Stops listening, then writes what was aggregated since the last flush. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      clearInterval(this.timer);
      await new Promise<void>((resolve) => this.udp.close(() => resolve()));
      const closed = new Promise<void>((resolve) => this.tcp.close(() => resolve()));
      for (const s of this.sockets) s.destroy();
      await closed;
      if (this.flushing !== null) await this.flushing; // the last timer's flush, still writing
      await this.flush();
      listeners.delete(this);
    })();
    return this.closing;
  }
}
