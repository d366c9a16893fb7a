import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ExpositionError, parseExposition, parseValue, type ExpositionFormat } from './parse-exposition.js';

const rows = (text: string, format: ExpositionFormat = 'prometheus') =>
  parseExposition(text, format).samples.map((s) => [Object.fromEntries(s.labels.map((l) => [l.name, l.value])), s.value, s.timestamp]);

function failsAt(text: string, format: ExpositionFormat, line: number, message: RegExp): void {
  assert.throws(
    () => parseExposition(text, format),
    (e: unknown) => e instanceof ExpositionError && e.line === line && message.test(e.message),
  );
}

test('text format: samples, labels, escapes, timestamps and special values', () => {
  const text = [
    '# HELP http_requests_total The total number of HTTP requests.',
    '# TYPE http_requests_total counter',
    'http_requests_total{method="post",code="200"} 1027 1395066363000',
    'http_requests_total{method="post",code="400"}    3 1395066363000',
    '',
    '# Escaping in label values:',
    'msdos_file_access_time_seconds{path="C:\\\\DIR\\\\FILE.TXT",error="Cannot find file:\\n\\"FILE.TXT\\""} 1.458255915e9',
    'metric_without_timestamp_and_labels 12.47',
    'something_weird{problem="division by zero"} +Inf -3982045',
    'neg{a="1",} -Inf',
    'nan_value NaN',
    '  \tindented{ a = "x" , b="y" } 1e-3',
  ].join('\n');
  assert.deepEqual(rows(text), [
    [{ __name__: 'http_requests_total', method: 'post', code: '200' }, 1027, 1395066363000],
    [{ __name__: 'http_requests_total', method: 'post', code: '400' }, 3, 1395066363000],
    [{ __name__: 'msdos_file_access_time_seconds', path: 'C:\\DIR\\FILE.TXT', error: 'Cannot find file:\n"FILE.TXT"' }, 1.458255915e9, null],
    [{ __name__: 'metric_without_timestamp_and_labels' }, 12.47, null],
    [{ __name__: 'something_weird', problem: 'division by zero' }, Infinity, -3982045],
    [{ __name__: 'neg', a: '1' }, -Infinity, null],
    [{ __name__: 'nan_value' }, NaN, null],
    [{ __name__: 'indented', a: 'x', b: 'y' }, 0.001, null],
  ]);
  const meta = parseExposition(text, 'prometheus').metadata;
  assert.deepEqual(meta.get('http_requests_total'), { type: 'counter', help: 'The total number of HTTP requests.', unit: '' });
});

test('text format: HELP escapes, untyped, unknown comments ignored, CRLF', () => {
  const exp = parseExposition('# HELP a line\\nbreak \\\\ and \\"quote\\"\r\n# TYPE a untyped\r\n# random comment\r\na 1\r\n', 'prometheus');
  assert.deepEqual(exp.metadata.get('a'), { type: 'unknown', help: 'line\nbreak \\ and \\"quote\\"', unit: '' });
  assert.equal(exp.samples.length, 1);
});

test('OpenMetrics: counters, units, timestamps in seconds, exemplars skipped, # EOF', () => {
  const text = [
    '# TYPE acme_http_router_request_seconds summary',
    '# UNIT acme_http_router_request_seconds seconds',
    '# HELP acme_http_router_request_seconds Latency though all of ACME\'s HTTP request router.',
    'acme_http_router_request_seconds_sum{path="/api/v1",method="GET"} 9036.32',
    'acme_http_router_request_seconds_count{path="/api/v1",method="GET"} 807283.0',
    '# TYPE foo counter',
    'foo_total 17.0 1520879607.789 # {trace_id="KOO5S4vxi0o"} 0.67',
    'foo_created 1520872607.123',
    '# TYPE bar stateset',
    'bar{bar="a"} 1',
    '# EOF',
    '',
  ].join('\n');
  assert.deepEqual(rows(text, 'openmetrics'), [
    [{ __name__: 'acme_http_router_request_seconds_sum', path: '/api/v1', method: 'GET' }, 9036.32, null],
    [{ __name__: 'acme_http_router_request_seconds_count', path: '/api/v1', method: 'GET' }, 807283, null],
    [{ __name__: 'foo_total' }, 17, 1520879607789],
    [{ __name__: 'foo_created' }, 1520872607.123, null],
    [{ __name__: 'bar', bar: 'a' }, 1, null],
  ]);
  const meta = parseExposition(text, 'openmetrics').metadata;
  assert.deepEqual(meta.get('acme_http_router_request_seconds'), { type: 'summary', help: 'Latency though all of ACME\'s HTTP request router.', unit: 'seconds' });
  // Types MetricStream's metadata has no name for are unknown, as remote write stores them.
  assert.deepEqual(meta.get('bar'), { type: 'unknown', help: '', unit: '' });
});

