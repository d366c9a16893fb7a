import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { formatExpr, formatMatcher, newMatcher, parseExpr, prettyExpr } from './index.js';
import type { AggregateOp, BinaryOp, Expr, NumberLiteral, VectorMatching, VectorSelector } from './index.js';
import type { MatchType } from '../storage/index.js';

const P = { start: 0, end: 0 };

/** The tree without positions, matchers as sorted text (the printer sorts them, as Prometheus). */
function norm(e: Expr): unknown {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(e)) {
    if (k === 'pos') continue;
    if (k === 'matchers') out[k] = (v as VectorSelector['matchers']).map(formatMatcher).sort();
    else if (Array.isArray(v)) out[k] = v.map((x) => (typeof x === 'object' && x !== null && 'type' in x ? norm(x as Expr) : x));
    else if (typeof v === 'object' && v !== null && 'type' in v) out[k] = norm(v as Expr);
    else out[k] = v;
  }
  return out;
}

const num = (val: number, duration = false): NumberLiteral => ({ type: 'NumberLiteral', val, duration, pos: { ...P } });
const paren = (expr: Expr): Expr => ({ type: 'ParenExpr', expr, pos: { ...P } });
const str = (val: string): Expr => ({ type: 'StringLiteral', val, pos: { ...P } });

const labelName = fc.constantFrom('job', 'le', 'a.b', 'on', 'by', 'émoji ✓', 'x_1');
const regexValue = fc.constantFrom('.*', 'a|b', '(?i)foo', '[[:alpha:]]+', '\\d+', 'x.y', '');
const anyValue = fc.string({ unit: 'grapheme', maxLength: 6 });
const matcher = fc.oneof(
  fc.tuple(labelName, fc.constantFrom<MatchType>('=', '!='), anyValue).map(([n, t, v]) => newMatcher(t, n, v)),
  fc.tuple(labelName, fc.constantFrom<MatchType>('=~', '!~'), regexValue).map(([n, t, v]) => newMatcher(t, n, v)),
);
const durationMs = fc.integer({ min: 1, max: 400 * 24 * 3600 }).chain((s) => fc.constantFrom(s * 1000, s, 90_000, 300_000));
const offset = fc.oneof(fc.constant(0), durationMs, durationMs.map((d) => -d));
const at = fc.oneof(
  fc.constant(null),
  fc.constantFrom<'start' | 'end'>('start', 'end'),
  fc.integer({ min: -1e12, max: 1e12 }),
);
const metricName = fc.constantFrom('foo', 'bar_total', 'job:rate:5m', 'sum', 'by', 'offset', '');

const selector: fc.Arbitrary<VectorSelector> = fc
  .tuple(metricName, fc.array(matcher, { maxLength: 3 }), offset, at, anyValue)
  .map(([name, ms, off, a, v]) => {
    const matchers = ms.filter((m) => m.name !== '__name__');
    // At least one matcher that does not match the empty string.
    if (name === '') matchers.unshift(newMatcher('=', 'job', v === '' ? 'x' : v));
    else matchers.push(newMatcher('=', '__name__', name));
    return { type: 'VectorSelector', name, matchers, offset: off, at: a, pos: { ...P } };
  });

const number: fc.Arbitrary<NumberLiteral> = fc.oneof(
  fc.double().map((v) => num(v)),
  fc.integer({ min: -1000, max: 1000 }).map((v) => num(v)),
  durationMs.map((ms) => num(ms / 1000, true)),
);

const matrix: fc.Arbitrary<Expr> = fc
  .tuple(selector, durationMs)
  .map(([vs, range]) => ({ type: 'MatrixSelector', vs, range, pos: { ...P } }));

/** Operands of binary operators are parenthesised when printing would change their grouping. */
function operand(e: Expr, lhsOfPow: boolean): Expr {
  if (e.type === 'BinaryExpr' || e.type === 'UnaryExpr') return paren(e);
  if (lhsOfPow && e.type === 'NumberLiteral' && (e.val < 0 || Object.is(e.val, -0))) return paren(e);
  return e;
}

