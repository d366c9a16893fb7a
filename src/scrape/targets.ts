// From discovered target groups to scrape targets, as Prometheus's PopulateLabels does: the
// job's defaults as `__`-labels, target relabeling, `__address__` → `instance`, `__meta_*`
// removed, and the scrape URL from `__scheme__`, `__address__`, `__metrics_path__`, `__param_*`.
import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import { formatDuration, parseDuration, type ScrapeConfig } from '../config/index.js';
import { sortLabels, type Label, type Labels } from '../storage/index.js';
import { relabel, type RelabelRule } from './relabel.js';

/** Targets sharing labels, from one discovery source (a static_configs entry, a file_sd group). */
export interface TargetGroup {
  /** Each target's own labels, at least `__address__`. */
  readonly targets: readonly Readonly<Record<string, string>>[];
  readonly labels: Readonly<Record<string, string>>;
}

/** A target to scrape. */
export interface Target {
  /** Identity across discovery updates: its labels after relabeling, `__`-labels included. */
  readonly key: string;
  /** Labels before relabeling (with the job's defaults). */
  readonly discovered: Readonly<Record<string, string>>;
  /** Labels after relabeling without `__`-prefixed ones: added to every series of the target. */
  readonly labels: Labels;
  readonly url: string;
  readonly intervalMs: number;
  readonly timeoutMs: number;
}

/** The outcome of one group: targets to scrape, targets relabeling dropped, and errors. */
export interface PopulateResult {
  readonly active: Target[];
  readonly dropped: Readonly<Record<string, string>>[];
  readonly errors: string[];
}

/** Builds the targets of a job from its discovered groups. */
export function populateTargets(cfg: ScrapeConfig, rules: readonly RelabelRule[], groups: Iterable<TargetGroup>): PopulateResult {
  const out: PopulateResult = { active: [], dropped: [], errors: [] };
  for (const g of groups) {
    for (const t of g.targets) {
      const lset = new Map<string, string>(Object.entries(g.labels));
      for (const [k, v] of Object.entries(t)) lset.set(k, v);
      const defaults: [string, string][] = [
        ['job', cfg.job_name],
        ['__scrape_interval__', formatDuration(cfg.scrape_interval)],
        ['__scrape_timeout__', formatDuration(cfg.scrape_timeout)],
        ['__metrics_path__', cfg.metrics_path],
        ['__scheme__', cfg.scheme],
      ];
      for (const [k, v] of Object.entries(cfg.params)) if (v.length > 0) defaults.push([`__param_${k}`, v[0]!]);
      for (const [k, v] of defaults) if ((lset.get(k) ?? '') === '') lset.set(k, v);
      for (const [k, v] of lset) if (v === '') lset.delete(k);
      const discovered = Object.fromEntries([...lset].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
      if (!relabel(lset, rules)) {
        out.dropped.push(discovered);
        continue;
      }
      const r = finish(cfg, lset, discovered);
      if (typeof r === 'string') {
        out.errors.push(`target ${JSON.stringify(discovered.__address__ ?? '')}: ${r}`);
        out.dropped.push(discovered);
      } else out.active.push(r);
    }
  }
  return out;
}

function finish(cfg: ScrapeConfig, lset: Map<string, string>, discovered: Record<string, string>): Target | string {
  const address = lset.get('__address__') ?? '';
  if (address === '') return 'no address';
  if (address.includes('/') || /\s/.test(address)) return `invalid address ${JSON.stringify(address)}`;
  const scheme = lset.get('__scheme__') ?? '';
  if (scheme !== 'http' && scheme !== 'https') return `invalid scheme ${JSON.stringify(scheme)}`;
  let intervalMs: number;
  let timeoutMs: number;
  try {
    intervalMs = parseDuration(lset.get('__scrape_interval__') ?? '');
    timeoutMs = parseDuration(lset.get('__scrape_timeout__') ?? '');
  } catch (e) {
    return (e as Error).message;
  }
  if (intervalMs <= 0) return 'scrape interval cannot be 0';
  if (timeoutMs <= 0) return 'scrape timeout cannot be 0';
  if (timeoutMs > intervalMs) return `scrape timeout cannot be greater than scrape interval (${formatDuration(timeoutMs)} > ${formatDuration(intervalMs)})`;
  for (const k of [...lset.keys()]) if (k.startsWith('__meta_')) lset.delete(k);
  if ((lset.get('instance') ?? '') === '') lset.set('instance', address);

  const params = new Map<string, string[]>(Object.entries(cfg.params).map(([k, v]) => [k, [...v]]));
  const all: Label[] = [];
  const pub: Label[] = [];
  for (const [name, value] of lset) {
    all.push({ name, value });
    if (!name.startsWith('__')) pub.push({ name, value });
    else if (name.startsWith('__param_')) {
      const p = name.slice('__param_'.length);
      const have = params.get(p);
      if (have !== undefined && have.length > 0) have[0] = value;
      else params.set(p, [value]);
    }
  }
  const query = new URLSearchParams();
  for (const k of [...params.keys()].sort()) for (const v of params.get(k)!) query.append(k, v);
  const qs = query.toString();
  let path = lset.get('__metrics_path__') ?? '/metrics';
  if (!path.startsWith('/')) path = `/${path}`;
  const url = `${scheme}://${address}${path}${qs === '' ? '' : `?${qs}`}`;
  try {
    new URL(url);
  } catch {
    return `invalid scrape URL ${JSON.stringify(url)}`;
  }
  const labels = sortLabels(pub);
  return { key: JSON.stringify(sortLabels(all)), discovered, labels, url, intervalMs, timeoutMs };
}

/** Where in each interval a target is scraped: spreads targets over the interval, stable per target. */
export function scrapeOffsetMs(target: Target): number {
  const h = createHash('sha256').update(target.key).update(hostname()).digest();
  return Number(h.readBigUInt64BE(0) % BigInt(target.intervalMs));
}

/** The scrape URL with a loopback host replaced by this machine's name (Prometheus's globalUrl). */
export function globalUrl(url: string): string {
  const u = new URL(url);
  const h = u.hostname;
  if (h === 'localhost' || h.startsWith('127.') || h === '[::1]') u.hostname = hostname();
  return u.toString();
}
