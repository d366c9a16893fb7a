// Builds a node's Config from flags, environment and the optional YAML file, in that order of
// precedence (flag > environment > file > default), validating every value through the schema.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { envName, flagName, OPTION_KEYS, OPTIONS, type Config, type OptionKey } from './schema.js';
import { resolveScrapeConfigs } from './scrape-schema.js';

/** A configuration problem, worded for the person who made it. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export interface LoadInput {
  /** Flag values by config key, already split from argv (strings, or true for bare flags). */
  readonly flags: Readonly<Partial<Record<OptionKey, string>>>;
  /** Path of the YAML file (from --config or METRICSTREAM_CONFIG), if any. */
  readonly configFile?: string | undefined;
  readonly env: NodeJS.ProcessEnv;
}

function describeIssue(issue: z.core.$ZodIssue, raw: unknown): string {
  // Nested values (scrape_configs) show only the value at the issue's path.
  let at = raw;
  for (const p of issue.path) at = at !== null && typeof at === 'object' ? (at as Record<PropertyKey, unknown>)[p] : undefined;
  if (issue.code === 'unrecognized_keys' || (at !== null && typeof at === 'object')) return issue.message.replace(/^Invalid input: /, '');
  const shown = typeof at === 'string' ? JSON.stringify(at) : JSON.stringify(at) ?? String(at);
  return `${issue.message.replace(/^Invalid input: /, '')} (got ${shown})`;
}

/** `scrape_configs[0].relabel_configs[1].regex` for a key and an issue path. */
function keyPath(key: string, path: readonly PropertyKey[]): string {
  return path.reduce<string>((out, p) => (typeof p === 'number' ? `${out}[${p}]` : `${out}.${String(p)}`), key);
}

function check(key: OptionKey, raw: unknown, source: string): unknown {
  const r = OPTIONS[key].schema.safeParse(raw);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    const where = issue.path.length > 0 ? source.replace(/key \S+$/, `key ${keyPath(key, issue.path)}`) : source;
    throw new ConfigError(`${where}: ${describeIssue(issue, raw)}`);
  }
  return r.data;
}

function readFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConfigError(`cannot read config file ${path}: ${(e as Error).message}`);
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    throw new ConfigError(`config file ${path} is not valid YAML: ${(e as Error).message}`);
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== 'object' || Array.isArray(doc)) throw new ConfigError(`config file ${path} must hold a mapping of keys to values`);
  const known = new Set<string>(OPTION_KEYS);
  for (const k of Object.keys(doc)) {
    if (!known.has(k)) throw new ConfigError(`config file ${path}: unknown key "${k}" (see docs/configuration.md for the keys)`);
  }
  return doc as Record<string, unknown>;
}

/** Resolves every key; throws ConfigError naming the source and key of the first bad value. */
export function loadConfig(input: LoadInput): Config {
  const file = input.configFile ? readFile(input.configFile) : {};
  const out: Record<string, unknown> = {};
  for (const key of OPTION_KEYS) {
    const spec = OPTIONS[key];
    const flag = spec.fileOnly ? undefined : input.flags[key];
    const env = spec.fileOnly ? undefined : input.env[envName(key)];
    if (flag !== undefined) out[key] = check(key, flag, `--${flagName(key)}`);
    else if (env !== undefined && env !== '') out[key] = check(key, env, `environment variable ${envName(key)}`);
    else if (key in file) out[key] = check(key, file[key], `config file ${input.configFile}, key ${key}`);
    else out[key] = spec.default;
  }
  const config = out as Config;
  // file_sd paths are relative to the config file's directory, as in Prometheus, not to the cwd.
  if (input.configFile) {
    const dir = dirname(resolve(input.configFile));
    config.scrape_configs = config.scrape_configs.map((c) =>
      c.file_sd_configs.length === 0 ? c : { ...c, file_sd_configs: c.file_sd_configs.map((f) => ({ ...f, files: f.files.map((p) => resolve(dir, p)) })) },
    );
  }
  try {
    resolveScrapeConfigs(config.global, config.scrape_configs);
  } catch (e) {
    throw new ConfigError(`config file ${input.configFile}: ${(e as Error).message}`);
  }
  return config;
}