const { vector, scalar } = fc.letrec<{ vector: Expr; scalar: Expr }>((tie) => {
  const vec = tie('vector');
  const sca = tie('scalar');
  const grouping = fc.array(labelName, { maxLength: 2 });
  const call = fc.oneof(
    matrix.map((m): Expr => ({ type: 'Call', func: 'rate', args: [m], pos: { ...P } })),
    vec.map((v): Expr => ({ type: 'Call', func: 'abs', args: [v], pos: { ...P } })),
    fc.tuple(vec, sca, sca).map(([v, a, b]): Expr => ({ type: 'Call', func: 'clamp', args: [v, a, b], pos: { ...P } })),
    fc.tuple(vec, fc.array(anyValue, { minLength: 4, maxLength: 4 })).map(([v, s]): Expr => ({
      type: 'Call', func: 'label_replace', args: [v, ...s.map(str)], pos: { ...P },
    })),
    fc.tuple(sca, vec).map(([q, v]): Expr => ({ type: 'Call', func: 'histogram_quantile', args: [q, v], pos: { ...P } })),
    fc.tuple(vec, fc.option(sca, { nil: undefined })).map(([v, s]): Expr => ({
      type: 'Call', func: 'round', args: s === undefined ? [v] : [v, s], pos: { ...P },
    })),
    sca.map((s): Expr => ({ type: 'Call', func: 'vector', args: [s], pos: { ...P } })),
  );
  const aggregate = fc
    .tuple(fc.constantFrom<AggregateOp>('sum', 'avg', 'topk', 'count_values', 'quantile', 'limitk', 'group'), vec, sca, anyValue, grouping, fc.boolean())
    .map(([op, v, p, s, g, without]): Expr => ({
      type: 'AggregateExpr',
      op,
      expr: v,
      param: op === 'count_values' ? str(s) : ['topk', 'quantile', 'limitk'].includes(op) ? p : null,
      grouping: g,
      without,
      pos: { ...P },
    }));
  const subquery = fc
    .tuple(fc.oneof(selector, call, aggregate, vec.map(paren)), durationMs, fc.oneof(fc.constant(0), durationMs), offset, at)
    .map(([expr, range, step, off, a]): Expr => ({ type: 'SubqueryExpr', expr, range, step, offset: off, at: a, pos: { ...P } }));
  const vectorBinary = fc
    .tuple(
      fc.constantFrom<BinaryOp>('+', '-', '*', '/', '%', '^', 'atan2', '==', '!=', '>', '<', '>=', '<=', 'and', 'or', 'unless'),
      vec,
      fc.oneof(vec, sca),
      fc.boolean(),
      fc.boolean(),
      fc.array(fc.constantFrom('a', 'b'), { maxLength: 2 }),
      fc.array(fc.constantFrom('c', 'd'), { maxLength: 2 }),
      fc.constantFrom('one-to-one', 'many-to-one', 'one-to-many'),
      fc.boolean(),
    )
    .map(([op, l, r, bool, on, labels, include, card, swap]): Expr => {
      const [lhs, rhs] = swap ? [r, l] : [l, r];
      const bothVectors = lhs.type !== 'NumberLiteral' && rhs.type !== 'NumberLiteral' && isVector(lhs) && isVector(rhs);
      const setOp = op === 'and' || op === 'or' || op === 'unless';
      const comparison = ['==', '!=', '>', '<', '>=', '<='].includes(op);
      let matching: VectorMatching | null = null;
      if (bothVectors) {
        matching = setOp
          ? { card: 'many-to-many', on, labels, include: [] }
          : { card: card as VectorMatching['card'], on, labels, include: card === 'one-to-one' ? [] : include };
      }
      const l2 = setOp && !bothVectors ? l : lhs;
      const r2 = setOp && !bothVectors ? l : rhs;
      return {
        type: 'BinaryExpr',
        op,
        lhs: operand(l2, op === '^'),
        rhs: operand(r2, false),
        returnBool: comparison && bool,
        matching: setOp && !bothVectors ? { card: 'many-to-many', on, labels, include: [] } : matching,
        pos: { ...P },
      };
    });
  const scalarBinary = fc
    .tuple(fc.constantFrom<BinaryOp>('+', '-', '*', '/', '^', '==', '<'), sca, sca)
    .map(([op, l, r]): Expr => ({
      type: 'BinaryExpr', op, lhs: operand(l, op === '^'), rhs: operand(r, false), returnBool: op === '==' || op === '<', matching: null, pos: { ...P },
    }));
  return {
    vector: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      selector,
      call,
      aggregate,
      vectorBinary,
      vec.map(paren),
      fc.tuple(fc.constantFrom<'+' | '-'>('+', '-'), vec).map(([op, v]): Expr => ({
        type: 'UnaryExpr', op, expr: v.type === 'BinaryExpr' ? paren(v) : v, pos: { ...P },
      })),
      // A subquery as the argument of a range function.
      subquery.map((s): Expr => ({ type: 'Call', func: 'max_over_time', args: [s], pos: { ...P } })),
    ),
    scalar: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      number,
      scalarBinary,
      sca.map(paren),
      vec.map((v): Expr => ({ type: 'Call', func: 'scalar', args: [v], pos: { ...P } })),
      fc.constant<Expr>({ type: 'Call', func: 'time', args: [], pos: { ...P } }),
    ),
  };
});

