import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { formatExpr, parseExpr, ParseError } from './index.js';
import type { Expr } from './index.js';

// Valid queries and their canonical form (as Prometheus's Expr.String() prints them).
const VALID: [string, string][] = [
  ['github_commits_total', 'github_commits_total'],
  ['{__name__="github_commits_total"}', '{__name__="github_commits_total"}'],
  ['github_merged_prs_total{repo=~"k.*",org!="gradr"}', 'github_merged_prs_total{org!="gradr",repo=~"k.*"}'],
  ['github_stars{repo!~"a|b",}', 'github_stars{repo!~"a|b"}'],
  ['x[7d]', 'x[1w]'],
  ['x[1h30m]', 'x[1h30m]'],
  ['x[90s]', 'x[1m30s]'],
  ['x[26h]', 'x[1d2h]'],
  ['x[60]', 'x[1m]'],
  ['x[1.5]', 'x[1s500ms]'],
  ['x[365d]', 'x[1y]'],
  ['1e3', '1000'],
  ['0x1F', '31'],
  ['010', '8'],
  ['1_000', '1000'],
  ['.5', '0.5'],
  ['5.', '5'],
  ['Inf', '+Inf'],
  ['-inf', '-Inf'],
  ['NaN', 'NaN'],
  ['1e-7', '0.0000001'],
  ['1h', '1h'],
  ['-1h', '-1h'],
  ['- - 1', '1'],
  ['-github_stars', '-github_stars'],
  ['-2 ^ 2', '-2 ^ 2'],
  ['1 + 2 * 3 ^ 2 ^ 1', '1 + 2 * 3 ^ 2 ^ 1'],
  ['1 == bool 2', '1 == bool 2'],
  ['a atan2 b', 'a atan2 b'],
  ['a % b', 'a % b'],
  ['sum by (org) (x)', 'sum by (org) (x)'],
  ['sum(x) by (org,)', 'sum by (org) (x)'],
  ['sum without (org) (x)', 'sum without (org) (x)'],
  ['sum(x) by ()', 'sum(x)'],
  ['sum without () (x)', 'sum without () (x)'],
  ['SUM(X)', 'sum(X)'],
  ['sum by ("a.b", job) (x)', 'sum by ("a.b", job) (x)'],
  ['sum by (on, by, offset, bool) (x)', 'sum by (on, by, offset, bool) (x)'],
  ['topk(5, x)', 'topk(5, x)'],
  ['count_values("v", x)', 'count_values("v", x)'],
  ['quantile without (a) (0.9, x)', 'quantile without (a) (0.9, x)'],
  ['limitk(2, x)', 'limitk(2, x)'],
  ['limit_ratio(0.5, x)', 'limit_ratio(0.5, x)'],
  ['rate(x[5m])', 'rate(x[5m])'],
  ['rate(x[300])', 'rate(x[5m])'],
  ['round(x, 0.5)', 'round(x, 0.5)'],
  ['label_join(x, "a", ",", "b", "c")', 'label_join(x, "a", ",", "b", "c")'],
  ['sort_by_label(x, "a", "b")', 'sort_by_label(x, "a", "b")'],
  ['histogram_quantile(0.9, sum by (le) (rate(x_bucket[5m])))', 'histogram_quantile(0.9, sum by (le) (rate(x_bucket[5m])))'],
  ['double_exponential_smoothing(x[5m], 0.5, 0.5)', 'double_exponential_smoothing(x[5m], 0.5, 0.5)'],
  ['mad_over_time(x[5m])', 'mad_over_time(x[5m])'],
  ['time()', 'time()'],
  ['"a string"', '"a string"'],
  ["x{a='b\\'c'}", 'x{a="b\'c"}'],
  ['x{a=`b\\c`}', 'x{a="b\\\\c"}'],
  ['x{a="\\t\\x41\\u00e9"}', 'x{a="\\tAé"}'],
  ['x{by="1",on!="2"}', 'x{by="1",on!="2"}'],
  ['{"my.metric", "le"="1"}', '{__name__="my.metric",le="1"}'],
  ['{"a.b"="1"}', '{"a.b"="1"}'],
  ['x offset 5m', 'x offset 5m'],
  ['x offset -5m', 'x offset -5m'],
  ['x offset 90', 'x offset 1m30s'],
  ['x @ 1609746000', 'x @ 1609746000.000'],
  ['x @ -1.5', 'x @ -1.500'],
  ['x @ start()', 'x @ start()'],
  ['x offset 1m @ end()', 'x @ end() offset 1m'],
  ['x[5m] offset 1m', 'x[5m] offset 1m'],
  ['x[5m] @ 100 offset -1m', 'x[5m] @ 100.000 offset -1m'],
  ['x[5m:]', 'x[5m:]'],
  ['x[5m:1m]', 'x[5m:1m]'],
  ['rate(x[5m])[1h:5m] offset 1h @ start()', 'rate(x[5m])[1h:5m] @ start() offset 1h'],
  ['(a + b)[5m:]', '(a + b)[5m:]'],
  ['a + on (b) group_left (c) d', 'a + on (b) group_left (c) d'],
  ['a + on(b) group_left d', 'a + on (b) group_left () d'],
  ['a / ignoring(b) group_right c', 'a / ignoring (b) group_right () c'],
  ['a > bool on() b', 'a > bool on () b'],
  ['a and on(x) b', 'a and on (x) b'],
  ['a or ignoring(x) b', 'a or ignoring (x) b'],
  ['1 + on() x', '1 + x'],
  ['count(x) by (repo) > 0', 'count by (repo) (x) > 0'],
  ['x # comment\n', 'x'],
  ['sum{}', 'sum'],
  ['by + 1', 'by + 1'],
  ['foo * sum', 'foo * sum'],
  ['job:rate:5m', 'job:rate:5m'],
  ['sum(\n  rate(x[5m])\n)', 'sum(rate(x[5m]))'],
  // From Prometheus's parse_test.go.
  ['0755', '493'],
  ['-0755', '-493'],
  ['+5.5e-3', '0.0055'],
  ['-1^2', '-1 ^ 2'],
  ['+1 + -2 * 1', '1 + -2 * 1'],
  ['offset{step="1s"}[5m]', 'offset{step="1s"}[5m]'],
  ['anchored{job="test"}', 'anchored{job="test"}'],
  ['{__name__=~"bar", __name__!~"baz"}', '{__name__!~"baz",__name__=~"bar"}'],
  ['{"bar", __name__="baz"}', '{__name__="bar",__name__="baz"}'],
  ['foo + bar or bla and blub', 'foo + bar or bla and blub'],
  ['bar + on(foo) bla / on(baz, buz) group_right(test) blub', 'bar + on (foo) bla / on (baz, buz) group_right (test) blub'],
  ['test[5d] OFFSET 10s', 'test[5d] offset 10s'],
  ['test{a="b"}[5y] @ 1603774699', 'test{a="b"}[5y] @ 1603774699.000'],
  ['foo[4.18] @ 2.345', 'foo[4s180ms] @ 2.345'],
  ['some_metric[5m] @ 1m', 'some_metric[5m] @ 60.000'],
  ['test{a="b"}[5m] OFFSET 3600', 'test{a="b"}[5m] offset 1h'],
  ['sum by ("foo", bar, \'baz\')({"some.metric"})', 'sum by (foo, bar, baz) ({__name__="some.metric"})'],
  ['sum without(and, by, avg, count, alert, annotations)(some_metric)', 'sum without (and, by, avg, count, alert, annotations) (some_metric)'],
  ['sum(sum)', 'sum(sum)'],
  ['a + sum', 'a + sum'],
  ['min_over_time(rate(foo{bar="baz"}[2s])[5m:])[4m:3s]', 'min_over_time(rate(foo{bar="baz"}[2s])[5m:])[4m:3s]'],
  ['foo{bar="baz"}[10m5s:1h6ms]', 'foo{bar="baz"}[10m5s:1h6ms]'],
  ['step() + range() * start() - end()', 'step() + range() * start() - end()'],
  ['min_of(3, 5) + max_of(1, 2)', 'min_of(3, 5) + max_of(1, 2)'],
  ['Inf ^ a', 'Inf ^ a'],
  ['-Inf ^ a', '-Inf ^ a'],
  ['a * Inf', 'a * +Inf'],
];

