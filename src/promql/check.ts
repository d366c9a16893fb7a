// Type checking of a parsed expression, as Prometheus's parser.checkAST: operand types of
// binary operators, function argument types and counts, aggregation parameters, selectors that
// would match everything. Errors go to a callback in traversal order; the first one is reported.
import type { Expr, ValueType } from './ast.js';
import { getFunction } from './functions.js';
import { isSpace } from './lexer.js';

type Report = (pos: number, msg: string) => void;

/** Prometheus's DocumentedType: the names used in type error messages. */
export function documentedType(t: ValueType): string {
  return t === 'vector' ? 'instant vector' : t === 'matrix' ? 'range vector' : t;
}

/** The value type an expression evaluates to. */
export function typeOf(e: Expr): ValueType {
  switch (e.type) {
    case 'NumberLiteral':
      return 'scalar';
    case 'StringLiteral':
      return 'string';
    case 'VectorSelector':
    case 'AggregateExpr':
      return 'vector';
    case 'MatrixSelector':
    case 'SubqueryExpr':
      return 'matrix';
    case 'ParenExpr':
    case 'UnaryExpr':
      return typeOf(e.expr);
    case 'BinaryExpr':
      return typeOf(e.lhs) === 'scalar' && typeOf(e.rhs) === 'scalar' ? 'scalar' : 'vector';
    case 'Call':
      return getFunction(e.func)?.returnType ?? 'none';
  }
}

const COMPARISON = new Set(['==', '!=', '<', '<=', '>', '>=']);
const SET_OPS = new Set(['and', 'or', 'unless']);

interface Frame {
  node: Expr;
  kids: Expr[];
  next: number;
  types: ValueType[];
}

/**
 * Checks `e` (parsed from `input`), calling `report` for every error found, in Prometheus's
 * order: a node's children first, then the node. Iterative, so deep trees cannot overflow.
 */
export function checkExpr(e: Expr, input: string, report: Report): ValueType {
  const stack: Frame[] = [open(e, report)];
  let last: ValueType = 'none';
  while (stack.length > 0) {
    const f = stack[stack.length - 1]!;
    if (f.next < f.kids.length) {
      stack.push(open(f.kids[f.next++]!, report));
      continue;
    }
    stack.pop();
    close(f.node, f.types, input, report);
    last = typeFromChildren(f.node, f.types);
    const parent = stack[stack.length - 1];
    if (parent !== undefined) {
      parent.types.push(last);
      afterChild(parent.node, parent.types.length - 1, last, f.node, report);
    }
  }
  return last;
}

/** typeOf without recursion, from the already computed types of the children. */
function typeFromChildren(e: Expr, types: ValueType[]): ValueType {
  switch (e.type) {
    case 'ParenExpr':
    case 'UnaryExpr':
      return types[0]!;
    case 'BinaryExpr':
      return types[0] === 'scalar' && types[1] === 'scalar' ? 'scalar' : 'vector';
    default:
      return typeOf(e);
  }
}

/** Errors found before the children are visited; returns the frame with the children to visit. */
function open(e: Expr, report: Report): Frame {
  let kids: Expr[] = [];
  switch (e.type) {
    case 'AggregateExpr':
      kids = e.param === null ? [e.expr] : [e.expr, e.param];
      break;
    case 'BinaryExpr':
      kids = [e.lhs, e.rhs];
      break;
    case 'Call': {
      const fn = getFunction(e.func);
      if (fn === undefined) break;
      const nargs = fn.argTypes.length;
      if (fn.variadic === 0) {
        if (nargs !== e.args.length) report(e.pos.start, `expected ${nargs} argument(s) in call to "${fn.name}", got ${e.args.length}`);
        // Arguments beyond the signature of a fixed-arity function are not checked at all.
        kids = e.args.slice(0, nargs);
      } else {
        const na = nargs - 1;
        if (na > e.args.length) report(e.pos.start, `expected at least ${na} argument(s) in call to "${fn.name}", got ${e.args.length}`);
        else if (fn.variadic > 0 && na + fn.variadic < e.args.length) {
          report(e.pos.start, `expected at most ${na + fn.variadic} argument(s) in call to "${fn.name}", got ${e.args.length}`);
        }
        kids = e.args;
      }
      break;
    }
    case 'ParenExpr':
    case 'UnaryExpr':
    case 'SubqueryExpr':
      kids = [e.expr];
      break;
    case 'MatrixSelector':
      kids = [e.vs];
      break;
    case 'VectorSelector':
      if (e.name !== '') {
        for (const m of e.matchers.slice(0, -1)) {
          if (m.name === '__name__') report(e.pos.start, `metric name must not be set twice: ${JSON.stringify(e.name)} or ${JSON.stringify(m.value)}`);
        }
      } else if (!e.matchers.some((m) => !m.matches(''))) {
        report(e.pos.start, 'vector selector must contain at least one non-empty matcher');
      }
      break;
    case 'NumberLiteral':
    case 'StringLiteral':
      break;
  }
  return { node: e, kids, next: 0, types: [] };
}

