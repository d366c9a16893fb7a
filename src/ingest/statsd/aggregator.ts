// Real-time aggregation of StatsD lines per flush interval, into Prometheus series written at
// each flush: counters cumulative, gauges their last value, timers / histograms / distributions
// a classic histogram (cumulative `_bucket{le}`, `_sum`, `_count`) plus quantile gauges over the
// interval, sets the number of distinct members seen in the interval.
import type { Appender, Label, Labels, MetricType } from '../../storage/index.js';
import { sortLabels, StorageError } from '../../storage/index.js';
import type { ValidationLimits } from '../validate.js';
import { parseNumber, parseStatsdLine, type StatsdLine, type StatsdType } from './parse.js';

/** What a StatsD name turns into; a name keeps the family it was first seen with. */
type Family = 'counter' | 'gauge' | 'histogram' | 'set';

const FAMILY: Record<StatsdType, Family> = { c: 'counter', g: 'gauge', ms: 'histogram', h: 'histogram', d: 'histogram', s: 'set' };
const META: Record<Family, { type: MetricType; help: string }> = {
  counter: { type: 'counter', help: 'StatsD counter, cumulative since the node started' },
  gauge: { type: 'gauge', help: 'StatsD gauge, last value' },
  histogram: { type: 'histogram', help: 'StatsD timer/histogram/distribution (timers in seconds); quantile series over the last flush interval' },
  set: { type: 'gauge', help: 'StatsD set: distinct members seen in the last flush interval' },
};

export interface AggregatorOptions {
  /** Upper bounds of the histogram buckets, ascending, finite (+Inf is always added). */
  readonly buckets: readonly number[];
  /** Quantiles (0..1) written per flush interval for timers / histograms / distributions. */
  readonly percentiles: readonly number[];
  /** Observations kept per series and interval for quantiles; beyond, a uniform reservoir sample. */
  readonly maxIntervalValues?: number;
  /** Series (name + tags) aggregated at most; lines that would start another are dropped. */
  readonly maxSeries?: number;
}

interface ScalarEntry {
  readonly family: 'counter' | 'gauge';
  readonly labels: Labels;
  value: number;
}

interface SetEntry {
  readonly family: 'set';
  readonly labels: Labels;
  readonly members: Set<string>;
}

interface HistogramEntry {
  readonly family: 'histogram';
  readonly bucketLabels: readonly Labels[];
  readonly sumLabels: Labels;
  readonly countLabels: Labels;
  readonly quantileLabels: readonly Labels[];
  /** Observations per bucket (not cumulative); the last slot is above every bound. */
  readonly counts: Float64Array;
  sum: number;
  count: number;
  /** This interval's observations, for quantiles. */
  readonly interval: number[];
  /** Observations seen this interval (may exceed interval.length once sampling starts). */
  seen: number;
}

type Entry = ScalarEntry | SetEntry | HistogramEntry;

/** `le` and `quantile` values as Prometheus's Go clients write them (1 → "1", 0.005 → "0.005"). */
function formatFloat(v: number): string {
  return v === Infinity ? '+Inf' : String(v);
}

/** Lines of a known shape (name, type, rate, tags) and their series, kept at most. */
const MAX_SHAPES = 200_000;

interface Shape {
  readonly entry: Entry;
  readonly type: StatsdType;
  readonly sampleRate: number;
  readonly tagErrors: number;
}

/**
 * The value of a line of known shape, into `line` (values, member, relative); false when it is
 * not the plain good case (several values, bad number), which the full parser then words.
 */
function quickValue(text: string, from: number, to: number, type: StatsdType, line: StatsdLine): boolean {
  line.values.length = 0;
  line.member = '';
  line.relative = false;
  if (type === 's') {
    if (to <= from) return false;
    line.member = text.slice(from, to);
    return true;
  }
  const v = parseNumber(text.slice(from, to));
  if (v === null || (type === 'c' && v < 0)) return false;
  line.values.push(v);
  if (type === 'g') {
    const c = text.charCodeAt(from);
    line.relative = c === 43 /* + */ || c === 45; /* - */
  }
  return true;
}

/** Samples and refusals of one flush. */
export interface FlushResult {
  readonly samples: number;
  /** Samples the storage refused (e.g. out of bounds); the first message is kept for the log. */
  readonly refused: number;
  readonly firstRefusal: string | null;
}

