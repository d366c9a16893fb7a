// Prints a syntax tree back as PromQL, in the single-line form of Prometheus's String() methods
// (promql/parser/printer.go), so `parseExpr(formatExpr(e))` gives back `e`.
import type { Matcher } from '../storage/index.js';
import type { AtModifier, Expr, VectorMatching, VectorSelector } from './ast.js';
import { formatDuration, formatNumber } from './duration.js';
import { goQuote } from './quote.js';

const LEGACY_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

function labelName(s: string): string {
  return LEGACY_NAME.test(s) ? s : goQuote(s);
}

function labelList(ls: readonly string[]): string {
  return ls.map(labelName).join(', ');
}

/** A matcher as Prometheus prints it: `name=~"value"`, names quoted when not legacy-valid. */
export function formatMatcher(m: Matcher): string {
  return `${labelName(m.name)}${m.type}${goQuote(m.value)}`;
}

function atStr(at: AtModifier | null): string {
  if (at === null) return '';
  if (at === 'start' || at === 'end') return ` @ ${at}()`;
  return ` @ ${(at / 1000).toFixed(3)}`;
}

function offsetStr(offset: number): string {
  if (offset > 0) return ` offset ${formatDuration(offset)}`;
  if (offset < 0) return ` offset -${formatDuration(-offset)}`;
  return '';
}

function selectorStr(vs: VectorSelector, modifiers: boolean): string {
  const parts: string[] = [];
  for (const m of vs.matchers) {
    if (m.name === '__name__' && m.type === '=' && m.value === vs.name && m.value !== '') continue;
    parts.push(formatMatcher(m));
  }
  parts.sort();
  let s = vs.name + (parts.length > 0 ? `{${parts.join(',')}}` : '');
  if (modifiers) s += atStr(vs.at) + offsetStr(vs.offset);
  return s;
}

function matchingStr(vm: VectorMatching | null): string {
  if (vm === null) return '';
  let s = '';
  const grouped = vm.card === 'many-to-one' || vm.card === 'one-to-many';
  if (vm.labels.length > 0 || vm.on || grouped) s += ` ${vm.on ? 'on' : 'ignoring'} (${labelList(vm.labels)})`;
  if (grouped) s += ` group_${vm.card === 'many-to-one' ? 'left' : 'right'} (${labelList(vm.include)})`;
  return s;
}

/**
 * Formats an expression as canonical single-line PromQL.
 * @example formatExpr(parseExpr('sum by(job)(rate(x[5m]))')) // 'sum by (job) (rate(x[5m]))'
 */
export function formatExpr(e: Expr): string {
  switch (e.type) {
    case 'NumberLiteral':
      // Rounded to the millisecond (Go truncates val*1e9, which can print 884ms for 0.885s).
      if (e.duration) return e.val < 0 ? `-${formatDuration(Math.round(-e.val * 1000))}` : formatDuration(Math.round(e.val * 1000));
      return formatNumber(e.val);
    case 'StringLiteral':
      return goQuote(e.val);
    case 'VectorSelector':
      return selectorStr(e, true);
    case 'MatrixSelector': {
      if (e.vs.type !== 'VectorSelector') return `${formatExpr(e.vs)}[${formatDuration(e.range)}]`;
      return `${selectorStr(e.vs, false)}[${formatDuration(e.range)}]${atStr(e.vs.at)}${offsetStr(e.vs.offset)}`;
    }
    case 'SubqueryExpr':
      return `${formatExpr(e.expr)}[${formatDuration(e.range)}:${e.step !== 0 ? formatDuration(e.step) : ''}]${atStr(e.at)}${offsetStr(e.offset)}`;
    case 'ParenExpr':
      return `(${formatExpr(e.expr)})`;
    case 'UnaryExpr':
      return e.op + formatExpr(e.expr);
    case 'BinaryExpr': {
      // `+Inf ^ x` would read back as +(Inf ^ x): the one place where Prometheus's `+Inf`
      // does not round-trip, so the sign is left out there.
      const l = e.lhs;
      const lhs = e.op === '^' && l.type === 'NumberLiteral' && !l.duration && l.val === Infinity ? 'Inf' : formatExpr(l);
      return `${lhs} ${e.op}${e.returnBool ? ' bool' : ''}${matchingStr(e.matching)} ${formatExpr(e.rhs)}`;
    }
    case 'AggregateExpr': {
      let s: string = e.op;
      if (e.without) s += ` without (${labelList(e.grouping)}) `;
      else if (e.grouping.length > 0) s += ` by (${labelList(e.grouping)}) `;
      return `${s}(${e.param !== null ? formatExpr(e.param) + ', ' : ''}${formatExpr(e.expr)})`;
    }
    case 'Call':
      return `${e.func}(${e.args.map(formatExpr).join(', ')})`;
  }
}

/** Prometheus's maxCharactersPerLine: a node whose text is longer is split over lines. */
const MAX_LINE = 100;

/**
 * An expression formatted as Prometheus's Prettify (what /api/v1/format_query answers): as
 * formatExpr when its text fits in 100 bytes, else aggregations, calls, parentheses and binary
 * operators split with their operands on lines of their own, indented two spaces a level.
 * @example prettyExpr(parseExpr('sum(x)')) // 'sum(x)'
 */
export function prettyExpr(e: Expr, level = 0): string {
  const ind = '  '.repeat(level);
  const flat = formatExpr(e);
  // Prometheus indents neither form of a subquery.
  if (Buffer.byteLength(flat) <= MAX_LINE && e.type !== 'UnaryExpr') return e.type === 'SubqueryExpr' ? flat : ind + flat;
  switch (e.type) {
    case 'AggregateExpr': {
      let s = ind + e.op;
      if (e.without) s += ` without (${labelList(e.grouping)}) `;
      else if (e.grouping.length > 0) s += ` by (${labelList(e.grouping)}) `;
      s += '(\n';
      if (e.param !== null) s += `${prettyExpr(e.param, level + 1)},\n`;
      return `${s}${prettyExpr(e.expr, level + 1)}\n${ind})`;
    }
    case 'BinaryExpr':
      return `${prettyExpr(e.lhs, level + 1)}\n${ind}${e.op}${e.returnBool ? ' bool' : ''}${matchingStr(e.matching)}\n${prettyExpr(e.rhs, level + 1)}`;
    case 'Call':
      return `${ind}${e.func}(\n${e.args.map((a) => prettyExpr(a, level + 1)).join(',\n')}\n${ind})`;
    case 'ParenExpr':
      return `${ind}(\n${prettyExpr(e.expr, level + 1)}\n${ind})`;
    case 'SubqueryExpr':
      return `${prettyExpr(e.expr, level)}[${formatDuration(e.range)}:${e.step !== 0 ? formatDuration(e.step) : ''}]${atStr(e.at)}${offsetStr(e.offset)}`;
    case 'UnaryExpr':
      return ind + e.op + prettyExpr(e.expr, level).trim();
    default:
      return ind + flat;
  }
}
