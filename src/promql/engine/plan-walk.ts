// Walks over a query's expression tree that pick the parts an instant query prepares ahead
// (evaluator.ts, prepareAsync): outer subqueries and range functions evaluated in pieces.
import { children, unwrapParens, type Call, type Expr, type SubqueryExpr } from '../ast.js';
import { OVER_TIME } from './range-functions.js';

/**
 * Functions of a range selector whose value for a series depends on that series' window alone,
 * so evaluating them over the selector's series piece by piece gives the same vector.
 */
const PER_SERIES_RANGE_FUNCTIONS = new Set([
  ...Object.keys(OVER_TIME),
  'rate',
  'increase',
  'delta',
  'irate',
  'idelta',
  'deriv',
  'predict_linear',
  'double_exponential_smoothing',
]);

/** The calls of PER_SERIES_RANGE_FUNCTIONS on a range selector, not inside a subquery (evaluated at the query's time). */
export function piecewiseCalls(e: Expr): Call[] {
  if (e.type === 'SubqueryExpr') return [];
  const inner = children(e).flatMap(piecewiseCalls);
  if (e.type === 'Call' && PER_SERIES_RANGE_FUNCTIONS.has(e.func) && e.args.some((a) => unwrapParens(a).type === 'MatrixSelector')) inner.push(e);
  return inner;
}

/** The subqueries of an expression that are not inside another subquery. */
export function outerSubqueries(e: Expr): SubqueryExpr[] {
  if (e.type === 'SubqueryExpr') return [e];
  return children(e).flatMap(outerSubqueries);
}