/** Aggregates parsed lines between flushes. Not thread-safe; one per listener. */
export class StatsdAggregator {
  private readonly entries = new Map<string, Entry>();
  private readonly shapes = new Map<string, Shape>();
  private readonly families = new Map<string, Family>();
  /** Names whose metadata was handed to an appender. */
  private readonly announced = new Set<string>();
  private readonly buckets: readonly number[];
  private readonly percentiles: readonly number[];
  private readonly maxIntervalValues: number;
  private readonly maxSeries: number;

  constructor(o: AggregatorOptions) {
    this.maxSeries = o.maxSeries ?? Infinity;
    this.buckets = o.buckets;
    this.percentiles = o.percentiles;
    this.maxIntervalValues = o.maxIntervalValues ?? 10_000;
  }

  /** Series (StatsD name + tags) aggregated so far. */
  get size(): number {
    return this.entries.size;
  }

  /** Adds one parsed line; returns a problem (the name is already another type) or null. */
  add(line: StatsdLine): string | null {
    const e = this.entryFor(line);
    if (typeof e === 'string') return e;
    this.apply(e, line);
    return null;
  }

  /**
   * Parses and adds one line of text. A line whose name, type, sample rate and tags were seen
   * before (most are: clients repeat them) skips parsing all but its value; `line` is scratch
   * space and afterwards tells the caller `ignored` and `tagErrors`.
   */
  addText(text: string, line: StatsdLine, limits: ValidationLimits): string | null {
    const colon = text.indexOf(':');
    const bar = colon > 0 ? text.indexOf('|', colon) : -1;
    const shapeKey = bar > 0 ? text.slice(0, colon) + text.slice(bar) : null;
    if (shapeKey !== null) {
      const shape = this.shapes.get(shapeKey);
      if (shape !== undefined && quickValue(text, colon + 1, bar, shape.type, line)) {
        line.type = shape.type;
        line.sampleRate = shape.sampleRate;
        line.tagErrors = shape.tagErrors;
        line.ignored = false;
        this.apply(shape.entry, line);
        return null;
      }
    }
    const problem = parseStatsdLine(text, line, limits);
    if (problem !== null || line.ignored) return problem;
    const e = this.entryFor(line);
    if (typeof e === 'string') return e;
    this.apply(e, line);
    if (shapeKey !== null) {
      if (this.shapes.size >= MAX_SHAPES) this.shapes.clear();
      this.shapes.set(shapeKey, { entry: e, type: line.type, sampleRate: line.sampleRate, tagErrors: line.tagErrors });
    }
    return null;
  }

  /** The line's series, created if new; or why the line is dropped. */
  private entryFor(line: StatsdLine): Entry | string {
    const family = FAMILY[line.type];
    const known = this.families.get(line.name);
    if (known !== undefined && known !== family) {
      return `${JSON.stringify(line.name)} was first sent as a ${known}, this line makes it a ${family}: line dropped`;
    }
    const key = seriesKey(line);
    let e = this.entries.get(key);
    if (e === undefined) {
      // Memory stays bounded whatever names and tags clients invent.
      if (this.entries.size >= this.maxSeries) return `${JSON.stringify(line.name)} would start series number ${this.maxSeries + 1}, above --statsd-max-series: line dropped`;
      if (known === undefined) this.families.set(line.name, family);
      e = this.create(family, line);
      this.entries.set(key, e);
    }
    return e;
  }

  private apply(e: Entry, line: StatsdLine): void {
    switch (e.family) {
      case 'counter':
        e.value += line.values[0]! / line.sampleRate;
        break;
      case 'gauge':
        // The sample rate means nothing for a gauge (statsd_exporter ignores it too).
        e.value = line.relative ? e.value + line.values[0]! : line.values[0]!;
        break;
      case 'set':
        e.members.add(line.member);
        break;
      case 'histogram':
        this.observe(e, line);
        break;
    }
  }

  private observe(e: HistogramEntry, line: StatsdLine): void {
    // Timers are milliseconds; Prometheus wants seconds (statsd_exporter divides by 1000 too).
    const scale = line.type === 'ms' ? 1000 : 1;
    // A sampled observation stands for 1/rate of them, as StatsD counts sampled timers.
    const weight = 1 / line.sampleRate;
    const { buckets } = this;
    for (const raw of line.values) {
      const v = raw / scale;
      let i = 0;
      while (i < buckets.length && v > buckets[i]!) i++;
      e.counts[i]! += weight;
      e.sum += v * weight;
      e.count += weight;
      e.seen++;
      if (e.interval.length < this.maxIntervalValues) e.interval.push(v);
      else {
        const j = Math.floor(Math.random() * e.seen);
        if (j < this.maxIntervalValues) e.interval[j] = v;
      }
    }
  }

