// Parser of the Prometheus text exposition format 0.0.4 and OpenMetrics 1.0 text: samples with
// their labels, value and optional timestamp, and metadata from # TYPE / # HELP / # UNIT.
// Exemplars are skipped. Every problem is an ExpositionError naming the line.
import type { Label, MetricMetadata, MetricType } from '../storage/index.js';

export type ExpositionFormat = 'prometheus' | 'openmetrics';

/** One sample line. `labels` starts with `__name__`, in the order written (not sorted). */
export interface ScrapedSample {
  /** The series as written (name and label block), a cache key for the scraper. */
  readonly series: string;
  readonly labels: readonly Label[];
  readonly value: number;
  /** Milliseconds since the epoch, or null when the line has none. */
  readonly timestamp: number | null;
}

export interface Exposition {
  readonly samples: ScrapedSample[];
  /** Per metric family name (as in # TYPE / # HELP / # UNIT). */
  readonly metadata: Map<string, MetricMetadata>;
}

/** A malformed exposition; `line` is 1-based. */
export class ExpositionError extends SyntaxError {
  readonly line: number;
  constructor(line: number, message: string) {
    super(`line ${line}: ${message}`);
    this.name = 'ExpositionError';
    this.line = line;
  }
}

const PROM_TYPES: Record<string, MetricType> = { counter: 'counter', gauge: 'gauge', histogram: 'histogram', summary: 'summary', untyped: 'unknown' };
// OpenMetrics types MetricStream's metadata has no name for are kept as unknown, as remote
// write's metadata does.
const OM_TYPES: Record<string, MetricType> = {
  counter: 'counter',
  gauge: 'gauge',
  histogram: 'histogram',
  gaugehistogram: 'unknown',
  summary: 'summary',
  stateset: 'unknown',
  info: 'unknown',
  unknown: 'unknown',
};

