// The syntax tree as /api/v1/parse_query answers it: the JSON shape of Prometheus 3's
// web/api/v1/translate_ast.go (what its UI's tree view reads). Go marshals those maps with their
// keys sorted, so every object here lists its keys in that order and the bytes match.
import { getFunction, type AtModifier, type Expr, type VectorSelector } from '../promql/index.js';
import type { Matcher } from '../storage/index.js';

/** Go's strconv.FormatFloat(v, 'f', -1, 64): the shortest digits that read back as v, never an exponent. */
export function formatFloatPlain(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  if (Object.is(v, -0)) return '-0';
  const s = String(v);
  const m = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(s);
  if (m === null) return s;
  const [, sign, lead, frac = '', expText] = m;
  const digits = lead! + frac;
  const exp = Number(expText);
  // The decimal point sits after the first digit; move it `exp` places.
  const point = 1 + exp;
  if (point <= 0) return `${sign}0.${'0'.repeat(-point)}${digits}`;
  if (point >= digits.length) return sign + digits + '0'.repeat(point - digits.length);
  return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
}

function matchers(ms: readonly Matcher[]): { name: string; type: string; value: string }[] {
  return ms.map((m) => ({ name: m.name, type: m.type, value: m.value }));
}

function timestamp(at: AtModifier | null): number | null {
  return typeof at === 'number' ? at : null;
}

function startOrEnd(at: AtModifier | null): string | null {
  return at === 'start' || at === 'end' ? at : null;
}

/** The JSON tree Prometheus's parse_query answers for `e`. */
export function astJson(e: Expr): unknown {
  switch (e.type) {
    case 'AggregateExpr':
      return {
        expr: astJson(e.expr),
        grouping: e.grouping,
        op: e.op,
        param: e.param === null ? null : astJson(e.param),
        type: 'aggregation',
        without: e.without,
      };
    case 'BinaryExpr':
      return {
        bool: e.returnBool,
        lhs: astJson(e.lhs),
        matching:
          e.matching === null ? null : { card: e.matching.card, include: e.matching.include, labels: e.matching.labels, on: e.matching.on },
        op: e.op,
        rhs: astJson(e.rhs),
        type: 'binaryExpr',
      };
    case 'Call': {
      const f = getFunction(e.func);
      return {
        args: e.args.map(astJson),
        func: { argTypes: f?.argTypes ?? [], name: e.func, returnType: f?.returnType ?? 'none', variadic: f?.variadic ?? 0 },
        type: 'call',
      };
    }
    case 'MatrixSelector': {
      const vs = e.vs as VectorSelector;
      return {
        matchers: matchers(vs.matchers),
        name: vs.name,
        offset: vs.offset,
        range: e.range,
        startOrEnd: startOrEnd(vs.at),
        timestamp: timestamp(vs.at),
        type: 'matrixSelector',
      };
    }
    case 'SubqueryExpr':
      return {
        expr: astJson(e.expr),
        offset: e.offset,
        range: e.range,
        startOrEnd: startOrEnd(e.at),
        step: e.step,
        timestamp: timestamp(e.at),
        type: 'subquery',
      };
    case 'NumberLiteral':
      return { type: 'numberLiteral', val: formatFloatPlain(e.val) };
    case 'ParenExpr':
      return { expr: astJson(e.expr), type: 'parenExpr' };
    case 'StringLiteral':
      return { type: 'stringLiteral', val: e.val };
    case 'UnaryExpr':
      return { expr: astJson(e.expr), op: e.op, type: 'unaryExpr' };
    case 'VectorSelector':
      return {
        matchers: matchers(e.matchers),
        name: e.name,
        offset: e.offset,
        startOrEnd: startOrEnd(e.at),
        timestamp: timestamp(e.at),
        type: 'vectorSelector',
      };
  }
}