test('errors name the line', () => {
  failsAt('a 1\nb{x="1" 2\n', 'prometheus', 2, /not closed/);
  failsAt('a 1\n\n9abc 1\n', 'prometheus', 3, /expected a metric name/);
  failsAt('a{x="1",x="2"} 1', 'prometheus', 1, /duplicate label name "x"/);
  failsAt('a{x=1} 1', 'prometheus', 1, /quoted value/);
  failsAt('a abc', 'prometheus', 1, /invalid value "abc"/);
  failsAt('a 1 1.5', 'prometheus', 1, /invalid timestamp/);
  failsAt('a 1 2 3', 'prometheus', 1, /unexpected/);
  failsAt('a', 'prometheus', 1, /expected a blank and a value/);
  failsAt('# TYPE a blah\n', 'prometheus', 1, /invalid metric type "blah"/);
  failsAt('a 1 # {} 1', 'prometheus', 1, /unexpected/);
  failsAt('a 1\n', 'openmetrics', 2, /does not end with # EOF/);
  failsAt('a 1\n# EOF\nb 2\n', 'openmetrics', 3, /after # EOF/);
  failsAt('a 1\n\n# EOF\n', 'openmetrics', 2, /empty line/);
  failsAt('# TYPE a untyped\n# EOF', 'openmetrics', 1, /invalid metric type/);
});

test('values are read as Go ParseFloat reads them', () => {
  for (const [t, v] of [['1', 1], ['-1.5e3', -1500], ['.5', 0.5], ['5.', 5], ['+Inf', Infinity], ['-inf', -Infinity], ['Infinity', Infinity], ['nan', NaN]] as const) {
    assert.ok(Object.is(parseValue(t), v), t);
  }
  for (const t of ['', 'abc', '1x', '--1', 'Inf1', '0x']) assert.equal(parseValue(t), undefined, t);
});

test('the label cache returns the same labels for the same series text', () => {
  const cache = new Map();
  const a = parseExposition('m{a="1"} 1\n', 'prometheus', cache).samples[0]!;
  const b = parseExposition('m{a="1"} 2\n', 'prometheus', cache).samples[0]!;
  assert.equal(a.labels, b.labels);
  assert.equal(b.value, 2);
});

// Anything at all: the parser returns or throws an ExpositionError with a line inside the text.
test('fuzz: random and mutated expositions never throw anything but an ExpositionError with a line number', () => {
  const base = [
    '# HELP a_total help \\n text',
    '# TYPE a_total counter',
    'a_total{x="1",y="a\\"b"} 3 1700000000000',
    'b NaN',
    '# UNIT c seconds',
    'c{le="+Inf"} -Inf 1.5 # {t="x"} 1',
    '# EOF',
  ].join('\n');
  const mutated = fc
    .tuple(fc.array(fc.tuple(fc.nat(base.length), fc.nat(3), fc.string({ maxLength: 4 })), { maxLength: 6 }))
    .map(([edits]) => {
      let s = base;
      for (const [at, del, ins] of edits) s = s.slice(0, at % (s.length + 1)) + ins + s.slice((at % (s.length + 1)) + del);
      return s;
    });
  const arbitrary = fc.oneof(mutated, fc.string({ unit: fc.constantFrom(...'a_{}="\\ ,#\n01.eE+-InfNa\tTYPE'.split('')), maxLength: 80 }), fc.string({ maxLength: 60 }));
  fc.assert(
    fc.property(arbitrary, fc.constantFrom<ExpositionFormat>('prometheus', 'openmetrics'), (text, format) => {
      try {
        const exp = parseExposition(text, format);
        for (const s of exp.samples) {
          assert.equal(typeof s.value, 'number');
          assert.equal(s.labels[0]!.name, '__name__');
        }
      } catch (e) {
        if (!(e instanceof ExpositionError)) throw e;
        const lines = text.split('\n').length + 1;
        assert.ok(e.line >= 1 && e.line <= lines, `line ${e.line} of ${lines}`);
        assert.match(e.message, /^line \d+: /);
      }
    }),
    { numRuns: 3000 },
  );
});

test('text format: blanks between the metric name and its labels, and none before the value, as Prometheus accepts', () => {
  assert.deepEqual(rows('spaced {a="b"} 1\ntabbed\t{a="c"}\t2 1000\ntight{a="d"}3\n'), [
    [{ __name__: 'spaced', a: 'b' }, 1, null],
    [{ __name__: 'tabbed', a: 'c' }, 2, 1000],
    [{ __name__: 'tight', a: 'd' }, 3, null],
  ]);
  // OpenMetrics stays strict.
  failsAt('spaced {a="b"} 1\n# EOF\n', 'openmetrics', 1, /invalid value/);
});

test('text format: "# HELP" or "# TYPE" with nothing after is a plain comment, as in Prometheus', () => {
  assert.deepEqual(rows('# HELP\n# TYPE\nfoo 1\n'), [[{ __name__: 'foo' }, 1, null]]);
  // With a blank after the keyword a metric name must follow, in both formats.
  failsAt('# HELP \nfoo 1\n', 'prometheus', 1, /expected a metric name/);
  failsAt('# HELP\nfoo 1\n# EOF\n', 'openmetrics', 1, /expected a metric name/);
});
