// The `metricstream` command line: picks the command, reads flags, environment and config file
// through the one schema, and runs it.
import { parseArgs } from 'node:util';
import { ConfigError, flagName, loadConfig, OPTION_KEYS, OPTIONS, type OptionKey } from '../config/index.js';
import { DataDirLockedError } from '../tsdb/index.js';
import { runExport } from './export-command.js';
import { runQuery } from './query-command.js';
import { configDocs, EXPORT_HELP, MAIN_HELP, QUERY_HELP, serveHelp } from './help.js';
import { serve } from './serve.js';
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
  for (const k of OPTION_KEYS) if (!OPTIONS[k].fileOnly) options[flagName(k)] = { type: 'string' };
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
  return serve(config).catch((e: unknown) => {
    if (e instanceof DataDirLockedError) fail(e.message);
    if ((e as NodeJS.ErrnoException).code === 'EADDRINUSE') fail(`port ${config.port} on ${config.listen} is already in use; choose another with --port`);
    throw e;
  });
}

async function exportCommand(args: string[]): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      options: {
        url: { type: 'string' },
        match: { type: 'string', multiple: true },
        start: { type: 'string' },
        end: { type: 'string' },
        authorization: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    });
  } catch (e) {
    fail(`${(e as Error).message}\nRun 'metricstream export --help' for the flags.`);
  }
  const v = parsed.values;
  if (v.help) {
    console.log(EXPORT_HELP);
    return;
  }
  try {
    await runExport(
      {
        url: v.url ?? process.env.METRICSTREAM_URL ?? 'http://127.0.0.1:8080',
        match: v.match ?? [],
        start: v.start,
        end: v.end,
        authorization: v.authorization ?? process.env.METRICSTREAM_AUTHORIZATION,
      },
      process.stdout,
    );
  } catch (e) {
    process.stderr.write(`metricstream export: ${(e as Error).message}\n`);
    process.exit(1);
  }
}

async function queryCommand(args: string[]): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      options: {
        url: { type: 'string' },
        time: { type: 'string' },
        start: { type: 'string' },
        end: { type: 'string' },
        step: { type: 'string' },
        json: { type: 'boolean' },
        authorization: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      allowPositionals: true,
      strict: true,
    });
  } catch (e) {
    fail(`${(e as Error).message}\nRun 'metricstream query --help' for the flags.`);
  }
  const v = parsed.values;
  if (v.help) {
    console.log(QUERY_HELP);
    return;
  }
  if (parsed.positionals.length !== 1) fail(`give exactly one PromQL expression (quote it), e.g. metricstream query 'up'`);
  try {
    const out = await runQuery({
      url: v.url ?? process.env.METRICSTREAM_URL ?? 'http://127.0.0.1:8080',
      expr: parsed.positionals[0]!,
      time: v.time,
      start: v.start,
      end: v.end,
      step: v.step,
      json: v.json ?? false,
      authorization: v.authorization ?? process.env.METRICSTREAM_AUTHORIZATION,
    });
    console.log(out);
  } catch (e) {
    process.stderr.write(`metricstream query: ${(e as Error).message}\n`);
    process.exit(1);
  }
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
    console.log(sub === 'serve' ? serveHelp() : sub === 'export' ? EXPORT_HELP : sub === 'query' ? QUERY_HELP : MAIN_HELP);
    return;
  }
  if (first === 'serve') return serveCommand(rest);
  if (first === 'export') return exportCommand(rest);
  if (first === 'query') return queryCommand(rest);
  if (first === 'config-docs') {
    process.stdout.write(configDocs());
    return;
  }
  if (first === undefined || first.startsWith('-') || /^\d+$/.test(first)) return serveCommand(argv);
  fail(`unknown command ${JSON.stringify(first)}; run 'metricstream --help'`);
}

await main(process.argv.slice(2));