// Invalid queries with Prometheus's exact error text.
const INVALID: [string, string][] = [
  ['', 'unknown position: parse error: no expression found in input'],
  [' ', '1:1: parse error: no expression found in input'],
  ['{job=~".*"}', '1:1: parse error: vector selector must contain at least one non-empty matcher'],
  ['{}', '1:1: parse error: vector selector must contain at least one non-empty matcher'],
  ['x{__name__="y"}', '1:1: parse error: metric name must not be set twice: "x" or "y"'],
  ['github_commits_total[1.5h]', '1:22: parse error: unknown unit "." in duration "1.5h"'],
  ['github_commits_total[0s]', '1:22: parse error: duration must be greater than 0'],
  ['github_commits_total[7d', '1:24: parse error: unclosed left bracket'],
  ['github_commits_total[1x]', '1:22: parse error: bad number or duration syntax: "1"'],
  ['x[1d1w]', '1:3: parse error: not a valid duration string: "1d1w"'],
  ['x[1hs]', '1:3: parse error: unknown unit "hs" in duration "1hs"'],
  ['x[1000000y]', '1:3: parse error: duration out of range'],
  ['1 == 2', '1:3: parse error: comparisons between scalars must use BOOL modifier'],
  ['github_stars + bool 1', '1:14: parse error: bool modifier can only be used on comparison operators'],
  ['sum()', '1:1: parse error: no arguments for aggregate expression provided'],
  ['sum(', '1:5: parse error: unclosed left parenthesis'],
  ['sum(a, b)', '1:1: parse error: wrong number of arguments for aggregate expression provided, expected 1, got 2'],
  ['topk(x)', '1:1: parse error: wrong number of arguments for aggregate expression provided, expected 2, got 1'],
  ['rate(x)', '1:6: parse error: expected type range vector in call to function "rate", got instant vector'],
  ['rate(x[7d], 1)', '1:1: parse error: expected 1 argument(s) in call to "rate", got 2'],
  ['round(x, 1, 2)', '1:1: parse error: expected at most 2 argument(s) in call to "round", got 3'],
  ['time(x)', '1:1: parse error: expected 0 argument(s) in call to "time", got 1'],
  ['label_join(x)', '1:1: parse error: expected at least 3 argument(s) in call to "label_join", got 1'],
  ['scalar(1)', '1:8: parse error: expected type instant vector in call to function "scalar", got scalar'],
  ['foo(x)', '1:1: parse error: unknown function with name "foo"'],
  ['holt_winters(x[1h], 0.5, 0.5)', '1:1: parse error: unknown function with name "holt_winters"'],
  ['Rate(x[5m])', '1:1: parse error: unknown function with name "Rate"'],
  ['(github_stars', '1:14: parse error: unclosed left parenthesis'],
  ['github_stars)', '1:14: parse error: unexpected right parenthesis \')\''],
  ['github_stars +', '1:15: parse error: unexpected end of input'],
  ['github stars', '1:8: parse error: unexpected identifier "stars"'],
  ['x{repo="a" repo="b"}', '1:12: parse error: unexpected identifier "repo" in label matching, expected "," or "}"'],
  ['x{repo=}', '1:8: parse error: unexpected "}" in label matching, expected string'],
  ['x{repo="a"', '1:11: parse error: unexpected end of input inside braces'],
  ['x{a}', '1:4: parse error: unexpected "}" in label matching, expected label matching operator'],
  ['x{,}', '1:3: parse error: unexpected "," in label matching, expected identifier or "}"'],
  ['x{a"b"}', '1:4: parse error: unexpected string "\\"b\\"" in label matching, expected label matching operator'],
  ['github_stars{repo=~"("}', '1:14: parse error: error parsing regexp: missing closing ): `(`'],
  ['a[5m] + b[5m]', '1:1: parse error: binary expression must contain only scalar and instant vector types'],
  ['rate(x[5m])[5m]', '1:12: parse error: ranges only allowed for vector selectors'],
  ['(x)[5m]', '1:4: parse error: ranges only allowed for vector selectors'],
  ['x offset 1m[5m]', '1:12: parse error: no offset modifiers allowed before range'],
  ['x @ 1[5m]', '1:6: parse error: no @ modifiers allowed before range'],
  ['bool', '1:1: parse error: unexpected <bool>'],
  ['x and', '1:6: parse error: unexpected end of input'],
  ['1 and 2', '1:1: parse error: set operator "and" not allowed in binary scalar expression'],
  ['x and 1', '1:1: parse error: set operator "and" not allowed in binary scalar expression'],
  ['x and on(a) group_left(b) y', '1:1: parse error: no grouping allowed for "and" operation'],
  ['x + on(a) group_left(a) y', '1:3: parse error: label "a" must not occur in ON and GROUP clause at once'],
  ['1 + on(a) x', '1:1: parse error: vector matching only allowed between instant vectors'],
  ['"a" + 1', '1:1: parse error: binary expression must contain only scalar and instant vector types'],
  ['-x[5m]', '1:1: parse error: unary expression only allowed on expressions of type scalar or instant vector, got "range vector"'],
  ['x[5m][10m:]', '1:1: parse error: subquery is only allowed on instant vector, got matrix instead'],
  ['x § y', '1:3: parse error: unexpected character: \'§\''],
  ['x = 1', '1:3: parse error: unexpected "="'],
  ['x !x', '1:3: parse error: unexpected character after \'!\': \'x\''],
  ['x =~ y', '1:3: parse error: unexpected character after \'=\': \'~\''],
  ['x{a!b}', '1:4: parse error: unexpected character after \'!\' inside braces: \'b\''],
  ['x{a="\\q"}', '1:5: parse error: unknown escape sequence U+0071 \'q\''],
  ['x{a="b}', '1:5: parse error: unterminated quoted string'],
  ['rate(x[5m],)', '1:11: parse error: trailing commas not allowed in function call args'],
  ['sum by x (y)', '1:8: parse error: unexpected identifier "x" in grouping opts, expected "("'],
  ['sum by (1) (y)', '1:9: parse error: unexpected number "1" in grouping opts, expected label'],
  ['sum by (a b) (y)', '1:11: parse error: unexpected identifier "b" in grouping opts, expected "," or ")"'],
  ['sum by (a) y', '1:12: parse error: unexpected identifier "y" in aggregation'],
  ['sum(x y)', '1:7: parse error: unexpected identifier "y" in aggregation'],
  ['sum(\n  github_stars\n) +', '3:4: parse error: unexpected end of input'],
  ['x offset 1m offset 2m', '1:1: parse error: offset may not be set multiple times'],
  ['x @ 1 @ 2', '1:1: parse error: @ <timestamp> may not be set multiple times'],
  ['sum(x) offset 5m', '1:1: parse error: offset modifier must be preceded by an instant vector selector or range vector selector or a subquery'],
  ['1 @ 5', '1:1: parse error: @ modifier must be preceded by an instant vector selector or range vector selector or a subquery'],
  ['x @ Inf', '1:1: parse error: timestamp out of bounds for @ modifier: +Inf'],
  ['x offset bar', '1:10: parse error: unexpected identifier "bar" in offset, expected number, duration, step(), or range()'],
  ['x @ bar', '1:5: parse error: unexpected identifier "bar" in @, expected timestamp'],
  ['x[]', '1:3: parse error: unexpected "]" in subquery or range selector, expected number, duration, step(), or range()'],
  ['x[5m 1m]', '1:6: parse error: unexpected duration "1m" in subquery or range, expected ":" or "]"'],
  ['x[5m:1m 2m]', '1:9: parse error: unexpected duration "2m" in subquery selector, expected "]"'],
  ['x[1m+1m]', '1:3: parse error: experimental duration expression is not enabled'],
  ['x[', '1:3: parse error: unexpected end of input in duration expression'],
  ['x]', '1:2: parse error: unexpected right bracket \']\''],
  ['x{', '1:3: parse error: unexpected end of input inside braces'],
  ['x{a="b"{', '1:8: parse error: unexpected left brace \'{\''],
  ['1.5h', '1:1: parse error: unknown unit "." in duration "1.5h"'],
  ['"abc', '1:1: parse error: unterminated quoted string'],
  ['`abc', '1:1: parse error: unterminated raw string'],
  ['sum by ("") (x)', '1:9: parse error: invalid label name for grouping: ""'],
  ['x + fill(0) y', '1:1: parse error: binop fill modifiers are experimental and not enabled'],
  // From Prometheus's parse_test.go.
  ['.', '1:1: parse error: unexpected character: \'.\''],
  ['2.5.', '1:1: parse error: bad number or duration syntax: "2.5."'],
  ['100..4', '1:1: parse error: bad number or duration syntax: "100.."'],
  ['0deadbeef', '1:1: parse error: bad number or duration syntax: "0de"'],
  ['*1', '1:1: parse error: unexpected <op:*>'],
  ['(1))', '1:5: parse error: unexpected right parenthesis \')\''],
  ['((1)', '1:5: parse error: unclosed left parenthesis'],
  ['9'.repeat(309), `1:1: parse error: error parsing number: strconv.ParseFloat: parsing "${'9'.repeat(309)}": value out of range`],
  ['# just a comment\n\n', '1:1: parse error: no expression found in input'],
  ['-"string"', '1:1: parse error: unary expression only allowed on expressions of type scalar or instant vector, got "string"'],
  ['@@', '1:1: parse error: unexpected <op:@>'],
  ['1 offset 1d', '1:1: parse error: offset modifier must be preceded by an instant vector selector or range vector selector or a subquery'],
  ['a - on(b) ignoring(c) d', '1:11: parse error: unexpected <ignoring>'],
  ['}', '1:1: parse error: unexpected character: \'}\''],
  ['some_metric{a=b}', '1:15: parse error: unexpected identifier "b" in label matching, expected string'],
  ['some_metric{a:b="b"}', '1:14: parse error: unexpected character inside braces: \':\''],
  ['foo{a>="b"}', '1:6: parse error: unexpected character inside braces: \'>\''],
  ['foo{1}', '1:5: parse error: unexpected character inside braces: \'1\''],
  ['{x!="a"}', '1:1: parse error: vector selector must contain at least one non-empty matcher'],
  ['foo{__name__= =}', '1:15: parse error: unexpected "=" in label matching, expected string'],
  ['foo{"a"=}', '1:9: parse error: unexpected "}" in label matching, expected string'],
  ['foo[5mm]', '1:5: parse error: bad number or duration syntax: "5mm"'],
  ['foo[5m1]', '1:5: parse error: bad number or duration syntax: "5m1"'],
  ['foo[5m:1m1]', '1:8: parse error: bad number or duration syntax: "1m1"'],
  ['foo[5y1hs]', '1:5: parse error: unknown unit "hs" in duration "5y1hs"'],
  ['foo[5m1h]', '1:5: parse error: not a valid duration string: "5m1h"'],
  ['foo["5m"]', '1:5: parse error: unexpected character in duration expression: \'"\''],
  ['foo[-1]', '1:5: parse error: duration must be greater than 0'],
  ['some_metric[5m] OFFSET 1mm', '1:24: parse error: bad number or duration syntax: "1mm"'],
  ['some_metric[5m] OFFSET', '1:23: parse error: unexpected end of input in offset, expected number, duration, step(), or range()'],
  ['some_metric[5m] @', '1:18: parse error: unexpected end of input in @, expected timestamp'],
  ['some_metric @ start() [5m]', '1:23: parse error: no @ modifiers allowed before range'],
  ['(foo + bar)[5m]', '1:12: parse error: ranges only allowed for vector selectors'],
  ['sum by ("foo)(some_metric{})', '1:9: parse error: unterminated quoted string'],
  ['sum without(==)(some_metric)', '1:13: parse error: unexpected <op:==> in grouping opts, expected label'],
  ['sum without(foo,,)(some_metric)', '1:17: parse error: unexpected "," in grouping opts, expected label'],
  ['sum some_metric by (test)', '1:5: parse error: unexpected identifier "some_metric"'],
  ['MIN keep_common (some_metric)', '1:5: parse error: unexpected identifier "keep_common"'],
  ['sum (some_metric) without (test) by (test)', '1:34: parse error: unexpected <by>'],
  ['topk(some_metric,)', '1:17: parse error: trailing commas not allowed in function call args'],
  ['topk(some_metric, other_metric)', '1:6: parse error: expected type scalar in aggregation parameter, got instant vector'],
  ['count_values(5, other_metric)', '1:14: parse error: expected type string in aggregation parameter, got scalar'],
  ['rate(some_metric[5m]) @ 1234', '1:1: parse error: @ modifier must be preceded by an instant vector selector or range vector selector or a subquery'],
  ['floor(1)', '1:7: parse error: expected type instant vector in call to function "floor", got scalar'],
  ['-=', '1:2: parse error: unexpected "="'],
  ['++-++-+-+-<', '1:11: parse error: unexpected <op:<>'],
  ['e-+=/(0)', '1:4: parse error: unexpected "="'],
  ['a>b()', '1:3: parse error: unknown function with name "b"'],
  ['rate(avg)', '1:6: parse error: expected type range vector in call to function "rate", got instant vector'],
  ['`\\``', '1:4: parse error: unterminated raw string'],
  ['"\\', '1:1: parse error: escape sequence not terminated'],
  ['"\\c"', '1:1: parse error: unknown escape sequence U+0063 \'c\''],
  ['"\\x."', '1:1: parse error: illegal character U+002E \'.\' in escape sequence'],
  ['foo{bar="baz"}[', '1:16: parse error: unexpected end of input in duration expression'],
  ['(' + '-{}-1'.repeat(10000) + ')' + '[1m:]'.repeat(1000), '1:3: parse error: vector selector must contain at least one non-empty matcher'],
];

