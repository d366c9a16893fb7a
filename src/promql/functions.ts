// The PromQL function table (Prometheus 3's promql/parser/functions.go): argument and return
// types used by the parser's type check. Experimental functions (including the scalar step(),
// range(), start(), end(), min_of(), max_of() of v3.14) are always enabled; `info` is not supported.
import type { ValueType } from './ast.js';

export interface FunctionDef {
  readonly name: string;
  readonly argTypes: readonly ValueType[];
  /** As Prometheus's `Variadic`: 0 fixed arity; n > 0 the last argument is optional and may
   *  appear up to n times; -1 it may appear any number of times (at least once less than listed). */
  readonly variadic: number;
  readonly returnType: ValueType;
  readonly experimental: boolean;
}

const V: ValueType = 'vector';
const M: ValueType = 'matrix';
const S: ValueType = 'scalar';
const STR: ValueType = 'string';

type Row = readonly [args: readonly ValueType[], ret: ValueType, variadic?: number, experimental?: boolean];

const ROWS: Record<string, Row> = {
  abs: [[V], V],
  absent: [[V], V],
  absent_over_time: [[M], V],
  acos: [[V], V],
  acosh: [[V], V],
  asin: [[V], V],
  asinh: [[V], V],
  atan: [[V], V],
  atanh: [[V], V],
  avg_over_time: [[M], V],
  ceil: [[V], V],
  changes: [[M], V],
  clamp: [[V, S, S], V],
  clamp_max: [[V, S], V],
  clamp_min: [[V, S], V],
  cos: [[V], V],
  cosh: [[V], V],
  count_over_time: [[M], V],
  days_in_month: [[V], V, 1],
  day_of_month: [[V], V, 1],
  day_of_week: [[V], V, 1],
  day_of_year: [[V], V, 1],
  deg: [[V], V],
  delta: [[M], V],
  deriv: [[M], V],
  double_exponential_smoothing: [[M, S, S], V, 0, true],
  end: [[], S, 0, true],
  exp: [[V], V],
  first_over_time: [[M], V, 0, true],
  floor: [[V], V],
  histogram_avg: [[V], V],
  histogram_count: [[V], V],
  histogram_fraction: [[S, S, V], V],
  histogram_quantile: [[S, V], V],
  histogram_quantiles: [[V, STR, S, S], V, 9, true],
  histogram_stddev: [[V], V],
  histogram_stdvar: [[V], V],
  histogram_sum: [[V], V],
  hour: [[V], V, 1],
  idelta: [[M], V],
  increase: [[M], V],
  integral: [[M, S], V, 1, true],
  irate: [[M], V],
  label_join: [[V, STR, STR, STR], V, -1],
  label_replace: [[V, STR, STR, STR, STR], V],
  last_over_time: [[M], V],
  ln: [[V], V],
  log10: [[V], V],
  log2: [[V], V],
  max_of: [[S, S], S, 0, true],
  min_of: [[S, S], S, 0, true],
  mad_over_time: [[M], V, 0, true],
  max_over_time: [[M], V],
  min_over_time: [[M], V],
  minute: [[V], V, 1],
  month: [[V], V, 1],
  pi: [[], S],
  predict_linear: [[M, S], V],
  present_over_time: [[M], V],
  quantile_over_time: [[S, M], V],
  rad: [[V], V],
  range: [[], S, 0, true],
  rate: [[M], V],
  resets: [[M], V],
  round: [[V, S], V, 1],
  scalar: [[V], S],
  sgn: [[V], V],
  sin: [[V], V],
  sinh: [[V], V],
  sort: [[V], V],
  sort_by_label: [[V, STR], V, -1, true],
  sort_by_label_desc: [[V, STR], V, -1, true],
  sort_desc: [[V], V],
  sqrt: [[V], V],
  start: [[], S, 0, true],
  step: [[], S, 0, true],
  stddev_over_time: [[M], V],
  stdvar_over_time: [[M], V],
  sum_over_time: [[M], V],
  tan: [[V], V],
  tanh: [[V], V],
  time: [[], S],
  timestamp: [[V], V],
  ts_of_first_over_time: [[M], V, 0, true],
  ts_of_last_over_time: [[M], V, 0, true],
  ts_of_max_over_time: [[M], V, 0, true],
  ts_of_min_over_time: [[M], V, 0, true],
  vector: [[S], V],
  year: [[V], V, 1],
};

/** Every supported function by name. */
export const FUNCTIONS: ReadonlyMap<string, FunctionDef> = new Map(
  Object.entries(ROWS).map(([name, [argTypes, returnType, variadic = 0, experimental = false]]) => [
    name,
    { name, argTypes, returnType, variadic, experimental },
  ]),
);

/** The definition of a function, or undefined when PromQL has none by that name. */
export function getFunction(name: string): FunctionDef | undefined {
  return FUNCTIONS.get(name);
}
