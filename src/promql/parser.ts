// The PromQL parser: recursive descent with precedence climbing, following the grammar of
// Prometheus 3's generated_parser.y (precedence, the unary-minus rule, keywords that double as
// metric names) and reporting the first error with Prometheus's wording. Type checking as in
// Prometheus's checkAST lives in check.ts and runs only when the syntax is clean.
import type { Matcher, MatchType } from '../storage/index.js';
import type {
  AggregateExpr, AggregateOp, BinaryExpr, BinaryOp, Call, Expr, PosRange, VectorMatching, VectorSelector,
} from './ast.js';
import { checkExpr } from './check.js';
import { getFunction } from './functions.js';
import { isAggregatorKind, type TokenKind } from './lexer.js';
import { newMatcher } from './matcher.js';
import { ModifierParser } from './modifier-parser.js';
import { ParseError } from './parse-error.js';
import { unquote } from './quote.js';
import { Stop } from './token-stream.js';

const PRECEDENCE: Partial<Record<TokenKind, number>> = {
  or: 1,
  and: 2,
  unless: 2,
  '==': 3,
  '!=': 3,
  '<': 3,
  '<=': 3,
  '>': 3,
  '>=': 3,
  '+': 4,
  '-': 4,
  '*': 5,
  '/': 5,
  '%': 5,
  atan2: 5,
  '^': 6,
};

/** Tokens that can stand for a metric name (Prometheus's metric_identifier rule). */
const METRIC_IDENTIFIER = new Set<TokenKind>([
  'IDENTIFIER', 'METRIC_IDENTIFIER', 'by', 'without', 'and', 'or', 'unless', 'offset', 'start', 'end', 'step',
  'range', 'anchored', 'smoothed',
]);

/** Tokens that can be a label name in grouping lists (Prometheus's maybe_label rule). */
const MAYBE_LABEL = new Set<TokenKind>([
  'IDENTIFIER', 'METRIC_IDENTIFIER', 'bool', 'by', 'group_left', 'group_right', 'ignoring', 'and', 'or', 'unless',
  'offset', 'on', 'start', 'end', 'atan2', 'step', 'range', 'anchored', 'smoothed', 'without',
]);


class Parser extends ModifierParser {
  parseTop(): Expr | null {
    if (this.peek().kind === 'EOF') {
      this.error(0, 'no expression found in input');
      return null;
    }
    const e = this.expr(0);
    const t = this.peek();
    if (t.kind !== 'EOF') this.unexpected(t, '');
    return e;
  }

  /** Prometheus's ParseMetricSelector grammar: one vector selector, nothing else. */
  parseSelectorOnly(): Expr {
    const t = this.peek();
    let e: VectorSelector;
    if (t.kind === '{') e = this.vectorSelector('', t.pos);
    else if (METRIC_IDENTIFIER.has(t.kind) || isAggregatorKind(t.kind)) {
      this.next();
      e = this.vectorSelector(t.val, t.pos);
    } else return this.unexpected(t, '');
    const after = this.peek();
    if (after.kind !== 'EOF') this.unexpected(after, '');
    return e;
  }

  private expr(minPrec: number): Expr {
    let lhs = this.unary();
    for (;;) {
      const opTok = this.peek();
      const prec = PRECEDENCE[opTok.kind];
      if (prec === undefined || prec < minPrec) return lhs;
      this.next();
      const node: BinaryExpr = {
        type: 'BinaryExpr',
        op: opTok.kind as BinaryOp,
        lhs,
        rhs: lhs,
        returnBool: false,
        matching: { card: 'one-to-one', on: false, labels: [], include: [] },
        pos: { start: lhs.pos.start, end: 0 },
      };
      this.binModifiers(node);
      // `^` is right-associative; everything else left-associative.
      node.rhs = this.expr(opTok.kind === '^' ? prec : prec + 1);
      node.pos.end = node.rhs.pos.end;
      lhs = node;
    }
  }

  private binModifiers(node: BinaryExpr): void {
    const vm = node.matching as VectorMatching;
    if (this.peek().kind === 'bool') {
      this.next();
      node.returnBool = true;
    }
    const k = this.peek().kind;
    if (k === 'on' || k === 'ignoring') {
      this.next();
      vm.on = k === 'on';
      vm.labels = this.groupingLabels();
      const g = this.peek().kind;
      if (g === 'group_left' || g === 'group_right') {
        this.next();
        vm.card = g === 'group_left' ? 'many-to-one' : 'one-to-many';
        if (this.peek().kind === '(') vm.include = this.groupingLabels();
      }
    }
    const f = this.peek();
    if (f.kind === 'fill' || f.kind === 'fill_left' || f.kind === 'fill_right') {
      this.error(node.pos.start, 'binop fill modifiers are experimental and not enabled');
      throw new Stop();
    }
  }