test('parses valid queries into their canonical form', () => {
  for (const [q, want] of VALID) {
    let got: string;
    try {
      got = formatExpr(parseExpr(q));
    } catch (e) {
      assert.fail(`${JSON.stringify(q)}: ${(e as Error).message}`);
    }
    assert.equal(got, want, q);
    assert.equal(formatExpr(parseExpr(got)), got, `re-parse of ${got}`);
  }
});

test('refuses invalid queries with Prometheus error text', () => {
  for (const [q, want] of INVALID) {
    assert.throws(
      () => parseExpr(q),
      (e: unknown) => {
        assert.ok(e instanceof ParseError, `${JSON.stringify(q)}: not a ParseError: ${String(e)}`);
        assert.ok(e instanceof SyntaxError);
        assert.equal(e.message, want, JSON.stringify(q));
        return true;
      },
      q,
    );
  }
});

test('builds the tree Prometheus builds', () => {
  const e = parseExpr('sum by (job) (rate(x{a="b"}[5m] offset 1m)) / on (job) group_left (env) -y ^ 2');
  assert.equal(e.type, 'BinaryExpr');
  if (e.type !== 'BinaryExpr') return;
  assert.equal(e.op, '/');
  assert.deepEqual(e.matching, { card: 'many-to-one', on: true, labels: ['job'], include: ['env'] });
  // Unary minus binds looser than ^: -(y ^ 2).
  assert.equal(e.rhs.type, 'UnaryExpr');
  if (e.rhs.type === 'UnaryExpr') assert.equal(e.rhs.expr.type, 'BinaryExpr');
  const agg = e.lhs;
  assert.equal(agg.type, 'AggregateExpr');
  if (agg.type !== 'AggregateExpr') return;
  assert.deepEqual(agg.grouping, ['job']);
  const call = agg.expr;
  assert.equal(call.type, 'Call');
  if (call.type !== 'Call') return;
  const ms = call.args[0]!;
  assert.equal(ms.type, 'MatrixSelector');
  if (ms.type !== 'MatrixSelector' || ms.vs.type !== 'VectorSelector') return assert.fail('matrix selector');
  assert.equal(ms.range, 300_000);
  assert.equal(ms.vs.offset, 60_000);
  assert.equal(ms.vs.name, 'x');
  // The name matcher comes last, as Prometheus appends it.
  assert.deepEqual(ms.vs.matchers.map(String), ['a="b"', '__name__="x"']);
  assert.deepEqual(ms.pos, { start: 19, end: 41 });
  // `^` is right-associative, `-` left-associative, and `*` binds tighter than `+`.
  const pow = parseExpr('2 ^ 3 ^ 2');
  assert.ok(pow.type === 'BinaryExpr' && pow.rhs.type === 'BinaryExpr');
  const sub = parseExpr('1 - 2 - 3');
  assert.ok(sub.type === 'BinaryExpr' && sub.lhs.type === 'BinaryExpr');
  const mix = parseExpr('a + b * c atan2 d');
  assert.ok(mix.type === 'BinaryExpr' && mix.op === '+' && mix.rhs.type === 'BinaryExpr' && mix.rhs.op === 'atan2');
  // -1 is folded into the literal, and set operators become many-to-many.
  const neg = parseExpr('-1');
  assert.ok(neg.type === 'NumberLiteral' && neg.val === -1);
  const and = parseExpr('a and b');
  assert.ok(and.type === 'BinaryExpr' && and.matching?.card === 'many-to-many');
  const scalarOp = parseExpr('a * 2');
  assert.ok(scalarOp.type === 'BinaryExpr' && scalarOp.matching === null);
  const at = parseExpr('x @ 1.5');
  assert.ok(at.type === 'VectorSelector' && at.at === 1500);
});

