// The PromQL syntax tree, shaped after Prometheus's promql/parser/ast.go. Durations and
// timestamps are in milliseconds; every node carries the [start, end) offsets it was parsed from.
import type { Matcher } from '../storage/index.js';

/** Source offsets of a node: UTF-16 indices into the query, end exclusive. */
export interface PosRange {
  start: number;
  end: number;
}

/** The value types of PromQL, named as Prometheus documents them. */
export type ValueType = 'none' | 'scalar' | 'vector' | 'matrix' | 'string';

export type BinaryOp =
  | '+' | '-' | '*' | '/' | '%' | '^' | 'atan2'
  | '==' | '!=' | '>' | '<' | '>=' | '<='
  | 'and' | 'or' | 'unless';

export type AggregateOp =
  | 'sum' | 'avg' | 'count' | 'min' | 'max' | 'group' | 'stddev' | 'stdvar' | 'topk' | 'bottomk'
  | 'count_values' | 'quantile' | 'limitk' | 'limit_ratio';

/** `@` modifier: a timestamp in milliseconds, or the query's start/end. */
export type AtModifier = number | 'start' | 'end';

export interface NumberLiteral {
  readonly type: 'NumberLiteral';
  val: number;
  /** Written as a duration (`5m`); printed back as one. */
  duration: boolean;
  pos: PosRange;
}

export interface StringLiteral {
  readonly type: 'StringLiteral';
  val: string;
  pos: PosRange;
}

export interface VectorSelector {
  readonly type: 'VectorSelector';
  /** Metric name written before the braces, '' when none. */
  name: string;
  /** All matchers; when `name` is set, the last one is `__name__="<name>"` (as in Prometheus). */
  matchers: Matcher[];
  /** Offset in ms (negative looks ahead). */
  offset: number;
  at: AtModifier | null;
  pos: PosRange;
}

export interface MatrixSelector {
  readonly type: 'MatrixSelector';
  /** Always a VectorSelector once parsing succeeded; it holds offset and `@`. */
  vs: Expr;
  /** Range in ms. */
  range: number;
  pos: PosRange;
}

export interface SubqueryExpr {
  readonly type: 'SubqueryExpr';
  expr: Expr;
  range: number;
  /** Step in ms; 0 means the default evaluation interval. */
  step: number;
  offset: number;
  at: AtModifier | null;
  pos: PosRange;
}

export interface ParenExpr {
  readonly type: 'ParenExpr';
  expr: Expr;
  pos: PosRange;
}

export interface UnaryExpr {
  readonly type: 'UnaryExpr';
  op: '+' | '-';
  expr: Expr;
  pos: PosRange;
}

export type Cardinality = 'one-to-one' | 'many-to-one' | 'one-to-many' | 'many-to-many';

export interface VectorMatching {
  card: Cardinality;
  /** `on(...)` when true, `ignoring(...)` otherwise. */
  on: boolean;
  /** The labels of on/ignoring. */
  labels: string[];
  /** The labels of group_left/group_right. */
  include: string[];
}

export interface BinaryExpr {
  readonly type: 'BinaryExpr';
  op: BinaryOp;
  lhs: Expr;
  rhs: Expr;
  returnBool: boolean;
  /** Null unless both sides are instant vectors (as Prometheus sets it after type checking). */
  matching: VectorMatching | null;
  pos: PosRange;
}

export interface AggregateExpr {
  readonly type: 'AggregateExpr';
  op: AggregateOp;
  expr: Expr;
  /** The parameter of topk, bottomk, quantile, count_values, limitk, limit_ratio. */
  param: Expr | null;
  grouping: string[];
  without: boolean;
  pos: PosRange;
}

export interface Call {
  readonly type: 'Call';
  func: string;
  args: Expr[];
  pos: PosRange;
}

export type Expr =
  | NumberLiteral
  | StringLiteral
  | VectorSelector
  | MatrixSelector
  | SubqueryExpr
  | ParenExpr
  | UnaryExpr
  | BinaryExpr
  | AggregateExpr
  | Call;

/** The expression inside any parentheses around it. */
export function unwrapParens(e: Expr): Expr {
  while (e.type === 'ParenExpr') e = e.expr;
  return e;
}

/** The direct children of a node, in source order. */
export function children(e: Expr): Expr[] {
  switch (e.type) {
    case 'MatrixSelector':
      return [e.vs];
    case 'SubqueryExpr':
    case 'ParenExpr':
    case 'UnaryExpr':
      return [e.expr];
    case 'BinaryExpr':
      return [e.lhs, e.rhs];
    case 'AggregateExpr':
      return e.param === null ? [e.expr] : [e.param, e.expr];
    case 'Call':
      return e.args;
    default:
      return [];
  }
}
