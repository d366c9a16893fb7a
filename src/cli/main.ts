// The `metricstream` command line: picks the command, reads flags, environment and config file
// through the one schema, and runs it.
import { parseArgs } from 'node:util';
import { ConfigError, flagName, loadConfig, OPTION_KEYS, OPTIONS, type OptionKey } from '../config/index.js';
import { DataDirLockedError } from '../tsdb/index.js';
import { runBenchCommand } from './bench-command.js';
import { runExport } from './export-command.js';
import { runQuery } from './query-command.js';
import { benchHelp, configDocs, EXPORT_HELP, MAIN_HELP, QUERY_HELP, serveHelp } from './help.js';
import { serve, StatsdListenError } from './serve.js';
import { VERSION } from './version.js';

function fail(msg: string): never {
  process.stderr.write(`metricstream: ${msg}\n`);
  process.exit(2);
}

function serveCommand(args: string[]): Promise<void> {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string }> = {
    config: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
    version: { type: 'boolean' },
  };
  for (const k of OPTION_KEYS) if (!OPTIONS[k].fileOnly) options[flagName(k)] = { type: OPTIONS[k].kind === 'boolean' ? 'boolean' : 'string' };
  let parsed;
  try {
    parsed = parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (e) {
    fail(`${(e as Error).message}\nRun 'metricstream serve --help' for the flags.`);
  }
  if (parsed.values.help) {
    console.log(serveHelp());
    return Promise.resolve();
  }
  if (parsed.values.version) {
    console.log(VERSION);
    return Promise.resolve();
  }
  const flags: Partial<Record<OptionKey, string>> = {};
  for (const k of OPTION_KEYS) {
    const v = parsed.values[flagName(k)];
    if (typeof v === 'string') flags[k] = v;
    else if (v === true) flags[k] = 'true';
  }
  if (parsed.positionals.length > 1) fail(`unexpected arguments: ${parsed.positionals.slice(1).join(' ')}`);
  const pos = parsed.positionals[0];
  if (pos !== undefined) {
    if (!/^\d+$/.test(pos)) fail(`unknown command or port ${JSON.stringify(pos)}; run 'metricstream --help'`);
    // The seed's positional port; an explicit --port still wins.
    flags.port ??= pos;
  }
  const configFile = (parsed.values.config as string | undefined) ?? process.env.METRICSTREAM_CONFIG;
  let config;
  try {
    config = loadConfig({ flags, configFile, env: process.env });
  } catch (e) {
    if (e instanceof ConfigError) fail(e.message);
    throw e;
  }
  const loadAgain = () => loadConfig({ flags, configFile, env: process.env });
  return serve(config, loadAgain).catch((e: unknown) => {
    if (e instanceof DataDirLockedError || e instanceof StatsdListenError) fail(e.message);
    if ((e as NodeJS.ErrnoException).code === 'EADDRINUSE') fail(`port ${config.port} on ${config.listen} is already in use; choose another with --port`);
    throw e;
  });
}

/** Flags every client command (export, query) takes: which node, and how to authenticate. */
const CLIENT_OPTIONS = {
  url: { type: 'string' },
  authorization: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Parses a client command's flags; on a bad flag prints why and exits 2. */
function parseClientArgs<O extends Record<string, { type: 'string' | 'boolean'; multiple?: boolean }>>(name: string, args: string[], options: O) {
  try {
    return parseArgs({ args, options: { ...CLIENT_OPTIONS, ...options }, allowPositionals: true, strict: true });
  } catch (e) {
    fail(`${(e as Error).message}\nRun 'metricstream ${name} --help' for the flags.`);
  }
}

/** Runs a client command's work, turning its error into a message and exit code 1. */
async function runClient(name: string, work: () => Promise<void>): Promise<void> {
  try {
    await work();
  } catch (e) {
    process.stderr.write(`metricstream ${name}: ${(e as Error).message}\n`);
    process.exit(1);
  }
}

const nodeUrl = (v: string | undefined) => v ?? process.env.METRICSTREAM_URL ?? 'http://127.0.0.1:8080';
const authorization = (v: string | undefined) => v ?? process.env.METRICSTREAM_AUTHORIZATION;

async function exportCommand(args: string[]): Promise<void> {
  const { values: v, positionals } = parseClientArgs('export', args, {
    match: { type: 'string', multiple: true },
    start: { type: 'string' },
    end: { type: 'string' },
  });
  if (v.help) {
    console.log(EXPORT_HELP);
    return;
  }
  if (positionals.length > 0) fail(`unexpected arguments: ${positionals.join(' ')}`);
  await runClient('export', () =>
    runExport(
      { url: nodeUrl(v.url), match: v.match ?? [], start: v.start, end: v.end, authorization: authorization(v.authorization) },
      process.stdout,
    ),
  );
}

async function queryCommand(args: string[]): Promise<void> {
  const { values: v, positionals } = parseClientArgs('query', args, {
    time: { type: 'string' },
    start: { type: 'string' },
    end: { type: 'string' },
    step: { type: 'string' },
    json: { type: 'boolean' },
  });
  if (v.help) {
    console.log(QUERY_HELP);
    return;
  }
  if (positionals.length !== 1) fail(`give exactly one PromQL expression (quote it), e.g. metricstream query 'up'`);
  await runClient('query', async () => {
    const out = await runQuery({
      url: nodeUrl(v.url),
      expr: positionals[0]!,
      time: v.time,
      start: v.start,
      end: v.end,
      step: v.step,
      json: v.json ?? false,
      authorization: authorization(v.authorization),
    });
    console.log(out);
  });
}

export async function main(argv: string[]): Promise<void> {
  const [first, ...rest] = argv;
  if (first === '--version' || first === 'version') {
    console.log(VERSION);
    return;
  }
  if (first === '-h' || first === '--help') {
    console.log(MAIN_HELP);
    return;
  }
  if (first === 'help') {
    const sub = rest[0];
    console.log(sub === 'serve' ? serveHelp() : sub === 'export' ? EXPORT_HELP : sub === 'query' ? QUERY_HELP : sub === 'bench' ? benchHelp() : MAIN_HELP);
    return;
  }
  if (first === 'serve') return serveCommand(rest);
  if (first === 'export') return exportCommand(rest);
  if (first === 'query') return queryCommand(rest);
  if (first === 'bench') return runBenchCommand(rest, fail);
  if (first === 'config-docs') {
    process.stdout.write(configDocs());
    return;
  }
  if (first === undefined || first.startsWith('-') || /^\d+$/.test(first)) return serveCommand(argv);
  fail(`unknown command ${JSON.stringify(first)}; run 'metricstream --help'`);
}

await main(process.argv.slice(2));
