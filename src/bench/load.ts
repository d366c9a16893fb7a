// The HTTP load: one lane per keep-alive connection, each sending one request at a time,
// closed loop (next request when the last is answered) or open loop at a fixed schedule
// (lanes.ts) with latency measured from the intended send time (wrk2's correction for
// coordinated omission).
import { createHistogram, type RecordableHistogram } from 'node:perf_hooks';
import type { BenchOptions } from './options.js';
import { TS_WIDTH, writeTimestamp, type Protocol, type Template } from './protocol.js';
import { buildTemplates, makeSeries, templatesPerSet, type TemplateSet } from './payload.js';
import { createTransport } from './transport.js';
import { runLanes } from './lanes.js';

/** Counters the progress line reads while the run goes on. */
export interface LiveCounts {
  sent: number;
  done: number;
  ok: number;
  limited: number;
  serverErrors: number;
  errors: number;
}

export interface LoadResult {
  readonly elapsedMs: number;
  readonly live: LiveCounts;
  /** Requests the open-loop schedule asked for (closed loop: the requests sent). */
  readonly scheduled: number;
  /** Scheduled requests not sent because the run was over (open loop, server too slow). */
  readonly missed: number;
  readonly okSamples: number;
  readonly status: ReadonlyMap<number, number>;
  /** Latency in microseconds of every answered request. */
  readonly latency: RecordableHistogram;
  /** Latency in microseconds of the 2xx answers only (what an overloaded node's accepted requests waited). */
  readonly okLatency: RecordableHistogram;
  readonly firstError: string | undefined;
  readonly clientCpuMs: number;
}

/** Which part of the run this load loop does: all of it, or one thread's lanes of it. */
export interface LaneShare {
  /** Global index of this loop's first lane. */
  readonly laneOffset: number;
  /** This loop's lanes. */
  readonly lanes: number;
  /** Lanes of the whole run (series ownership and the open-loop schedule are global). */
  readonly totalLanes: number;
  /** Called once the lanes are prepared; the clock starts when it resolves (threads start together). */
  readonly ready?: () => Promise<void>;
}

interface Lane {
  readonly set: TemplateSet;
  /** Whether timestamps must be patched (and the templates are this lane's own). */
  readonly stamp: boolean;
  next: number;
  lastTs: number;
  /** The times of one body written once each (maxOccurrence of them), copied to every sample. */
  readonly times: Buffer;
}

/** Prepares every lane's templates (before the clock starts). */
function prepareLanes(o: BenchOptions, protocol: Protocol, share: LaneShare): Lane[] {
  const series = makeSeries(o.series);
  if (!protocol.timestamped) {
    // The node stamps the time: any connection may send any series, so all share one read-only set.
    const set = buildTemplates(protocol, series, o.batch, templatesPerSet(1, o.batch));
    return Array.from({ length: share.lanes }, (_, i) => ({ set, stamp: false, next: (share.laneOffset + i) % set.templates.length, lastTs: 0, times: Buffer.alloc(0) }));
  }
  if (o.series < o.connections) {
    throw new RangeError(
      `--protocol ${protocol.name} sends timestamps, so each connection owns its series (the node refuses a sample older than its series' newest): give --series >= --connections (${o.series} < ${o.connections})`,
    );
  }
  const per = templatesPerSet(o.connections, o.batch);
  return Array.from({ length: share.lanes }, (_, i) => {
    const own = series.filter((_, s) => s % share.totalLanes === share.laneOffset + i);
    const set = buildTemplates(protocol, own, o.batch, per);
    return { set, stamp: true, next: 0, lastTs: 0, times: Buffer.alloc(set.maxOccurrence * (set.templates[0]!.timeWidth ?? TS_WIDTH)) };
  });
}

