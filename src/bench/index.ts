// `metricstream bench`: the load-test client (flags, load loop, report).
import { PROTOCOLS } from './protocol.js';
import { runLoad, type LiveCounts } from './load.js';
import { runThreads } from './threads.js';
import { buildReport, buildStatsdReport, type BenchReport } from './report.js';
import { runStatsd } from './statsd-load.js';
import { startProgress } from './progress.js';
import type { BenchOptions } from './options.js';

export { BENCH_FLAGS, BenchUsageError, parseBenchArgs, type BenchOptions, type FlagSpec } from './options.js';
export { formatReport, type BenchReport, type StatsdReport } from './report.js';
export { PROTOCOL_NAMES } from './protocol.js';

export interface BenchIo {
  /** Where the progress line goes (stderr). */
  readonly progressOut?: NodeJS.WriteStream | NodeJS.WritableStream;
  /** Whether progressOut is a terminal. */
  readonly tty?: boolean;
}

/** Runs a load test as the options say and returns the report. */
export async function runBench(o: BenchOptions, io: BenchIo = {}): Promise<BenchReport> {
  const protocol = PROTOCOLS.get(o.protocol);
  if (protocol === undefined) throw new RangeError(`unknown protocol ${JSON.stringify(o.protocol)}`);
  let stop = () => {};
  const show = io.progressOut !== undefined && (io.tty === true || o.progress);
  // StatsD's progress counts what was sent (there are no answers).
  const sends = protocol.transport === undefined ? undefined : protocol.transport === 'udp' ? 'datagrams' : 'writes';
  const onStart = (live: LiveCounts, t0: number) => {
    if (show) stop = startProgress(io.progressOut!, io.tty === true, live, t0, sends);
  };
  if (protocol.transport !== undefined) return buildStatsdReport(o, await runStatsd(o, protocol, onStart).finally(() => stop()));
  const result = o.threads > 1 ? await runThreads(o, onStart) : await runLoad(o, protocol, onStart);
  stop();
  return buildReport(o, new URL(o.target).pathname.replace(/\/+$/, '') + protocol.path, result);
}
