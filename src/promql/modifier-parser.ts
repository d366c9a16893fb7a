// The postfix parts of PromQL selectors: numbers and durations, `[range]` and `[range:step]`,
// `offset` and `@`, with Prometheus's checks and messages for each.
import type { AtModifier, Expr, MatrixSelector, NumberLiteral, SubqueryExpr, VectorSelector } from './ast.js';
import { parseDuration, parseNumber } from './duration.js';
import type { Token } from './lexer.js';
import { goQuote } from './quote.js';
import { Stop, TokenStream } from './token-stream.js';

const MAX_DURATION_SECONDS = 2 ** 63 / 1e9;
const MIN_INT64 = -(2 ** 63);
const MAX_INT64 = 2 ** 63;

/** Parsing of literals and selector modifiers, shared by the expression parser. */
export abstract class ModifierParser extends TokenStream {
  protected numberLiteral(t: Token): NumberLiteral {
    let val: number;
    if (t.kind === 'DURATION') {
      try {
        val = parseDuration(t.val) / 1000;
      } catch (e) {
        this.error(t.pos, (e as Error).message);
        val = 0;
      }
    } else {
      const v = parseNumber(t.val);
      if (typeof v === 'string') {
        this.error(t.pos, `error parsing number: strconv.ParseFloat: parsing ${goQuote(t.val)}: ${v}`);
        val = 0;
      } else val = v;
    }
    return { type: 'NumberLiteral', val, duration: t.kind === 'DURATION', pos: { start: t.pos, end: this.end(t) } };
  }

  /** A duration in brackets: a number or duration literal, signs allowed, greater than 0. */
  protected bracketDuration(): NumberLiteral {
    const start = this.peek();
    let neg = false;
    while (this.peek().kind === '+' || this.peek().kind === '-') {
      if (this.next().kind === '-') neg = !neg;
    }
    const t = this.peek();
    if (t.kind === '(' || t.kind === 'step' || t.kind === 'range' || t.kind === 'min' || t.kind === 'max') {
      this.error(start.pos, 'experimental duration expression is not enabled');
      throw new Stop();
    }
    if (t.kind !== 'NUMBER' && t.kind !== 'DURATION') {
      this.unexpected(t, 'subquery or range selector', 'number, duration, step(), or range()');
    }
    this.next();
    const nl = this.numberLiteral(t);
    if (neg) nl.val *= -1;
    nl.pos.start = start.pos;
    const after = this.peek().kind;
    if (after === '+' || after === '-' || after === '*' || after === '/' || after === '%' || after === '^') {
      this.error(nl.pos.start, 'experimental duration expression is not enabled');
      throw new Stop();
    }
    if (nl.val > MAX_DURATION_SECONDS || nl.val < -MAX_DURATION_SECONDS) this.error(start.pos, 'duration out of range');
    else if (nl.val <= 0) this.error(nl.pos.start, 'duration must be greater than 0');
    return nl;
  }

  protected rangeOrSubquery(e: Expr): Expr {
    const open = this.next();
    const range = this.bracketDuration();
    const rangeMs = secondsToMs(range.val);
    const t = this.peek();
    if (t.kind === ']') {
      this.next();
      let msg = '';
      if (e.type !== 'VectorSelector') msg = 'ranges only allowed for vector selectors';
      else if (e.offset !== 0) msg = 'no offset modifiers allowed before range';
      else if (e.at !== null) msg = 'no @ modifiers allowed before range';
      if (msg !== '') this.error(open.pos, msg);
      const m: MatrixSelector = { type: 'MatrixSelector', vs: e, range: rangeMs, pos: { start: e.pos.start, end: this.end(t) } };
      return m;
    }
    if (t.kind !== ':') this.unexpected(t, 'subquery or range', '":" or "]"');
    this.next();
    let step = 0;
    if (this.peek().kind !== ']') {
      const k = this.peek().kind;
      if (k !== 'NUMBER' && k !== 'DURATION' && k !== '+' && k !== '-' && k !== '(' && k !== 'step' && k !== 'range') {
        this.unexpected(this.peek(), 'subquery selector', 'number, duration, step(), range(), or "]"');
      }
      step = secondsToMs(this.bracketDuration().val);
      if (this.peek().kind !== ']') this.unexpected(this.peek(), 'subquery selector', '"]"');
    }
    const close = this.next();
    const sq: SubqueryExpr = {
      type: 'SubqueryExpr',
      expr: e,
      range: rangeMs,
      step,
      offset: 0,
      at: null,
      pos: { start: e.pos.start, end: this.end(close) },
    };
    return sq;
  }

