// Metric and label name normalisation against the cases of the OTel compatibility spec and
// Prometheus's OTLP receiver (underscore escaping with suffixes).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { formatBound, labelName, metricName, promUnit } from './naming.js';

test('metric names: unit words, _total for counters, _ratio for unit 1 gauges, sanitised', () => {
  const cases: [string, string, Parameters<typeof metricName>[2], string][] = [
    ['http.server.duration', 'ms', 'histogram', 'http_server_duration_milliseconds'],
    ['http.server.request.duration', 's', 'histogram', 'http_server_request_duration_seconds'],
    ['system.filesystem.usage', 'By', 'gauge', 'system_filesystem_usage_bytes'],
    ['system.network.dropped', '{packets}', 'counter', 'system_network_dropped_total'],
    ['system.network.dropped', 'packets', 'gauge', 'system_network_dropped_packets'],
    ['system.memory.utilization', '1', 'gauge', 'system_memory_utilization_ratio'],
    ['hits', '1', 'counter', 'hits_total'],
    ['throughput', 'By/s', 'gauge', 'throughput_bytes_per_second'],
    ['rate', '1/s', 'gauge', 'rate_per_second'],
    ['requests_total', '', 'counter', 'requests_total'],
    ['total.requests', '', 'counter', 'requests_total'],
    ['process.cpu.time', 's', 'counter', 'process_cpu_time_seconds_total'],
    ['disk_seconds', 's', 'counter', 'disk_seconds_total'],
    ['(lambda).function.executions(#)', '', 'gauge', 'lambda_function_executions'],
    ['__weird__name__', '', 'gauge', 'weird_name'],
    ['2xx.responses', '', 'counter', '_2xx_responses_total'],
    ['temp', 'Cel', 'gauge', 'temp_celsius'],
    ['mem', 'MiBy', 'gauge', 'mem_mebibytes'],
    ['util', '%', 'gauge', 'util_percent'],
    // The type suffix always ends the name: every earlier `total` / `ratio` word moves there (Prometheus's removeItem).
    ['ratio.cpu', '1', 'gauge', 'cpu_ratio'],
    ['cpu.ratio.busy', '1', 'gauge', 'cpu_busy_ratio'],
    ['total.requests.total', '', 'counter', 'requests_total'],
    ['total.total', '', 'counter', 'total'],
  ];
  for (const [name, unit, kind, want] of cases) assert.equal(metricName(name, unit, kind), want, `${name} ${unit} ${kind}`);
});

test('units stored as metadata', () => {
  assert.equal(promUnit('ms', 'histogram'), 'milliseconds');
  assert.equal(promUnit('By/s', 'gauge'), 'bytes_per_second');
  assert.equal(promUnit('1', 'gauge'), 'ratio');
  assert.equal(promUnit('1', 'counter'), '');
  assert.equal(promUnit('{request}', 'counter'), '');
});

test('label names: invalid characters to _, runs collapsed, leading digit and _ prefixed', () => {
  assert.equal(labelName('http.route'), 'http_route');
  assert.equal(labelName('k8s.pod.name'), 'k8s_pod_name');
  assert.equal(labelName('a..b--c'), 'a_b_c');
  assert.equal(labelName('0day'), 'key_0day');
  assert.equal(labelName('_private'), 'key_private');
  assert.equal(labelName('__name__'), 'key_name_');
  assert.equal(labelName(''), 'key_');
  fc.assert(
    fc.property(fc.string(), (s) => {
      const n = labelName(s);
      assert.match(n, /^[a-zA-Z][a-zA-Z0-9_]*$/);
      assert.ok(!n.includes('__'));
    }),
  );
});

test('bounds print as Go FormatFloat(v, f, -1): shortest, never in exponent form', () => {
  assert.equal(formatBound(0.005), '0.005');
  assert.equal(formatBound(10), '10');
  assert.equal(formatBound(1e21), '1000000000000000000000');
  assert.equal(formatBound(1.5e-7), '0.00000015');
  assert.equal(formatBound(-2.5e25), '-25000000000000000000000000');
  assert.equal(formatBound(Infinity), '+Inf');
  fc.assert(fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (v) => assert.ok(Object.is(Number(formatBound(v)), v) || (v === 0 && Number(formatBound(v)) === 0))));
});