test('regex matchers have RE2 semantics', () => {
  const e = parseExpr('x{a=~"(?i)ab.c", b!~"[[:digit:]]+"}');
  assert.equal(e.type, 'VectorSelector');
  if (e.type !== 'VectorSelector') return;
  const [a, b] = e.matchers;
  assert.equal(a!.matches('AB\nC'), true);
  assert.equal(a!.matches('xabxc'), false);
  assert.equal(b!.matches('123'), false);
  assert.equal(b!.matches('12a'), true);
});

const ALPHABET = [...'abcxyz_:019.eE+-*/%^=!~<>(){}[],"\'` \n#@oO'].concat([
  'sum', 'by', 'without', 'on', 'ignoring', 'group_left', 'bool', 'offset', 'rate', '5m', 'start()', 'and', 'Inf', '\\',
]);

const isParseErrorOrResult = (q: string): void => {
  try {
    const e = parseExpr(q);
    // Whatever parses must print back to something that parses the same way.
    assert.equal(formatExpr(parseExpr(formatExpr(e))), formatExpr(e), q);
  } catch (err) {
    if (!(err instanceof ParseError)) throw new Error(`${JSON.stringify(q)} threw ${String(err)}`);
    assert.match(err.message, /^(\d+:\d+|unknown position): parse error: /);
  }
};

