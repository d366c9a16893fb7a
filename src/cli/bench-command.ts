// `metricstream bench`: parses the flags, runs the load test, prints the report.
import { BenchUsageError, formatReport, parseBenchArgs, runBench } from '../bench/index.js';
import { benchHelp } from './help.js';

/** Runs the bench command; `fail` prints a usage error and exits 2. */
export async function runBenchCommand(args: string[], fail: (msg: string) => never): Promise<void> {
  let options;
  try {
    options = parseBenchArgs(args, process.env);
  } catch (e) {
    if (e instanceof BenchUsageError) fail(e.message);
    throw e;
  }
  if (options === null) {
    console.log(benchHelp());
    return;
  }
  try {
    const report = await runBench(options, { progressOut: process.stderr, tty: process.stderr.isTTY === true });
    console.log(options.json ? JSON.stringify(report) : formatReport(report));
  } catch (e) {
    process.stderr.write(`metricstream bench: ${(e as Error).message}\n`);
    process.exit(1);
  }
}