  private create(family: Family, line: StatsdLine): Entry {
    const base: Label[] = [];
    for (let i = 0; i < line.tags.length; i += 2) {
      const name = line.tags[i]!;
      // A histogram's own `le` and `quantile` labels win over tags of those names.
      if (family === 'histogram' && (name === 'le' || name === 'quantile')) continue;
      base.push({ name, value: line.tags[i + 1]! });
    }
    const withName = (name: string, extra?: Label): Labels => sortLabels([{ name: '__name__', value: name }, ...base, ...(extra ? [extra] : [])]);
    switch (family) {
      case 'counter':
      case 'gauge':
        return { family, labels: withName(line.name), value: 0 };
      case 'set':
        return { family, labels: withName(line.name), members: new Set() };
      case 'histogram':
        return {
          family,
          bucketLabels: [...this.buckets, Infinity].map((b) => withName(`${line.name}_bucket`, { name: 'le', value: formatFloat(b) })),
          sumLabels: withName(`${line.name}_sum`),
          countLabels: withName(`${line.name}_count`),
          quantileLabels: this.percentiles.map((q) => withName(line.name, { name: 'quantile', value: formatFloat(q) })),
          counts: new Float64Array(this.buckets.length + 1),
          sum: 0,
          count: 0,
          interval: [],
          seen: 0,
        };
    }
  }

  /**
   * Appends every series' current value at time `t` and starts a new interval (quantiles and
   * sets restart; counters and histograms stay cumulative; gauges keep their last value).
   */
  flush(t: number, app: Appender): FlushResult {
    for (const [name, family] of this.families) {
      if (this.announced.has(name)) continue;
      app.setMetadata(name, { type: META[family].type, help: META[family].help, unit: '' });
      this.announced.add(name);
    }
    let samples = 0;
    let refused = 0;
    let firstRefusal: string | null = null;
    const put = (labels: Labels, v: number) => {
      try {
        app.append(labels, t, v);
        samples++;
      } catch (err) {
        if (!(err instanceof StorageError)) throw err;
        refused++;
        firstRefusal ??= err.message;
      }
    };
    for (const e of this.entries.values()) {
      switch (e.family) {
        case 'counter':
        case 'gauge':
          put(e.labels, e.value);
          break;
        case 'set':
          put(e.labels, e.members.size);
          e.members.clear();
          break;
        case 'histogram': {
          let cumulative = 0;
          for (let i = 0; i < e.counts.length; i++) {
            cumulative += e.counts[i]!;
            put(e.bucketLabels[i]!, cumulative);
          }
          put(e.sumLabels, e.sum);
          put(e.countLabels, e.count);
          if (e.interval.length > 0) {
            const sorted = Float64Array.from(e.interval).sort();
            for (let k = 0; k < this.percentiles.length; k++) put(e.quantileLabels[k]!, nearestRank(sorted, this.percentiles[k]!));
          }
          e.interval.length = 0;
          e.seen = 0;
          break;
        }
      }
    }
    return { samples, refused, firstRefusal };
  }
}

/**
 * The nearest-rank quantile: the smallest observation with at least q of them at or below it
 * (q = 0 gives the minimum, q = 1 the maximum); no interpolation, so it is always a value sent.
 */
export function nearestRank(sorted: Float64Array, q: number): number {
  const i = Math.max(0, Math.ceil(q * sorted.length) - 1);
  return sorted[Math.min(i, sorted.length - 1)]!;
}

/** Identity of a series: the family, name and tags (in any order the client sent them). */
function seriesKey(line: StatsdLine): string {
  const { tags } = line;
  let key = `${FAMILY[line.type]}\u0000${line.name}`;
  if (tags.length === 2) return `${key}\u0000${tags[0]}\u0000${tags[1]}`;
  if (tags.length === 0) return key;
  if (tags.length === 4) {
    return tags[0]! < tags[2]!
      ? `${key}\u0000${tags[0]}\u0000${tags[1]}\u0000${tags[2]}\u0000${tags[3]}`
      : `${key}\u0000${tags[2]}\u0000${tags[3]}\u0000${tags[0]}\u0000${tags[1]}`;
  }
  const order: number[] = [];
  for (let i = 0; i < tags.length; i += 2) order.push(i);
  order.sort((a, b) => (tags[a]! < tags[b]! ? -1 : tags[a]! > tags[b]! ? 1 : 0));
  for (const i of order) key += `\u0000${tags[i]}\u0000${tags[i + 1]}`;
  return key;
}
