// Reads Prometheus's PromQL `.test` files (promql/promqltest format, v3.14) into commands:
// loads with their expanded samples, clears, and evals with their expectations. The format is
// described in ../shared/promqltest/README.md; the files themselves are never copied here.
import { parseDuration, parseSelector } from '../../src/promql/index.js';
import { sortLabels, type Label, type Labels } from '../../src/storage/index.js';

/** Prometheus's staleness marker. */
export const STALE_NAN = new Float64Array(new BigUint64Array([0x7ff0000000000002n]).buffer)[0]!;

/** One value of a series line: a float, a staleness marker, a native histogram, or nothing. */
export type Point = { kind: 'float'; v: number } | { kind: 'stale' } | { kind: 'histogram'; text: string } | null;

export interface SeriesLine {
  readonly labels: Labels;
  readonly points: Point[];
}

export interface LoadCommand {
  readonly kind: 'load';
  readonly line: number;
  readonly stepMs: number;
  readonly nhcb: boolean;
  readonly series: SeriesLine[];
}

export interface ClearCommand {
  readonly kind: 'clear';
  readonly line: number;
}

export interface EvalCommand {
  readonly kind: 'eval';
  readonly line: number;
  readonly text: string;
  readonly expr: string;
  readonly range: { startMs: number; endMs: number; stepMs: number } | null;
  /** Instant evals: the query time. */
  readonly atMs: number;
  readonly fail: { msg?: string; regex?: RegExp } | null;
  readonly ordered: boolean;
  /** `expect range vector from … to … step …` on an instant eval. */
  readonly rangeVector: { startMs: number; endMs: number; stepMs: number } | null;
  readonly string: string | null;
  readonly warn: boolean;
  readonly info: boolean;
  /** Expected series (labels and one point per step; one point for instant evals). */
  readonly series: SeriesLine[];
  /** Expected scalar result, if the expectation is a bare number. */
  readonly scalar: number | null;
}

export type Command = LoadCommand | ClearCommand | EvalCommand;

export class TestFileError extends Error {
  constructor(file: string, line: number, message: string) {
    super(`${file}:${line}: ${message}`);
    this.name = 'TestFileError';
  }
}

/** Prometheus's model.ParseDuration (units in decreasing order, bare 0 allowed), in ms. */
export const parseTestDuration = parseDuration;

function parseFloatItem(s: string): number {
  const l = s.toLowerCase();
  if (l === 'inf' || l === '+inf') return Infinity;
  if (l === '-inf') return -Infinity;
  if (l === 'nan') return NaN;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(s)) throw new Error(`invalid number ${JSON.stringify(s)}`);
  return Number(s);
}

/** Expands the value notation of load and range-result lines. */
export function expandValues(items: string[]): Point[] {
  const out: Point[] = [];
  for (const item of items) {
    if (item === '_') {
      out.push(null);
      continue;
    }
    if (item === 'stale') {
      out.push({ kind: 'stale' });
      continue;
    }
    const blank = /^_x(\d+)$/.exec(item);
    if (blank) {
      for (let i = 0; i < Number(blank[1]); i++) out.push(null);
      continue;
    }
    if (item.startsWith('{{')) {
      out.push({ kind: 'histogram', text: item });
      continue;
    }
    const rep = /^(.+?)(?:([+-])(.+?))?x(\d+)$/.exec(item);
    if (rep && !/^[+-]?inf$|^nan$/i.test(item)) {
      const a = parseFloatItem(rep[1]!);
      const b = rep[3] !== undefined ? parseFloatItem(rep[3]) * (rep[2] === '-' ? -1 : 1) : 0;
      // Repeated addition, as Prometheus expands it: rounding accumulates the same way.
      let v = a;
      for (let i = 0; i <= Number(rep[4]); i++) {
        out.push({ kind: 'float', v });
        v += b;
      }
      continue;
    }
    out.push({ kind: 'float', v: parseFloatItem(item) });
  }
  return out;
}

/** Splits a series line into its selector and its value items (histograms `{{…}}` kept whole). */
function splitSeriesLine(text: string): { selector: string; items: string[] } {
  let depth = 0;
  let quote: string | null = null;
  let i = 0;
  for (; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === '\\' && quote !== '`') i++;
      else if (c === quote) quote = null;
      continue;
    }
    if (c === '"' || c === "'" || c === '`') quote = c;
    else if (c === '{') depth++;
    else if (c === '}') depth--;
    else if (/\s/.test(c) && depth === 0) break;
  }
  const selector = text.slice(0, i);
  const rest = text.slice(i).trim();
  const items: string[] = [];
  let cur = '';
  depth = 0;
  for (const c of rest) {
    if (c === '{') depth++;
    if (c === '}') depth--;
    if (/\s/.test(c) && depth === 0) {
      if (cur) items.push(cur);
      cur = '';
    } else cur += c;
  }
  if (cur) items.push(cur);
  return { selector, items };
}

function selectorLabels(selector: string): Labels {
  if (selector === '{}') return [];
  const out: Label[] = [];
  for (const m of parseSelector(selector)) {
    if (m.type !== '=') throw new Error(`series ${selector} may only use = matchers`);
    out.push({ name: m.name, value: m.value });
  }
  return sortLabels(out);
}