  /** The duration after `offset`, in ms. */
  protected offsetDuration(): number {
    let t = this.peek();
    let neg = false;
    if (t.kind === '+' || t.kind === '-') {
      neg = t.kind === '-';
      this.next();
      t = this.peek();
    }
    if (t.kind === '(' || t.kind === 'step' || t.kind === 'range' || t.kind === 'min' || t.kind === 'max') {
      this.error(t.pos, 'experimental duration expression is not enabled');
      throw new Stop();
    }
    if (t.kind !== 'NUMBER' && t.kind !== 'DURATION') this.unexpected(t, 'offset', 'number, duration, step(), or range()');
    this.next();
    const nl = this.numberLiteral(t);
    const v = neg ? -nl.val : nl.val;
    if (v > MAX_DURATION_SECONDS || v < -MAX_DURATION_SECONDS) {
      this.error(t.pos, 'duration out of range');
      return 0;
    }
    return secondsToMs(v);
  }

  /** The selector or subquery an `offset` or `@` modifier applies to; reports an error otherwise. */
  private modifierTarget(e: Expr, what: 'offset' | '@'): VectorSelector | SubqueryExpr | undefined {
    if (e.type === 'VectorSelector' || e.type === 'SubqueryExpr') return e;
    if (e.type === 'MatrixSelector') {
      if (e.vs.type === 'VectorSelector') return e.vs;
      this.error(e.pos.start, 'ranges only allowed for vector selectors');
      return undefined;
    }
    this.error(e.pos.start, `${what} modifier must be preceded by an instant vector selector or range vector selector or a subquery`);
    return undefined;
  }

  protected offset(e: Expr, ms: number): void {
    const target = this.modifierTarget(e, 'offset');
    if (target === undefined) return;
    if (target.offset !== 0) this.error(e.pos.start, 'offset may not be set multiple times');
    else target.offset = ms;
    e.pos.end = this.prevEnd();
  }

  protected at(e: Expr): void {
    const t = this.peek();
    let value: AtModifier;
    if (t.kind === 'start' || t.kind === 'end') {
      this.next();
      this.expect('(', '@', 'timestamp');
      this.expect(')', '@', 'timestamp');
      value = t.kind;
    } else {
      let neg = false;
      let num = t;
      if (t.kind === '+' || t.kind === '-') {
        neg = t.kind === '-';
        this.next();
        num = this.peek();
      }
      if (num.kind !== 'NUMBER' && num.kind !== 'DURATION') this.unexpected(num, '@', 'timestamp');
      this.next();
      let ts = this.numberLiteral(num).val;
      if (neg) ts = -ts;
      if (!Number.isFinite(ts) || ts >= MAX_INT64 / 1000 || ts <= MIN_INT64 / 1000) {
        this.error(e.pos.start, `timestamp out of bounds for @ modifier: ${goFloatF(ts)}`);
      }
      value = Math.round(ts * 1000);
    }
    const target = this.modifierTarget(e, '@');
    if (target === undefined) return;
    if (target.at !== null) return this.error(e.pos.start, '@ <timestamp> may not be set multiple times');
    target.at = value;
    e.pos.end = this.prevEnd();
  }
}

function secondsToMs(s: number): number {
  // Prometheus rounds to whole nanoseconds (time.Duration).
  return Math.round(s * 1e9) / 1e6;
}

/** Go's `%f`. */
function goFloatF(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return v.toFixed(6);
}
