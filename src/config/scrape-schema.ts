// The `global` and `scrape_configs` keys of the config file: a subset of Prometheus's scrape
// configuration, with Prometheus's defaults and its validation messages, and the rows that
// docs/configuration.md shows for each nested key.
import { z } from 'zod';
import { compileRe2, RegexError } from '../promql/index.js';
import { duration, parsed } from './zod-units.js';

/** One documented nested key (for docs/configuration.md). */
export interface NestedKeyDoc {
  readonly key: string;
  readonly type: string;
  readonly default: string;
  readonly help: string;
}


const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const labelName = () => z.string().regex(LABEL_NAME, { message: 'label names must match [a-zA-Z_][a-zA-Z0-9_]*' });

/** Relabeling actions MetricStream implements (Prometheus's names). */
export const RELABEL_ACTIONS = ['replace', 'keep', 'drop', 'labelmap', 'labeldrop', 'labelkeep', 'hashmod', 'lowercase', 'uppercase', 'keepequal', 'dropequal'] as const;
export type RelabelAction = (typeof RELABEL_ACTIONS)[number];

const DEFAULT_REGEX = '(.*)';

const relabelObject = z.strictObject({
  source_labels: z.array(labelName()).default([]),
  separator: z.string().default(';'),
  target_label: z.string().default(''),
  regex: z.string().default(DEFAULT_REGEX),
  modulus: z.number().int().min(0).default(0),
  replacement: z.string().default('$1'),
  // Prometheus reads the action case-insensitively.
  action: z.preprocess((v) => (typeof v === 'string' ? v.toLowerCase() : v), z.enum(RELABEL_ACTIONS)).default('replace'),
});

/** A relabel rule with every default filled in. */
export type RelabelConfig = z.output<typeof relabelObject>;

const relabelConfig = relabelObject.superRefine((c, ctx) => {
  const fail = (message: string, path: string) => ctx.issues.push({ code: 'custom', message, input: c, path: [path] });
  try {
    compileRe2(c.regex);
  } catch (e) {
    if (e instanceof RegexError) fail(`invalid regex: ${e.message}`, 'regex');
    else throw e;
  }
  const a = c.action;
  if (a === 'hashmod' && c.modulus === 0) fail('relabel configuration for hashmod requires non-zero modulus', 'modulus');
  const needsTarget = a === 'replace' || a === 'hashmod' || a === 'lowercase' || a === 'uppercase' || a === 'keepequal' || a === 'dropequal';
  if (needsTarget && c.target_label === '') fail(`relabel configuration for ${a} action requires 'target_label' value`, 'target_label');
  else if (needsTarget && !LABEL_NAME.test(c.target_label) && !(a === 'replace' && c.target_label.includes('$'))) {
    fail(`${JSON.stringify(c.target_label)} is invalid 'target_label' for ${a} action`, 'target_label');
  }
  if ((a === 'labeldrop' || a === 'labelkeep') &&
    (c.source_labels.length > 0 || c.target_label !== '' || c.modulus !== 0 || c.separator !== ';' || c.replacement !== '$1')) {
    fail(`${a} action requires only 'regex', and no other fields`, 'action');
  }
  if ((a === 'keepequal' || a === 'dropequal') && (c.regex !== DEFAULT_REGEX || c.modulus !== 0 || c.separator !== ';' || c.replacement !== '$1')) {
    fail(`${a} action requires only 'source_labels' and 'target_label', and no other fields`, 'action');
  }
});

const staticConfig = z.strictObject({
  targets: z.array(
    z.string().min(1).refine((t) => !t.includes('/'), { message: 'a target is host:port, without a scheme or path (set scheme and metrics_path instead)' }),
  ).default([]),
  labels: z.record(labelName(), z.string()).default({}),
});

const fileSdConfig = z.strictObject({
  files: z.array(
    z.string().min(1).refine((f) => /\.(json|ya?ml)$/.test(f), { message: 'file_sd files must end in .json, .yml or .yaml' }),
  ).min(1),
  refresh_interval: duration().pipe(z.number().min(1)).default(300_000),
});