  private groupingLabels(): string[] {
    this.expect('(', 'grouping opts', '"("');
    const out: string[] = [];
    if (this.peek().kind === ')') {
      this.next();
      return out;
    }
    for (;;) {
      const t = this.peek();
      if (t.kind === 'STRING') {
        this.next();
        const v = unquote(t.val);
        if (v === '') this.error(t.pos, `invalid label name for grouping: "${v}"`);
        out.push(v);
      } else if (MAYBE_LABEL.has(t.kind) || isAggregatorKind(t.kind)) {
        this.next();
        out.push(t.val);
      } else this.unexpected(t, 'grouping opts', 'label');
      const sep = this.peek();
      if (sep.kind === ')') {
        this.next();
        return out;
      }
      if (sep.kind !== ',') this.unexpected(sep, 'grouping opts', '"," or ")"');
      this.next();
      if (this.peek().kind === ')') {
        this.next();
        return out;
      }
    }
  }

  private unary(): Expr {
    const t = this.peek();
    if (t.kind === '+' || t.kind === '-') {
      this.next();
      // The rule has MUL's precedence: only `^` binds tighter than a leading sign.
      const operand = this.expr(6);
      if (operand.type === 'NumberLiteral') {
        if (t.kind === '-') operand.val *= -1;
        operand.pos.start = t.pos;
        return operand;
      }
      return { type: 'UnaryExpr', op: t.kind, expr: operand, pos: { start: t.pos, end: operand.pos.end } };
    }
    return this.postfix(this.primary());
  }

  private postfix(e: Expr): Expr {
    for (;;) {
      const t = this.peek();
      switch (t.kind) {
        case '[':
          e = this.rangeOrSubquery(e);
          break;
        case 'offset':
          this.next();
          this.offset(e, this.offsetDuration());
          break;
        case '@':
          this.next();
          this.at(e);
          break;
        case 'anchored':
        case 'smoothed':
          this.next();
          this.error(e.pos.start, `${t.kind} modifier is experimental and not enabled`);
          break;
        default:
          return e;
      }
    }
  }

  private primary(): Expr {
    const t = this.peek();
    switch (t.kind) {
      case 'NUMBER':
      case 'DURATION':
        this.next();
        return this.numberLiteral(t);
      case 'STRING':
        this.next();
        return { type: 'StringLiteral', val: unquote(t.val), pos: { start: t.pos, end: this.end(t) } };
      case '(': {
        this.next();
        const inner = this.expr(0);
        const close = this.expect(')');
        return { type: 'ParenExpr', expr: inner, pos: { start: t.pos, end: this.end(close) } };
      }
      case '{':
        return this.vectorSelector('', t.pos);
    }
    if (isAggregatorKind(t.kind)) {
      const n = this.peek(1).kind;
      if (n === '(' || n === 'by' || n === 'without') return this.aggregate();
      // Otherwise it is a metric name (`sum`, `foo * sum`), as yacc reduces it.
      this.next();
      return this.vectorSelector(t.val, t.pos);
    }
    const callable = t.kind === 'IDENTIFIER' || t.kind === 'start' || t.kind === 'end' || t.kind === 'step' || t.kind === 'range';
    if (callable && this.peek(1).kind === '(') return this.call();
    if (METRIC_IDENTIFIER.has(t.kind)) {
      this.next();
      return this.vectorSelector(t.val, t.pos);
    }
    return this.unexpected(t);
  }

  private vectorSelector(name: string, start: number): VectorSelector {
    const matchers: Matcher[] = [];
    let end = this.prevEnd();
    if (this.peek().kind === '{') {
      this.next();
      this.labelMatchers(matchers);
      end = this.prevEnd();
    }
    if (name !== '') matchers.push(newMatcher('=', '__name__', name));
    return { type: 'VectorSelector', name, matchers, offset: 0, at: null, pos: { start, end } };
  }