function isVector(e: Expr): boolean {
  switch (e.type) {
    case 'NumberLiteral':
      return false;
    case 'ParenExpr':
    case 'UnaryExpr':
      return isVector(e.expr);
    case 'BinaryExpr':
      return isVector(e.lhs) || isVector(e.rhs);
    case 'Call':
      return !['scalar', 'time'].includes(e.func);
    default:
      return true;
  }
}

test('parseExpr(formatExpr(ast)) gives back the tree', { timeout: 120_000 }, () => {
  fc.assert(
    fc.property(fc.oneof(vector, scalar), (ast) => {
      const text = formatExpr(ast);
      let back: Expr;
      try {
        back = parseExpr(text);
      } catch (e) {
        throw new Error(`${text}: ${(e as Error).message}`);
      }
      assert.deepEqual(norm(back), norm(ast), text);
      assert.equal(formatExpr(back), text);
    }),
    { numRuns: 3000 },
  );
});

test('prints numbers and durations as Go does', () => {
  const cases: [Expr, string][] = [
    [num(1e21), '1000000000000000000000'],
    [num(1.5e-7), '0.00000015'],
    [num(-0.25), '-0.25'],
    [num(Infinity), '+Inf'],
    [num(NaN), 'NaN'],
    [num(90, true), '1m30s'],
    [num(-3600, true), '-1h'],
    [num(0.5, true), '500ms'],
    [num(8 * 86400, true), '8d'],
    [num(14 * 86400, true), '2w'],
  ];
  for (const [e, want] of cases) assert.equal(formatExpr(e), want);
  assert.equal(formatExpr(parseExpr('x{a="\\u0001é\\"",b="\\\\"}')), 'x{a="\\x01é\\"",b="\\\\"}');
});

test('prettyExpr splits as Prometheus Prettify does (answers of a running Prometheus)', () => {
  const L = 'a_very_long_metric_name_that_takes_space_total{job="some-job-name",instance="host.example.com:9100"}';
  const S = 'a_very_long_metric_name_that_takes_space_total{instance="host.example.com:9100",job="some-job-name"}';
  assert.equal(prettyExpr(parseExpr('sum(rate(x[5m]))')), 'sum(rate(x[5m]))');
  assert.equal(
    prettyExpr(parseExpr(`-(rate(${L}[5m]) + rate(${L}[10m]))`)),
    `-(\n    rate(\n      ${S}[5m]\n    )\n  +\n    rate(\n      ${S}[10m]\n    )\n)`,
  );
  assert.equal(
    prettyExpr(parseExpr(`max_over_time((rate(${L}[5m]) / rate(${L}[10m]))[1h:5m] offset 1m)`)),
    `max_over_time(\n  (\n      rate(\n        ${S}[5m]\n      )\n    /\n      rate(\n        ${S}[10m]\n      )\n  )[1h:5m] offset 1m\n)`,
  );
  assert.equal(
    prettyExpr(parseExpr(`topk(5, rate(${L}[5m]) * on (job) group_left (instance) rate(${L}[1m]))`)),
    `topk(\n  5,\n    rate(\n      ${S}[5m]\n    )\n  * on (job) group_left (instance)\n    rate(\n      ${S}[1m]\n    )\n)`,
  );
});
