// OTLP/HTTP with the real OpenTelemetry JS SDK: @opentelemetry/sdk-metrics exporting through
// @opentelemetry/exporter-metrics-otlp-http (JSON) and -proto (protobuf, also gzip), with
// cumulative and delta temporality, a counter, an up-down counter, a histogram, an observable
// gauge and a gauge; after each forceFlush the stored series, their exact values, labels
// (job/instance, target_info) and metadata are read back through the PromQL API.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Attributes } from '@opentelemetry/api';
import { OTLPMetricExporter as JsonExporter, AggregationTemporalityPreference } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPMetricExporter as ProtoExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { removeDir, startTestNode, type TestNode } from './node-harness.js';

let n: TestNode;

before(async () => {
  n = await startTestNode({ rate_limit: '0' });
});
after(async () => {
  await n.stop();
  removeDir(n.dir);
});

/** Instant query now -> {labels json: value}. */
async function q(query: string): Promise<Record<string, number>> {
  const r = await fetch(`${n.url}/api/v1/query?query=${encodeURIComponent(query)}&time=${Date.now() / 1000 + 1}`);
  const body = (await r.json()) as { data: { result: { metric: Record<string, string>; value: [number, string] }[] } };
  assert.equal(r.status, 200, JSON.stringify(body));
  const out: Record<string, number> = {};
  for (const s of body.data.result) {
    const sorted = Object.fromEntries(Object.entries(s.metric).sort(([a], [b]) => (a < b ? -1 : 1)));
    out[JSON.stringify(sorted)] = Number(s.value[1]);
  }
  return out;
}

const key = (labels: Record<string, string>) => JSON.stringify(Object.fromEntries(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : 1))));

interface Case {
  readonly encoding: 'json' | 'protobuf';
  readonly temporality: 'cumulative' | 'delta';
  readonly gzip: boolean;
}

const CASES: Case[] = [
  { encoding: 'json', temporality: 'cumulative', gzip: false },
  { encoding: 'json', temporality: 'delta', gzip: false },
  { encoding: 'protobuf', temporality: 'cumulative', gzip: false },
  { encoding: 'protobuf', temporality: 'delta', gzip: true },
];

for (const c of CASES) {
  test(`SDK ${c.encoding} exporter, ${c.temporality} temporality${c.gzip ? ', gzip' : ''}: stored series match`, async () => {
    const service = `checkout-${c.encoding}-${c.temporality}`;
    const instance = `pod-${c.encoding}-${c.temporality}`;
    const options = {
      url: `${n.url}/v1/metrics`,
      temporalityPreference: c.temporality === 'delta' ? AggregationTemporalityPreference.DELTA : AggregationTemporalityPreference.CUMULATIVE,
      ...(c.gzip ? { compression: 'gzip' as never } : {}),
    };
    const exporter = c.encoding === 'json' ? new JsonExporter(options) : new ProtoExporter(options);
    const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
    const provider = new MeterProvider({
      resource: resourceFromAttributes({
        'service.name': service,
        'service.namespace': 'shop',
        'service.instance.id': instance,
        'deployment.environment': 'test',
        'host.cpu.count': 4,
      }),
      readers: [reader],
    });
    const meter = provider.getMeter('otlp-test', '1.2.3');
    const requests = meter.createCounter('http.requests', { description: 'Requests served', unit: '{request}' });
    const queue = meter.createUpDownCounter('queue.depth', { description: 'Items waiting', unit: '{item}' });
    const latency = meter.createHistogram('http.server.duration', { description: 'Request latency', unit: 'ms', advice: { explicitBucketBoundaries: [10, 100] } });
    const temperature = meter.createObservableGauge('room.temperature', { description: 'Temperature', unit: 'Cel' });
    const load = meter.createGauge('system.load', { description: 'Load ratio', unit: '1' });
    temperature.addCallback((r) => r.observe(21.5, { room: 'lab' }));

    const a: Attributes = { 'http.route': '/a' };
    requests.add(3, a);
    requests.add(4, a);
    requests.add(5, { 'http.route': '/b' });
    queue.add(5);
    queue.add(-2);
    latency.record(5, a);
    latency.record(50, a);
    latency.record(500, a);
    load.record(0.25);
    await provider.forceFlush();

    const job = `shop/${service}`;
    const id = { job, instance };
    assert.deepEqual(await q(`http_requests_total{job="${job}"}`), {
      [key({ __name__: 'http_requests_total', ...id, http_route: '/a' })]: 7,
      [key({ __name__: 'http_requests_total', ...id, http_route: '/b' })]: 5,
    });

    // A second export: cumulative senders send the new totals, delta senders the increase only.
    requests.add(10, a);
    queue.add(-1);
    latency.record(20, a);
    load.record(0.5);
    await provider.forceFlush();

    assert.deepEqual(await q(`http_requests_total{job="${job}"}`), {
      [key({ __name__: 'http_requests_total', ...id, http_route: '/a' })]: 17,
      [key({ __name__: 'http_requests_total', ...id, http_route: '/b' })]: 5,
    });
    assert.deepEqual(await q(`queue_depth{job="${job}"}`), { [key({ __name__: 'queue_depth', ...id })]: 2 });
    const h = { ...id, http_route: '/a' };
    const name = 'http_server_duration_milliseconds';
    assert.deepEqual(await q(`{__name__=~"${name}_.*", job="${job}"}`), {
      [key({ __name__: `${name}_bucket`, ...h, le: '10' })]: 1,
      [key({ __name__: `${name}_bucket`, ...h, le: '100' })]: 3,
      [key({ __name__: `${name}_bucket`, ...h, le: '+Inf' })]: 4,
      [key({ __name__: `${name}_sum`, ...h })]: 575,
      [key({ __name__: `${name}_count`, ...h })]: 4,
    });
    assert.deepEqual(await q(`histogram_quantile(0.5, ${name}_bucket{job="${job}"})`), { [key(h)]: 55 });
    assert.deepEqual(await q(`room_temperature_celsius{job="${job}"}`), { [key({ __name__: 'room_temperature_celsius', ...id, room: 'lab' })]: 21.5 });
    assert.deepEqual(await q(`system_load_ratio{job="${job}"}`), { [key({ __name__: 'system_load_ratio', ...id })]: 0.5 });
    assert.deepEqual(await q(`target_info{job="${job}"}`), {
      [key({ __name__: 'target_info', ...id, deployment_environment: 'test', host_cpu_count: '4' })]: 1,
    });

    const meta = (await (await fetch(`${n.url}/api/v1/metadata`)).json()) as { data: Record<string, { type: string; help: string; unit: string }[]> };
    assert.deepEqual(meta.data['http_requests_total'], [{ type: 'counter', help: 'Requests served', unit: '' }]);
    assert.deepEqual(meta.data['queue_depth'], [{ type: 'gauge', help: 'Items waiting', unit: '' }]);
    assert.deepEqual(meta.data[name], [{ type: 'histogram', help: 'Request latency', unit: 'milliseconds' }]);
    assert.deepEqual(meta.data['room_temperature_celsius'], [{ type: 'gauge', help: 'Temperature', unit: 'celsius' }]);
    assert.deepEqual(meta.data['system_load_ratio'], [{ type: 'gauge', help: 'Load ratio', unit: 'ratio' }]);
    await provider.shutdown();
  });
}
