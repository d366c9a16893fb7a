// `metricstream bench --protocol statsd|statsd-tcp`: StatsD lines to the node's StatsD listener,
// as datagrams over UDP or newline-separated over TCP connections. StatsD has no answers, so
// there is no latency to time: what a run can tell is how many lines were sent and how many the
// node counted (its statsd_lines_received stat, read from GET /metrics before and after the run),
// and so how many UDP lost on the way. Over TCP nothing may be lost: the counts must agree.
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { lookup } from 'node:dns/promises';
import { connect, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { BenchOptions } from './options.js';
import type { LiveCounts } from './load.js';
import { runLanes } from './lanes.js';
import { buildTemplates, makeSeries, templatesPerSet } from './payload.js';
import type { Protocol } from './protocol.js';

/** The largest UDP payload (65,535 less the IPv4 and UDP headers). */
export const MAX_DATAGRAM_BYTES = 65_507;

export interface StatsdResult {
  readonly transport: 'udp' | 'tcp';
  /** host:port the lines went to. */
  readonly address: string;
  readonly elapsedMs: number;
  /** sent: datagrams (TCP: writes of one batch) handed to the socket; done = ok: those the socket took; errors: those it refused. */
  readonly live: LiveCounts;
  readonly scheduled: number;
  readonly missed: number;
  readonly linesSent: number;
  /** Lines the node counted during the run (null when its stats could not be read). */
  readonly linesReceived: number | null;
  readonly malformedLines: number | null;
  readonly statsError: string | undefined;
  readonly firstError: string | undefined;
  readonly clientCpuMs: number;
}

/** How long a read of the node's stats may take. */
const STATS_TIMEOUT_MS = 5000;

/** The node's StatsD counters, from the stats JSON of GET /metrics. */
async function statsdCounts(target: string): Promise<{ lines: number; malformed: number }> {
  let res: Response;
  try {
    res = await fetch(`${target}/metrics`, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(STATS_TIMEOUT_MS) });
  } catch (e) {
    const err = e as Error & { cause?: { code?: string; message?: string } };
    const why = err.name === 'TimeoutError' ? `no answer in ${STATS_TIMEOUT_MS / 1000} s` : (err.cause?.code ?? err.cause?.message ?? err.message);
    throw new Error(`GET ${target}/metrics: ${why}`);
  }
  if (!res.ok) throw new Error(`GET ${target}/metrics answered ${res.status}`);
  const s = (await res.json()) as { statsd_lines_received?: unknown; statsd_malformed_lines?: unknown };
  if (typeof s.statsd_lines_received !== 'number' || typeof s.statsd_malformed_lines !== 'number') {
    throw new Error(`GET ${target}/metrics has no statsd_lines_received: not a MetricStream node?`);
  }
  return { lines: s.statsd_lines_received, malformed: s.statsd_malformed_lines };
}

/** One lane's way out: a connected UDP socket or a TCP connection. */
interface Sender {
  /** Resolves once the socket has taken the bytes (UDP: handed to the kernel; TCP: written). */
  send(b: Buffer): Promise<void>;
  close(): Promise<void>;
}

async function udpSender(host: string, port: number): Promise<Sender> {
  // The socket's family is the address's: a name may resolve to IPv6 only (TCP's connect finds
  // that out by itself; a UDP socket is made for one family before it connects).
  const { family } = await lookup(host);
  const sock: UdpSocket = createSocket(family === 6 ? 'udp6' : 'udp4');
  try {
    await new Promise<void>((resolve, reject) => {
      // A failed lookup or bind comes to connect's callback; other failures as 'error'.
      sock.once('error', reject);
      sock.connect(port, host, (err?: Error) => {
        sock.off('error', reject);
        if (err) reject(err);
        else resolve();
      });
    });
  } catch (e) {
    sock.close();
    throw e;
  }
  // An ICMP "port unreachable" comes back as an error on a connected socket.
  return sending(sock, (b, done) => sock.send(b, done), () => new Promise((resolve) => sock.close(() => resolve())));
}

/**
 * A Sender over a socket: `write` hands bytes to it; an 'error' the socket emits between sends
 * (UDP's ICMP answer, a TCP reset) fails every send from then on.
 */
function sending(sock: UdpSocket | Socket, write: (b: Buffer, done: (err?: Error | null) => void) => void, close: () => Promise<void>): Sender {
  let failed: Error | null = null;
  sock.on('error', (e: Error) => (failed = e));
  return {
    send: (b) =>
      new Promise((resolve, reject) => {
        if (failed !== null) reject(failed);
        else write(b, (err) => (err ? reject(err) : resolve()));
      }),
    close,
  };
}