/** Errors about one child, reported right after that child's own errors. */
function afterChild(parent: Expr, i: number, t: ValueType, child: Expr, report: Report): void {
  const expected = (want: ValueType, context: string): void => {
    if (t !== want) report(child.pos.start, `expected type ${documentedType(want)} in ${context}, got ${documentedType(t)}`);
  };
  if (parent.type === 'AggregateExpr') {
    if (i === 0) expected('vector', 'aggregation expression');
    else expected(parent.op === 'count_values' ? 'string' : 'scalar', 'aggregation parameter');
  } else if (parent.type === 'Call') {
    const fn = getFunction(parent.func);
    if (fn === undefined) return;
    const want = fn.argTypes[Math.min(i, fn.argTypes.length - 1)];
    if (want !== undefined) expected(want, `call to function "${fn.name}"`);
  }
}

/** Errors about the node itself, once its children are checked. */
function close(e: Expr, types: ValueType[], input: string, report: Report): void {
  switch (e.type) {
    case 'BinaryExpr': {
      const lt = types[0]!;
      const rt = types[1]!;
      let opStart = e.lhs.pos.end;
      while (isSpace(input[opStart])) opStart++;
      const comparison = COMPARISON.has(e.op);
      const setOp = SET_OPS.has(e.op);
      if (e.returnBool && !comparison) report(opStart, 'bool modifier can only be used on comparison operators');
      if (comparison && !e.returnBool && rt === 'scalar' && lt === 'scalar') {
        report(opStart, 'comparisons between scalars must use BOOL modifier');
      }
      const vm = e.matching;
      if (vm !== null) {
        if (setOp && vm.card === 'one-to-one') vm.card = 'many-to-many';
        if (vm.on) {
          for (const l of vm.labels) {
            if (vm.include.includes(l)) report(opStart, `label ${JSON.stringify(l)} must not occur in ON and GROUP clause at once`);
          }
        }
      }
      if (lt !== 'scalar' && lt !== 'vector') report(e.lhs.pos.start, 'binary expression must contain only scalar and instant vector types');
      if (rt !== 'scalar' && rt !== 'vector') report(e.rhs.pos.start, 'binary expression must contain only scalar and instant vector types');
      if ((lt !== 'vector' || rt !== 'vector') && vm !== null) {
        if (vm.labels.length > 0) report(e.pos.start, 'vector matching only allowed between instant vectors');
        e.matching = null;
      } else if (setOp && vm !== null) {
        if (vm.card === 'one-to-many' || vm.card === 'many-to-one') report(e.pos.start, `no grouping allowed for "${e.op}" operation`);
        if (vm.card !== 'many-to-many') report(e.pos.start, 'set operations must always be many-to-many');
      }
      if ((lt === 'scalar' || rt === 'scalar') && setOp) report(e.pos.start, `set operator "${e.op}" not allowed in binary scalar expression`);
      break;
    }
    case 'UnaryExpr': {
      const t = types[0]!;
      if (t !== 'scalar' && t !== 'vector') {
        report(e.pos.start, `unary expression only allowed on expressions of type scalar or instant vector, got "${documentedType(t)}"`);
      }
      break;
    }
    case 'SubqueryExpr':
      if (types[0] !== 'vector') report(e.pos.start, `subquery is only allowed on instant vector, got ${types[0]} instead`);
      break;
    default:
      break;
  }
}