/** Takes the lane's next body; timestamped formats get this lane's next strictly later time per series. */
function nextBody(lane: Lane): Template {
  const t = lane.set.templates[lane.next]!;
  lane.next = (lane.next + 1) % lane.set.templates.length;
  if (lane.stamp && t.tsOffsets !== null) {
    const base = Math.max(Date.now(), lane.lastTs + 1);
    lane.lastTs = base + lane.set.maxOccurrence - 1;
    const occ = lane.set.occurrence;
    const write = t.writeTime ?? writeTimestamp;
    const width = t.timeWidth ?? TS_WIDTH;
    // A body holds only maxOccurrence distinct times: each is written once (13 digit divisions
    // for JSON), then copied byte by byte to its samples, which kept a client core free enough
    // to offer a 2x overload (writing every sample's time was half of the client's CPU).
    const times = lane.times;
    for (let k = 0; k < lane.set.maxOccurrence; k++) write(times, k * width, base + k);
    const body = t.body;
    const offsets = t.tsOffsets;
    for (let j = 0; j < t.samples; j++) {
      const dst = offsets[j]!;
      const src = occ[j]! * width;
      for (let b = 0; b < width; b++) body[dst + b] = times[src + b]!;
    }
  }
  return t;
}

/** Runs the load and returns what happened; `onStart` gets the live counters for a progress line. */
export async function runLoad(
  o: BenchOptions,
  protocol: Protocol,
  onStart: (live: LiveCounts, startedAt: number) => void = () => {},
  share: LaneShare = { laneOffset: 0, lanes: o.connections, totalLanes: o.connections },
): Promise<LoadResult> {
  const lanes = prepareLanes(o, protocol, share);
  const url = new URL(o.target);
  const path = url.pathname.replace(/\/+$/, '') + protocol.path;
  // Headers as flat name/value arrays, built once per client id.
  const headers = Array.from({ length: o.clients }, (_, i) => ['content-type', protocol.contentType, 'authorization', `bench-${i}`]);
  const transport = createTransport(o.httpClient, url, path, share.lanes, headers);
  // Node's own HDR histogram (perf_hooks wraps HdrHistogram_c): no dependency, 3 significant
  // figures from 1 µs to 1 h, and recording is a native call with no allocation.
  const latency = createHistogram({ lowest: 1, highest: 3_600_000_000, figures: 3 });
  const okLatency = createHistogram({ lowest: 1, highest: 3_600_000_000, figures: 3 });
  const status = new Float64Array(600);
  const live: LiveCounts = { sent: 0, done: 0, ok: 0, limited: 0, serverErrors: 0, errors: 0 };
  let okSamples = 0;
  let firstError: string | undefined;
  let clientSeq = share.laneOffset;

  async function send(laneIndex: number, lane: Lane, intended: number): Promise<void> {
    const t = nextBody(lane);
    const client = clientSeq++ % o.clients;
    live.sent++;
    try {
      const { status: code, text } = await transport.send(laneIndex, client, t.body, firstError === undefined);
      const us = Math.max(1, Math.round((performance.now() - intended) * 1000));
      latency.record(us);
      live.done++;
      status[code < 600 ? code : 599]!++;
      if (code >= 200 && code < 300) {
        okLatency.record(us);
        live.ok++;
        okSamples += t.samples;
      } else {
        if (code === 429) live.limited++;
        else if (code >= 500) live.serverErrors++;
        firstError ??= `${code} ${text.slice(0, 300)}`;
      }
    } catch (e) {
      live.errors++;
      firstError ??= `${(e as Error).message}${(e as { code?: string }).code ? ` (${(e as { code?: string }).code})` : ''}`;
    }
  }

  // Connection set-up is not part of any request's latency (with 256 lanes it held the first
  // requests of an overload run for ~0.5 s, enough to move its p99).
  await transport.connect();
  if (share.ready !== undefined) await share.ready();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  onStart(live, t0);
  const rate = o.rate;
  const { scheduled, missed } = await runLanes({
    lanes: share.lanes,
    laneOffset: share.laneOffset,
    totalLanes: share.totalLanes,
    durationMs: o.durationMs,
    rate,
    t0,
    errors: () => live.errors,
    send: (i, intended) => send(i, lanes[i]!, intended),
  });
  const elapsedMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  await transport.close();
  const codes = new Map<number, number>();
  status.forEach((n, code) => n > 0 && codes.set(code, n));
  return { elapsedMs, live, scheduled: rate === undefined ? live.sent : scheduled, missed, okSamples, status: codes, latency, okLatency, firstError, clientCpuMs: (cpu.user + cpu.system) / 1000 };
}