const BASE2_UNITS: Record<string, number> = { b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4, p: 1024 ** 5, e: 1024 ** 6 };

/**
 * A size as Prometheus's body_size_limit reads it (units.Base2Bytes): KB and KiB are both 1024
 * bytes, MB and MiB 1024², and so on; a bare number is bytes.
 * @example parseBase2Bytes('10MB') // 10485760
 */
export function parseBase2Bytes(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(?:([kmgtpe])i?b|(b))?\s*$/i.exec(text);
  if (m === null) throw new RangeError(`invalid size "${text}": use a number and a unit (B, KB, MB, GB, TB; KiB, MiB, ... are the same), e.g. 10MB`);
  return Math.round(Number(m[1]) * BASE2_UNITS[(m[2] ?? 'b').toLowerCase()]!);
}

const scrapeConfig = z.strictObject({
  job_name: z.string().min(1),
  scrape_interval: duration().pipe(z.number().min(1)).optional(),
  scrape_timeout: duration().pipe(z.number().min(1)).optional(),
  metrics_path: z.string().startsWith('/').default('/metrics'),
  scheme: z.enum(['http', 'https']).default('http'),
  params: z.record(z.string(), z.array(z.string())).default({}),
  honor_labels: z.boolean().default(false),
  honor_timestamps: z.boolean().default(true),
  body_size_limit: parsed(parseBase2Bytes).pipe(z.number().int().min(0)).default(0),
  static_configs: z.array(staticConfig).default([]),
  file_sd_configs: z.array(fileSdConfig).default([]),
  relabel_configs: z.array(relabelConfig).default([]),
  metric_relabel_configs: z.array(relabelConfig).default([]),
});

/** One scrape_configs entry as written (interval and timeout may still come from `global`). */
export type ScrapeConfigInput = z.output<typeof scrapeConfig>;

/** `scrape_configs`: job names must be unique. */
export const scrapeConfigsSchema = z.array(scrapeConfig).superRefine((list, ctx) => {
  const seen = new Set<string>();
  list.forEach((c, i) => {
    if (seen.has(c.job_name)) ctx.issues.push({ code: 'custom', message: `found multiple scrape configs with job name ${JSON.stringify(c.job_name)}`, input: c.job_name, path: [i, 'job_name'] });
    seen.add(c.job_name);
  });
});

/** `global`: defaults for every scrape config. */
export const globalSchema = z
  .strictObject({
    scrape_interval: duration().pipe(z.number().min(1)).default(60_000),
    scrape_timeout: duration().pipe(z.number().min(1)).optional(),
  })
  .refine((g) => g.scrape_timeout === undefined || g.scrape_timeout <= g.scrape_interval, {
    message: 'global scrape timeout greater than scrape interval',
    path: ['scrape_timeout'],
  })
  // An unset timeout is the default 10s, or the interval when that is shorter (as Prometheus does).
  .transform((g) => ({ scrape_interval: g.scrape_interval, scrape_timeout: g.scrape_timeout ?? Math.min(10_000, g.scrape_interval) }));

export type GlobalConfig = z.output<typeof globalSchema>;

/** A scrape config with interval and timeout resolved against `global`. */
export type ScrapeConfig = ScrapeConfigInput & { readonly scrape_interval: number; readonly scrape_timeout: number };

/**
 * Fills interval and timeout from `global` as Prometheus does (timeout defaults to the smaller of
 * the global timeout and the job's interval); throws a RangeError naming the job when its timeout
 * is longer than its interval.
 */
export function resolveScrapeConfigs(global: GlobalConfig, list: readonly ScrapeConfigInput[]): ScrapeConfig[] {
  return list.map((c) => {
    const interval = c.scrape_interval ?? global.scrape_interval;
    const timeout = c.scrape_timeout ?? Math.min(global.scrape_timeout, interval);
    if (timeout > interval) {
      throw new RangeError(`scrape timeout greater than scrape interval for scrape config with job name ${JSON.stringify(c.job_name)}`);
    }
    return { ...c, scrape_interval: interval, scrape_timeout: timeout };
  });
}