async function tcpSender(host: string, port: number): Promise<Sender> {
  const sock: Socket = connect({ host, port, noDelay: true });
  await new Promise<void>((resolve, reject) => {
    sock.once('error', reject);
    sock.once('connect', () => {
      sock.off('error', reject);
      resolve();
    });
  });
  return sending(
    sock,
    (b, done) => sock.write(b, done),
    () =>
      new Promise((resolve) => {
        if (sock.destroyed) {
          resolve();
          return;
        }
        sock.end(() => resolve());
        sock.once('close', () => resolve());
      }),
  );
}

/**
 * Sends StatsD lines as `o` says: `o.connections` sockets (lanes), each sending `o.batch` lines at
 * a time, closed loop (the next as soon as the socket took the last) or open loop at `o.rate`
 * batches per second over all lanes.
 */
export async function runStatsd(o: BenchOptions, protocol: Protocol, onStart: (live: LiveCounts, startedAt: number) => void = () => {}): Promise<StatsdResult> {
  const transport = protocol.transport!;
  const [host, port] = o.statsdAddress;
  const address = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  // StatsD carries no timestamps (the node stamps each flush), so every lane may send any series.
  const set = buildTemplates(protocol, makeSeries(o.series), o.batch, templatesPerSet(1, o.batch));
  const biggest = Math.max(...set.templates.map((t) => t.body.length));
  if (transport === 'udp' && biggest > MAX_DATAGRAM_BYTES) {
    throw new RangeError(`--batch ${o.batch} makes datagrams of up to ${biggest} bytes; one UDP datagram holds at most ${MAX_DATAGRAM_BYTES}`);
  }
  let before: { lines: number; malformed: number } | null = null;
  let statsError: string | undefined;
  try {
    before = await statsdCounts(o.target);
  } catch (e) {
    statsError = (e as Error).message;
  }
  const unreachable = (e: unknown) => new Error(`cannot reach the StatsD listener at ${address} over ${transport.toUpperCase()}: ${(e as Error).message}`);
  const senders: Sender[] = [];
  try {
    for (let i = 0; i < o.connections; i++) senders.push(await (transport === 'udp' ? udpSender(host, port) : tcpSender(host, port)));
  } catch (e) {
    await Promise.all(senders.map((s) => s.close()));
    throw unreachable(e);
  }
  // Nobody listening: UDP learns it from an ICMP answer, as ECONNREFUSED on a later send. The
  // run stops there and says so, rather than "sending" into nothing until its end.
  let refused: Error | null = null;
  const live: LiveCounts = { sent: 0, done: 0, ok: 0, limited: 0, serverErrors: 0, errors: 0 };
  let linesSent = 0;
  let firstError: string | undefined;
  let next = 0;

  async function send(sender: Sender): Promise<void> {
    const t = set.templates[next]!;
    next = (next + 1) % set.templates.length;
    live.sent++;
    try {
      await sender.send(t.body);
      live.done++;
      live.ok++;
      linesSent += t.samples;
    } catch (e) {
      live.errors++;
      firstError ??= (e as Error).message;
      if ((e as NodeJS.ErrnoException).code === 'ECONNREFUSED') refused ??= e as Error;
    }
  }

  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  onStart(live, t0);
  const rate = o.rate;
  const { scheduled, missed } = await runLanes({
    lanes: senders.length,
    laneOffset: 0,
    totalLanes: senders.length,
    durationMs: o.durationMs,
    rate,
    t0,
    errors: () => live.errors,
    stopped: () => refused !== null,
    turns: true,
    send: (i) => send(senders[i]!),
  });
  const elapsedMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  await Promise.all(senders.map((s) => s.close()));
  if (refused !== null) throw unreachable(refused);

  // The node reads what the kernel still holds after the last send: wait until its count stops
  // moving (two equal reads 100 ms apart, at most 5 s).
  let linesReceived: number | null = null;
  let malformedLines: number | null = null;
  if (before !== null) {
    try {
      let last = await statsdCounts(o.target);
      for (let i = 0; i < 50 && last.lines - before.lines < linesSent; i++) {
        await sleep(100);
        const now = await statsdCounts(o.target);
        if (now.lines === last.lines && i >= 1) break;
        last = now;
      }
      linesReceived = last.lines - before.lines;
      malformedLines = last.malformed - before.malformed;
    } catch (e) {
      statsError = (e as Error).message;
    }
  }
  return {
    transport,
    address,
    elapsedMs,
    live,
    scheduled: rate === undefined ? live.sent : scheduled,
    missed,
    linesSent,
    linesReceived,
    malformedLines,
    statsError,
    firstError,
    clientCpuMs: (cpu.user + cpu.system) / 1000,
  };
}
