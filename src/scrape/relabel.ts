// Prometheus relabeling: the actions replace, keep, drop, labelmap, labeldrop, labelkeep, hashmod,
// lowercase, uppercase, keepequal and dropequal over a mutable label set, with RE2 regexes fully
// anchored and Go's `$1` / `${name}` template expansion.
import { createHash } from 'node:crypto';
import type { RelabelConfig } from '../config/index.js';
import { compileRe2 } from '../promql/index.js';

/** A rule with its regex compiled and the names of its capture groups. */
export interface RelabelRule {
  readonly cfg: RelabelConfig;
  readonly re: RegExp;
  /** Capture group name → group number, for `${name}` references. */
  readonly groups: ReadonlyMap<string, number>;
}

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Compiles rules (their regexes were validated with the config). */
export function compileRelabel(cfgs: readonly RelabelConfig[]): RelabelRule[] {
  return cfgs.map((cfg) => ({ cfg, re: compileRe2(cfg.regex), groups: captureGroupNames(cfg.regex) }));
}

/**
 * Numbers of the named groups of an RE2 pattern, counted as RE2 counts capturing groups
 * (the JavaScript translation keeps the numbering but not the names).
 */
export function captureGroupNames(pattern: string): Map<string, number> {
  const names = new Map<string, number>();
  let n = 0;
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\') {
      if (pattern[i + 1] === 'Q') {
        const end = pattern.indexOf('\\E', i + 2);
        i = end < 0 ? pattern.length : end + 1;
      } else i++;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      continue;
    }
    if (c === '[') {
      inClass = true;
      // A `]` right after `[` or `[^` is a literal.
      if (pattern[i + 1] === '^') i++;
      if (pattern[i + 1] === ']') i++;
      continue;
    }
    if (c !== '(') continue;
    if (pattern[i + 1] !== '?') {
      n++;
      continue;
    }
    const m = /^\(\?P?<([A-Za-z0-9_]+)>/.exec(pattern.slice(i, i + 200));
    if (m !== null) names.set(m[1]!, ++n);
  }
  return names;
}

/** Go's Regexp.Expand: `$1`, `${1}`, `$name`, `${name}`, `$$`; a malformed `$` stays as is. */
export function expandTemplate(template: string, match: RegExpExecArray, groups: ReadonlyMap<string, number>): string {
  if (!template.includes('$')) return template;
  let out = '';
  let i = 0;
  while (i < template.length) {
    const d = template.indexOf('$', i);
    if (d < 0) {
      out += template.slice(i);
      break;
    }
    out += template.slice(i, d);
    i = d + 1;
    if (template[i] === '$') {
      out += '$';
      i++;
      continue;
    }
    const brace = template[i] === '{';
    let j = brace ? i + 1 : i;
    const from = j;
    while (j < template.length && /[\p{L}\p{N}_]/u.test(template[j]!)) j++;
    const name = template.slice(from, j);
    if (name === '' || (brace && template[j] !== '}')) {
      out += '$';
      continue;
    }
    i = brace ? j + 1 : j;
    let g: number | undefined;
    if (/^\d+$/.test(name)) g = name.length < 9 ? Number(name) : undefined;
    else g = groups.get(name);
    if (g !== undefined && g < match.length) out += match[g] ?? '';
  }
  return out;
}

/** Prometheus's hashmod: the last 8 bytes of the MD5 sum as a big-endian integer, modulo m. */
export function hashMod(value: string, modulus: number): number {
  const sum = createHash('md5').update(value).digest();
  return Number(sum.readBigUInt64BE(8) % BigInt(modulus));
}

/**
 * Applies the rules in order to `labels` (mutated; an empty value means absent). Returns false
 * when a keep/drop rule dropped the set.
 */
export function relabel(labels: Map<string, string>, rules: readonly RelabelRule[]): boolean {
  for (const { cfg, re, groups } of rules) {
    let val = '';
    if (cfg.source_labels.length === 1) val = labels.get(cfg.source_labels[0]!) ?? '';
    else if (cfg.source_labels.length > 1) val = cfg.source_labels.map((n) => labels.get(n) ?? '').join(cfg.separator);
    switch (cfg.action) {
      case 'drop':
        if (re.test(val)) return false;
        break;
      case 'keep':
        if (!re.test(val)) return false;
        break;
      case 'dropequal':
        if ((labels.get(cfg.target_label) ?? '') === val) return false;
        break;
      case 'keepequal':
        if ((labels.get(cfg.target_label) ?? '') !== val) return false;
        break;
      case 'replace': {
        const m = re.exec(val);
        if (m === null) break;
        const target = expandTemplate(cfg.target_label, m, groups);
        if (!LABEL_NAME.test(target)) break;
        const res = expandTemplate(cfg.replacement, m, groups);
        set(labels, target, res);
        break;
      }
      case 'lowercase':
        set(labels, cfg.target_label, val.toLowerCase());
        break;
      case 'uppercase':
        set(labels, cfg.target_label, val.toUpperCase());
        break;
      case 'hashmod':
        set(labels, cfg.target_label, String(hashMod(val, cfg.modulus)));
        break;
      case 'labelmap':
        for (const [name, value] of [...labels]) {
          const m = re.exec(name);
          if (m !== null) set(labels, expandTemplate(cfg.replacement, m, groups), value);
        }
        break;
      case 'labeldrop':
        for (const name of [...labels.keys()]) if (re.test(name)) labels.delete(name);
        break;
      case 'labelkeep':
        for (const name of [...labels.keys()]) if (!re.test(name)) labels.delete(name);
        break;
    }
  }
  return true;
}

function set(labels: Map<string, string>, name: string, value: string): void {
  if (name === '') return;
  if (value === '') labels.delete(name);
  else labels.set(name, value);
}
