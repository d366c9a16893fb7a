import { test } from 'node:test';
import assert from 'node:assert/strict';
import { register } from 'prom-client';
import { IngestStats } from './stats.js';

const value = async (name: string, labels: Record<string, string>) => {
  const m = await register.getSingleMetric(name)!.get();
  return m.values.find((v) => Object.entries(labels).every(([k, x]) => v.labels[k] === x))?.value ?? 0;
};

test('Prometheus counters follow the plain counters across scrapes', async () => {
  const s = new IngestStats();
  const before = await value('metricstream_ingest_requests_total', { protocol: 'stats-test', code: '200' });
  s.accepted('stats-test', 200, 10);
  s.accepted('stats-test', 200, 5);
  s.rejected('stats-test', 400, 'validation');
  assert.equal(await value('metricstream_ingest_requests_total', { protocol: 'stats-test', code: '200' }), before + 2);
  assert.equal(await value('metricstream_ingest_samples_total', { protocol: 'stats-test' }), 15);
  assert.equal(await value('metricstream_ingest_requests_total', { protocol: 'stats-test', code: '400' }), 1);
  s.accepted('stats-test', 200, 1);
  assert.equal(await value('metricstream_ingest_requests_total', { protocol: 'stats-test', code: '200' }), before + 3);
  assert.equal(await value('metricstream_ingest_samples_total', { protocol: 'stats-test' }), 16);
  assert.deepEqual(s.toJSON().validation_errors, 1);
});