function parseSeriesLine(text: string): SeriesLine {
  const { selector, items } = splitSeriesLine(text);
  return { labels: selectorLabels(selector), points: expandValues(items) };
}

const EVAL_RE = /^(eval(?:_fail|_warn|_info|_ordered)?)\s+(instant\s+at\s+(\S+)|range\s+from\s+(\S+)\s+to\s+(\S+)\s+step\s+(\S+))\s+(.+)$/i;

/** Parses a whole `.test` file. */
export function parseTestFile(name: string, content: string): Command[] {
  const lines = content.split('\n').map((l) => l.trim());
  const out: Command[] = [];
  let i = 0;
  const blank = (l: string | undefined) => l === undefined || l === '' || l.startsWith('#');
  const fail = (line: number, msg: string): never => {
    throw new TestFileError(name, line, msg);
  };
  while (i < lines.length) {
    const line = lines[i]!;
    const lineNo = i + 1;
    i++;
    if (blank(line)) continue;
    const word = line.split(/\s+/, 1)[0]!.toLowerCase();
    if (word === 'clear') {
      out.push({ kind: 'clear', line: lineNo });
      continue;
    }
    if (word === 'load' || word === 'load_with_nhcb') {
      const step = line.split(/\s+/)[1];
      if (step === undefined) fail(lineNo, 'load needs a step');
      const series: SeriesLine[] = [];
      for (; !blank(lines[i]); i++) {
        try {
          series.push(parseSeriesLine(lines[i]!));
        } catch (e) {
          fail(i + 1, (e as Error).message);
        }
      }
      out.push({ kind: 'load', line: lineNo, stepMs: parseTestDuration(step!), nhcb: word === 'load_with_nhcb', series });
      continue;
    }
    if (!word.startsWith('eval')) fail(lineNo, `unknown command ${JSON.stringify(word)}`);
    const m = EVAL_RE.exec(line);
    if (!m) fail(lineNo, `cannot parse eval line: ${line}`);
    const variant = m![1]!.toLowerCase();
    const range = m![3] === undefined ? { startMs: parseTestDuration(m![4]!), endMs: parseTestDuration(m![5]!), stepMs: parseTestDuration(m![6]!) } : null;
    if (range && range.endMs < range.startMs) fail(lineNo, 'range eval ends before it starts');
    let atMs = m![3] !== undefined ? parseTestDuration(m![3]) : 0;
    let failExp: { msg?: string; regex?: RegExp } | null = variant === 'eval_fail' ? {} : null;
    let ordered = variant === 'eval_ordered';
    let warn = variant === 'eval_warn';
    let info = variant === 'eval_info';
    let rangeVector: EvalCommand['rangeVector'] = null;
    let str: string | null = null;
    const series: SeriesLine[] = [];
    let scalar: number | null = null;
    for (; !blank(lines[i]); i++) {
      const l = lines[i]!;
      const at = i + 1;
      let x: RegExpExecArray | null;
      if ((x = /^expected_fail_message\s+(.*)$/.exec(l))) failExp = { msg: x[1]! };
      else if ((x = /^expected_fail_regexp\s+(.*)$/.exec(l))) failExp = { regex: new RegExp(x[1]!) };
      else if (l.startsWith('expect ')) {
        const e = l.slice(7).trim();
        if ((x = /^fail(?:\s+(msg|regex):\s?(.*))?$/.exec(e))) {
          failExp = x[1] === 'msg' ? { msg: x[2]! } : x[1] === 'regex' ? { regex: new RegExp(x[2]!) } : {};
        } else if (e === 'ordered') ordered = true;
        else if (/^warn\b/.test(e)) warn = true;
        else if (/^info\b/.test(e)) info = true;
        else if (e === 'no_warn' || e === 'no_info') {
          // No annotations expected: annotations are informational for this runner.
        } else if ((x = /^range vector from (\S+) to (\S+) step (\S+)$/.exec(e))) {
          rangeVector = { startMs: parseTestDuration(x[1]!), endMs: parseTestDuration(x[2]!), stepMs: parseTestDuration(x[3]!) };
          atMs = rangeVector.endMs;
        } else if ((x = /^string\s+(["'`])(.*)\1$/.exec(e))) str = x[1] === '`' ? x[2]! : x[2]!.replace(/\\(.)/g, '$1');
        else fail(at, `unknown expectation ${JSON.stringify(l)}`);
      } else if (/^[-+]?(\d|\.\d|inf|nan|0x)/i.test(l) && !/\s/.test(l)) {
        scalar = /^[-+]?0x/i.test(l) ? Number.parseInt(l, 16) : parseFloatItem(l);
      } else {
        try {
          series.push(parseSeriesLine(l));
        } catch (e) {
          fail(at, (e as Error).message);
        }
      }
    }
    out.push({
      kind: 'eval',
      line: lineNo,
      text: line,
      expr: m![7]!,
      range,
      atMs,
      fail: failExp,
      ordered,
      rangeVector,
      string: str,
      warn,
      info,
      series,
      scalar,
    });
  }
  return out;
}