test('random input never throws anything but ParseError', { timeout: 120_000 }, () => {
  fc.assert(
    fc.property(fc.array(fc.constantFrom(...ALPHABET), { maxLength: 30 }).map((a) => a.join('')), isParseErrorOrResult),
    { numRuns: 5000 },
  );
  fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 40 }), isParseErrorOrResult), { numRuns: 2000 });
});

test('mutated valid queries never throw anything but ParseError', { timeout: 120_000 }, () => {
  const seeds = VALID.map(([q]) => q);
  const mutation = fc.tuple(
    fc.constantFrom(...seeds),
    fc.array(fc.tuple(fc.nat(), fc.constantFrom('insert', 'delete', 'replace'), fc.constantFrom(...ALPHABET)), { minLength: 1, maxLength: 4 }),
  );
  fc.assert(
    fc.property(mutation, ([seed, edits]) => {
      let q = seed;
      for (const [n, kind, s] of edits) {
        const at = q.length === 0 ? 0 : n % (q.length + 1);
        if (kind === 'insert') q = q.slice(0, at) + s + q.slice(at);
        else if (kind === 'delete') q = q.slice(0, at) + q.slice(at + 1);
        else q = q.slice(0, at) + s + q.slice(at + 1);
      }
      isParseErrorOrResult(q);
    }),
    { numRuns: 5000 },
  );
});

test('deeply nested input does not hang', () => {
  const deep = '('.repeat(2000) + '1' + ')'.repeat(2000);
  const start = Date.now();
  try {
    parseExpr(deep);
  } catch (e) {
    // A stack overflow must not escape as anything but a ParseError.
    assert.ok(e instanceof ParseError, String(e));
  }
  assert.ok(Date.now() - start < 10_000);
});

export type { Expr };