  private labelMatchers(out: Matcher[]): void {
    if (this.peek().kind === '}') {
      this.next();
      return;
    }
    for (;;) {
      const t = this.peek();
      if (t.kind === 'IDENTIFIER' || t.kind === 'STRING') {
        this.next();
        const label = t.kind === 'STRING' ? unquote(t.val) : t.val;
        const op = this.peek();
        if (op.kind === '=' || op.kind === '!=' || op.kind === '=~' || op.kind === '!~') {
          this.next();
          const v = this.peek();
          if (v.kind !== 'STRING') this.unexpected(v, 'label matching', 'string');
          this.next();
          const value = unquote(v.val);
          try {
            out.push(newMatcher(op.kind as MatchType, label, value));
          } catch (e) {
            this.error(t.pos, (e as Error).message);
          }
        } else if (t.kind === 'STRING') {
          out.push(newMatcher('=', '__name__', label));
        } else this.unexpected(op, 'label matching', 'label matching operator');
      } else this.unexpected(t, 'label matching', 'identifier or "}"');
      const sep = this.peek();
      if (sep.kind === '}') {
        this.next();
        return;
      }
      if (sep.kind !== ',') this.unexpected(sep, 'label matching', '"," or "}"');
      this.next();
      if (this.peek().kind === '}') {
        this.next();
        return;
      }
    }
  }

  private call(): Call {
    const name = this.next();
    const fn = getFunction(name.val);
    if (fn === undefined) this.error(name.pos, `unknown function with name ${JSON.stringify(name.val)}`);
    const args = this.callBody();
    return { type: 'Call', func: name.val, args, pos: { start: name.pos, end: this.prevEnd() } };
  }

  private callBody(): Expr[] {
    this.expect('(');
    const args: Expr[] = [];
    if (this.peek().kind === ')') {
      this.next();
      return args;
    }
    for (;;) {
      args.push(this.expr(0));
      const t = this.peek();
      if (t.kind === ')') {
        this.next();
        return args;
      }
      if (t.kind !== ',') this.unexpected(t);
      this.next();
      if (this.peek().kind === ')') {
        this.error(t.pos, 'trailing commas not allowed in function call args');
        this.next();
        return args;
      }
    }
  }

  private aggregate(): AggregateExpr {
    const opTok = this.next();
    this.contexts.push('aggregation');
    let grouping: string[] = [];
    let without = false;
    let modifier = false;
    const readModifier = (): void => {
      const k = this.next().kind;
      without = k === 'without';
      grouping = this.groupingLabels();
      modifier = true;
    };
    const m = this.peek().kind;
    if (m === 'by' || m === 'without') readModifier();
    if (this.peek().kind !== '(') this.unexpected(this.peek(), 'aggregation');
    const args = this.callBody();
    if (!modifier && (this.peek().kind === 'by' || this.peek().kind === 'without')) readModifier();
    this.contexts.pop();
    const node: AggregateExpr = {
      type: 'AggregateExpr',
      op: opTok.kind as AggregateOp,
      expr: args[0] ?? { type: 'NumberLiteral', val: 0, duration: false, pos: { start: opTok.pos, end: opTok.pos } },
      param: null,
      grouping,
      without,
      pos: { start: opTok.pos, end: this.prevEnd() },
    };
    if (args.length === 0) {
      this.error(opTok.pos, 'no arguments for aggregate expression provided');
      return node;
    }
    const withParam = ['topk', 'bottomk', 'count_values', 'quantile', 'limitk', 'limit_ratio'].includes(node.op);
    const want = withParam ? 2 : 1;
    if (withParam) node.param = args[0]!;
    if (args.length !== want) {
      this.error(opTok.pos, `wrong number of arguments for aggregate expression provided, expected ${want}, got ${args.length}`);
      return node;
    }
    node.expr = args[want - 1]!;
    return node;
  }

}

/**
 * Parses a PromQL expression and type-checks it as Prometheus does.
 * Throws ParseError with Prometheus's message (`1:5: parse error: …`).
 * @example parseExpr('sum by (job) (rate(http_requests_total[5m]))')
 */
export function parseExpr(text: string): Expr {
  return run(text, (p) => p.parseTop());
}

/**
 * Parses a series selector alone (`name{label="v"}`), as Prometheus's ParseMetricSelector,
 * including the check that it does not match every series.
 * @example parseVectorSelector('up{job="api"}').matchers
 */
export function parseVectorSelector(text: string): VectorSelector {
  return run(text, (p) => p.parseSelectorOnly()) as VectorSelector;
}

function run(text: string, parse: (p: Parser) => Expr | null): Expr {
  const p = new Parser(text);
  let expr: Expr | null = null;
  try {
    expr = parse(p);
    if (p.errors.length === 0 && expr !== null) checkExpr(expr, text, (pos, msg) => p.error(pos, msg));
  } catch (e) {
    // Nesting deep enough to exhaust the stack is refused rather than crashing the caller.
    if (e instanceof RangeError) throw ParseError.at(text, 0, 'expression nested too deeply');
    if (!(e instanceof Stop)) throw e;
  }
  const first = p.errors[0];
  if (first !== undefined) throw ParseError.at(text, first.pos, first.msg);
  return expr!;
}

export type { PosRange };
