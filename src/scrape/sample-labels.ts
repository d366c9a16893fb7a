// The labels a scraped series is stored under: its exposed labels merged with its target's
// (honor_labels, or the `exported_` prefix on a clash), then metric_relabel_configs, then the
// checks every ingest protocol applies.
import { checkLabelName, checkLabelValue, checkMetricName, type ValidationLimits } from '../ingest/index.js';
import { labelsKey, sortLabels, type Label, type Labels } from '../storage/index.js';
import { relabel, type RelabelRule } from './relabel.js';

/** A series' final labels and their key, or why it is not stored. */
export type SeriesLabels = { readonly labels: Labels; readonly key: string } | { readonly labels: null; readonly problem: string | null };

/**
 * Merges exposed and target labels as Prometheus's mutateSampleLabels does, relabels, and
 * validates. `problem` is null when relabeling dropped the series on purpose.
 */
export function seriesLabels(
  exposed: readonly Label[],
  target: Labels,
  honorLabels: boolean,
  rules: readonly RelabelRule[],
  limits: ValidationLimits,
): SeriesLabels {
  const m = new Map<string, string>();
  // Exposed labels with an empty value (rare): not stored, but with honor_labels they still block the target's.
  let empty: string[] | null = null;
  for (const l of exposed) {
    if (l.value !== '') m.set(l.name, l.value);
    else (empty ??= []).push(l.name);
  }
  if (honorLabels) {
    // An exposed label blocks the target's even when empty (then the series has neither), as
    // Prometheus's lset.Has: the Pushgateway exposes instance="" to keep its own instance off.
    for (const t of target) if (!m.has(t.name) && !(empty?.includes(t.name) ?? false)) m.set(t.name, t.value);
  } else {
    const conflicts: Label[] = [];
    for (const t of target) {
      const have = m.get(t.name);
      if (have !== undefined) conflicts.push({ name: t.name, value: have });
      m.set(t.name, t.value);
    }
    if (conflicts.length > 0) resolveConflicts(m, exposed, target, conflicts);
  }
  if (rules.length > 0 && !relabel(m, rules)) return { labels: null, problem: null };
  const name = m.get('__name__');
  const nameProblem = checkMetricName(name ?? '', limits);
  if (nameProblem !== null) return { labels: null, problem: nameProblem };
  const out: Label[] = [];
  for (const [k, v] of m) {
    if (k === '__name__') {
      out.push({ name: k, value: v });
      continue;
    }
    const p = checkLabelName(k, limits) ?? checkLabelValue(v, limits);
    if (p !== null) return { labels: null, problem: p };
    out.push({ name: k, value: v });
  }
  if (out.length - 1 > limits.maxLabelsPerSeries) return { labels: null, problem: `series has ${out.length - 1} labels, the limit is ${limits.maxLabelsPerSeries}` };
  const labels = sortLabels(out);
  return { labels, key: labelsKey(labels) };
}

/** Renames clashing exposed labels to `exported_<name>` (more prefixes while that is taken too). */
function resolveConflicts(m: Map<string, string>, exposed: readonly Label[], target: Labels, conflicts: Label[]): void {
  conflicts.sort((a, b) => a.name.length - b.name.length);
  const taken = (n: string, i: number) =>
    exposed.some((l) => l.name === n) || target.some((l) => l.name === n) || conflicts.slice(0, i).some((l) => l.name === n);
  conflicts.forEach((c, i) => {
    let name = c.name;
    do name = `exported_${name}`;
    while (taken(name, i));
    conflicts[i] = { name, value: c.value };
  });
  for (const c of conflicts) m.set(c.name, c.value);
}