/** The nested keys of `global` and `scrape_configs`, for the docs. */
export const SCRAPE_KEY_DOCS: readonly NestedKeyDoc[] = [
  { key: 'global.scrape_interval', type: 'duration', default: '1m', help: 'how often targets are scraped unless their job says otherwise' },
  { key: 'global.scrape_timeout', type: 'duration', default: '10s', help: 'how long a scrape may take unless its job says otherwise (at most the interval)' },
  { key: 'scrape_configs[].job_name', type: 'string', default: '(required)', help: 'name of the job: the `job` label of its targets and the scrape pool in /api/v1/targets; unique' },
  { key: 'scrape_configs[].scrape_interval', type: 'duration', default: 'global.scrape_interval', help: 'how often this job\'s targets are scraped' },
  { key: 'scrape_configs[].scrape_timeout', type: 'duration', default: 'min(global.scrape_timeout, scrape_interval)', help: 'how long one scrape may take; longer than the interval is refused' },
  { key: 'scrape_configs[].metrics_path', type: 'string', default: '/metrics', help: 'HTTP path scraped (the `__metrics_path__` label, which relabeling may change)' },
  { key: 'scrape_configs[].scheme', type: 'enum', default: 'http', help: 'http or https (the `__scheme__` label)' },
  { key: 'scrape_configs[].params', type: 'map', default: '{}', help: 'URL query parameters, name to list of values; a `__param_<name>` label replaces the first value' },
  { key: 'scrape_configs[].honor_labels', type: 'boolean', default: 'false', help: 'on a clash between a scraped label and a target label keep the scraped one (false: the scraped one is renamed `exported_<name>`)' },
  { key: 'scrape_configs[].honor_timestamps', type: 'boolean', default: 'true', help: 'store timestamps the target exposes (false: every sample gets the scrape time)' },
  { key: 'scrape_configs[].body_size_limit', type: 'size', default: '0', help: 'largest uncompressed response; a larger one fails the scrape (0 = no limit of the job\'s own; 256MiB at most); units are base 2 as in Prometheus: 10MB = 10MiB' },
  { key: 'scrape_configs[].static_configs[].targets', type: 'list', default: '[]', help: 'host:port addresses to scrape (the `__address__` label)' },
  { key: 'scrape_configs[].static_configs[].labels', type: 'map', default: '{}', help: 'labels added to every series of these targets' },
  { key: 'scrape_configs[].file_sd_configs[].files', type: 'list', default: '(required)', help: 'JSON or YAML files of `[{targets: [...], labels: {...}}]`; the last path element may hold `*`; re-read when they change' },
  { key: 'scrape_configs[].file_sd_configs[].refresh_interval', type: 'duration', default: '5m', help: 'the files are also re-read this often, in case a change notification was missed' },
  { key: 'scrape_configs[].relabel_configs', type: 'list', default: '[]', help: 'relabeling of targets before scraping (see the keys below)' },
  { key: 'scrape_configs[].metric_relabel_configs', type: 'list', default: '[]', help: 'relabeling of every scraped series before it is stored' },
  { key: '…relabel_configs[].source_labels', type: 'list', default: '[]', help: 'labels whose values, joined by `separator`, the regex is matched against' },
  { key: '…relabel_configs[].separator', type: 'string', default: ';', help: 'joins the source label values' },
  { key: '…relabel_configs[].target_label', type: 'string', default: '(none)', help: 'label written by replace, hashmod, lowercase, uppercase (`$1`-style references allowed with replace)' },
  { key: '…relabel_configs[].regex', type: 'string', default: '(.*)', help: 'RE2 regular expression, fully anchored' },
  { key: '…relabel_configs[].modulus', type: 'integer', default: '0', help: 'modulus of hashmod' },
  { key: '…relabel_configs[].replacement', type: 'string', default: '$1', help: 'value written by replace and the name written by labelmap; `$1`, `${1}`, `${name}` refer to regex groups' },
  { key: '…relabel_configs[].action', type: 'enum', default: 'replace', help: `one of ${RELABEL_ACTIONS.join(', ')}` },
];