const isNameStart = (c: number) => (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c === 58;
const isNameChar = (c: number) => isNameStart(c) || (c >= 48 && c <= 57);
const isLabelStart = (c: number) => (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95;
const isLabelChar = (c: number) => isLabelStart(c) || (c >= 48 && c <= 57);
const isBlank = (c: number) => c === 32 || c === 9;

const FLOAT = /^[+-]?(?:\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)$/;
const SPECIAL = /^([+-]?)(inf|infinity|nan)$/i;
const INT = /^[+-]?\d+$/;

/** Go's strconv.ParseFloat for the forms expositions use; undefined when invalid. */
export function parseValue(text: string): number | undefined {
  if (FLOAT.test(text)) return Number(text);
  const m = SPECIAL.exec(text);
  if (m === null) return undefined;
  if (m[2]!.toLowerCase() === 'nan') return NaN;
  return m[1] === '-' ? -Infinity : Infinity;
}

/** Parses one exposition; `cache` maps series text to labels already parsed (reused and filled). */
export function parseExposition(text: string, format: ExpositionFormat, cache?: Map<string, readonly Label[]>): Exposition {
  return new Parser(text, format, cache).run();
}

class Parser {
  private lineNo = 0;
  private line = '';
  private pos = 0;
  private readonly samples: ScrapedSample[] = [];
  private readonly metadata = new Map<string, { type: MetricType; help: string; unit: string }>();
  private readonly om: boolean;

  constructor(
    private readonly text: string,
    format: ExpositionFormat,
    private readonly cache: Map<string, readonly Label[]> | undefined,
  ) {
    this.om = format === 'openmetrics';
  }

  private fail(message: string): never {
    throw new ExpositionError(this.lineNo, message);
  }

  run(): Exposition {
    const { text } = this;
    let start = 0;
    let eof = false;
    while (start < text.length) {
      let end = text.indexOf('\n', start);
      if (end < 0) end = text.length;
      this.lineNo++;
      let line = text.slice(start, end);
      start = end + 1;
      if (line.endsWith('\r')) line = line.slice(0, -1);
      if (eof) {
        if (line.length > 0 || start < text.length) this.fail('unexpected data after # EOF');
        continue;
      }
      this.line = line;
      this.pos = 0;
      this.skipBlanks();
      if (this.pos === line.length) {
        if (this.om) this.fail('empty line is not allowed in OpenMetrics');
        continue;
      }
      if (line.charCodeAt(this.pos) === 35 /* # */) eof = this.comment();
      else this.sample();
    }
    if (this.om && !eof) {
      this.lineNo++;
      this.fail('data does not end with # EOF');
    }
    return { samples: this.samples, metadata: this.metadata };
  }

  private skipBlanks(): void {
    while (this.pos < this.line.length && isBlank(this.line.charCodeAt(this.pos))) this.pos++;
  }

  /** A # line; returns true for OpenMetrics' # EOF. */
  private comment(): boolean {
    const rest = this.line.slice(this.pos + 1);
    if (this.om && rest === ' EOF') return true;
    const m = /^[ \t]+(HELP|TYPE|UNIT)(?:[ \t]+|$)/.exec(rest);
    if (m === null || (m[1] === 'UNIT' && !this.om)) return false;
    // In the text format a bare `# HELP` / `# TYPE` (no blank after it) is a comment, as Prometheus's lexer reads it.
    if (!this.om && /^[ \t]+(HELP|TYPE)$/.test(rest)) return false;
    this.pos += 1 + m[0].length;
    const name = this.metricName();
    const kind = m[1]!;
    let arg = '';
    if (this.pos < this.line.length) {
      if (!isBlank(this.line.charCodeAt(this.pos))) this.fail(`invalid metric name in # ${kind} line`);
      // One separating blank; the rest (help text) is kept as written.
      this.pos++;
      arg = this.line.slice(this.pos);
    }
    const meta = this.metadata.get(name) ?? { type: 'unknown' as MetricType, help: '', unit: '' };
    if (kind === 'TYPE') {
      const t = (this.om ? OM_TYPES : PROM_TYPES)[arg.trim()];
      if (t === undefined) this.fail(`invalid metric type ${JSON.stringify(arg.trim())}`);
      meta.type = t;
    } else if (kind === 'HELP') meta.help = this.unescape(arg, false);
    else meta.unit = arg.trim();
    this.metadata.set(name, meta);
    return false;
  }

  private metricName(): string {
    const { line } = this;
    const from = this.pos;
    if (from >= line.length || !isNameStart(line.charCodeAt(from))) this.fail('expected a metric name');
    let i = from + 1;
    while (i < line.length && isNameChar(line.charCodeAt(i))) i++;
    this.pos = i;
    return line.slice(from, i);
  }

  private sample(): void {
    const { line } = this;
    const from = this.pos;
    const name = this.metricName();
    let labels: readonly Label[];
    // The text format (not OpenMetrics) allows blanks between the name and its label set.
    const afterName = this.pos;
    if (!this.om) this.skipBlanks();
    if (this.pos < line.length && line.charCodeAt(this.pos) === 123 /* { */) {
      const close = this.findClose();
      const series = line.slice(from, close + 1);
      const hit = this.cache?.get(series);
      if (hit !== undefined) {
        labels = hit;
        this.pos = close + 1;
      } else {
        labels = this.labels(name);
        this.cache?.set(series, labels);
      }
      this.value(series, labels, !this.om);
    } else {
      this.pos = afterName;
      const hit = this.cache?.get(name);
      labels = hit ?? [{ name: '__name__', value: name }];
      if (hit === undefined) this.cache?.set(name, labels);
      this.value(name, labels);
    }
  }

  /** Index of the `}` closing the label block that starts at pos (quotes and escapes respected). */
  private findClose(): number {
    const { line } = this;
    let inQuote = false;
    for (let i = this.pos + 1; i < line.length; i++) {
      const c = line.charCodeAt(i);
      if (inQuote) {
        if (c === 92 /* \ */) i++;
        else if (c === 34) inQuote = false;
      } else if (c === 34) inQuote = true;
      else if (c === 125) return i;
    }
    return this.fail('label set is not closed with "}"');
  }

  private labels(name: string): Label[] {
    const { line } = this;
    const out: Label[] = [{ name: '__name__', value: name }];
    this.pos++; // {
    for (;;) {
      this.skipBlanks();
      if (this.pos >= line.length) this.fail('label set is not closed with "}"');
      if (line.charCodeAt(this.pos) === 125) break;
      const nameFrom = this.pos;
      if (!isLabelStart(line.charCodeAt(this.pos))) this.fail(`invalid label name at column ${this.pos + 1}`);
      while (this.pos < line.length && isLabelChar(line.charCodeAt(this.pos))) this.pos++;
      const label = line.slice(nameFrom, this.pos);
      this.skipBlanks();
      if (line.charCodeAt(this.pos) !== 61 /* = */) this.fail(`expected "=" after label name ${JSON.stringify(label)}`);
      this.pos++;
      this.skipBlanks();
      if (line.charCodeAt(this.pos) !== 34) this.fail(`expected a quoted value for label ${JSON.stringify(label)}`);
      const valueFrom = ++this.pos;
      let escaped = false;
      while (this.pos < line.length && line.charCodeAt(this.pos) !== 34) {
        if (line.charCodeAt(this.pos) === 92) {
          escaped = true;
          this.pos++;
        }
        this.pos++;
      }
      if (this.pos >= line.length) this.fail(`label value of ${JSON.stringify(label)} is not closed with a quote`);
      const raw = line.slice(valueFrom, this.pos);
      this.pos++;
      if (label === '__name__' || out.some((l) => l.name === label)) this.fail(`duplicate label name ${JSON.stringify(label)}`);
      out.push({ name: label, value: escaped ? this.unescape(raw, true) : raw });
      this.skipBlanks();
      const c = line.charCodeAt(this.pos);
      if (c === 44 /* , */) this.pos++;
      else if (c !== 125) this.fail(`expected "," or "}" after the value of label ${JSON.stringify(label)}`);
    }
    this.pos++; // }
    return out;
  }

  /** `\\`, `\n` and (in label values, or anywhere in OpenMetrics) `\"`; other escapes kept as written. */
  private unescape(s: string, quoted: boolean): string {
    if (!s.includes('\\')) return s;
    let out = '';
    for (let i = 0; i < s.length; i++) {
      const c = s[i]!;
      if (c !== '\\' || i + 1 === s.length) {
        out += c;
        continue;
      }
      const n = s[++i]!;
      if (n === '\\') out += '\\';
      else if (n === 'n') out += '\n';
      else if (n === '"' && (quoted || this.om)) out += '"';
      else out += '\\' + n;
    }
    return out;
  }

  private token(): string {
    const { line } = this;
    const from = this.pos;
    while (this.pos < line.length && !isBlank(line.charCodeAt(this.pos))) this.pos++;
    return line.slice(from, this.pos);
  }

  /** The value (and timestamp) after a series; `tight`: the text format after `}`, where no blank is needed. */
  private value(series: string, labels: readonly Label[], tight = false): void {
    const { line } = this;
    if (this.pos >= line.length || (!tight && !isBlank(line.charCodeAt(this.pos)))) this.fail(`expected a blank and a value after ${JSON.stringify(series)}`);
    this.skipBlanks();
    const vText = this.token();
    const value = parseValue(vText);
    if (value === undefined) this.fail(`invalid value ${JSON.stringify(vText)}`);
    this.skipBlanks();
    let timestamp: number | null = null;
    if (this.pos < line.length && line.charCodeAt(this.pos) !== 35) {
      const tText = this.token();
      if (this.om) {
        const s = FLOAT.test(tText) ? Number(tText) : NaN;
        if (!Number.isFinite(s)) this.fail(`invalid timestamp ${JSON.stringify(tText)}`);
        timestamp = Math.round(s * 1000);
      } else {
        if (!INT.test(tText) || !Number.isSafeInteger(Number(tText))) this.fail(`invalid timestamp ${JSON.stringify(tText)}`);
        timestamp = Number(tText);
      }
      this.skipBlanks();
    }
    if (this.pos < line.length) {
      // OpenMetrics exemplar: ` # {labels} value [timestamp]`, not stored.
      if (!this.om || line.charCodeAt(this.pos) !== 35) this.fail(`unexpected ${JSON.stringify(line.slice(this.pos, this.pos + 20))} after the value`);
      if (!/^# \{.*\} \S+( \S+)?$/.test(line.slice(this.pos))) this.fail('invalid exemplar');
    }
    this.samples.push({ series, labels, value, timestamp });
  }
}
