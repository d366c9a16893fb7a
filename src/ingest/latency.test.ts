// The ingest duration histogram, read back through prom-client's registry as a scrape sees it:
// the text of prom-client's own Histogram (le first, then protocol and code), and the JSON view.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { register } from 'prom-client';
import { observeIngestDuration } from './latency.js';

const NAME = 'metricstream_ingest_request_duration_seconds';

test('observations land in the first bucket whose bound they do not exceed; scrapes see cumulative buckets, sum and count', async () => {
  // A protocol no other test in this process uses.
  for (const s of [0.0005, 0.001, 0.003, 0.2, 12]) observeIngestDuration('latency-test', 200, s);
  observeIngestDuration('latency-test', 503, 0.04);
  const text = await register.getSingleMetricAsString(NAME);
  const lines = text.split('\n').filter((l) => l.includes('protocol="latency-test"'));
  const ok = lines.filter((l) => l.includes('code="200"'));
  assert.deepEqual(ok, [
    `${NAME}_bucket{le="0.001",protocol="latency-test",code="200"} 2`,
    `${NAME}_bucket{le="0.0025",protocol="latency-test",code="200"} 2`,
    `${NAME}_bucket{le="0.005",protocol="latency-test",code="200"} 3`,
    `${NAME}_bucket{le="0.01",protocol="latency-test",code="200"} 3`,
    `${NAME}_bucket{le="0.025",protocol="latency-test",code="200"} 3`,
    `${NAME}_bucket{le="0.05",protocol="latency-test",code="200"} 3`,
    `${NAME}_bucket{le="0.075",protocol="latency-test",code="200"} 3`,
    `${NAME}_bucket{le="0.1",protocol="latency-test",code="200"} 3`,
    `${NAME}_bucket{le="0.15",protocol="latency-test",code="200"} 3`,
    `${NAME}_bucket{le="0.25",protocol="latency-test",code="200"} 4`,
    `${NAME}_bucket{le="0.5",protocol="latency-test",code="200"} 4`,
    `${NAME}_bucket{le="1",protocol="latency-test",code="200"} 4`,
    `${NAME}_bucket{le="2.5",protocol="latency-test",code="200"} 4`,
    `${NAME}_bucket{le="5",protocol="latency-test",code="200"} 4`,
    `${NAME}_bucket{le="10",protocol="latency-test",code="200"} 4`,
    `${NAME}_bucket{le="+Inf",protocol="latency-test",code="200"} 5`,
    `${NAME}_sum{protocol="latency-test",code="200"} ${0.0005 + 0.001 + 0.003 + 0.2 + 12}`,
    `${NAME}_count{protocol="latency-test",code="200"} 5`,
  ]);
  assert.ok(text.startsWith(`# HELP ${NAME} `));
  assert.match(text, new RegExp(`^# TYPE ${NAME} histogram$`, 'm'));
  assert.ok(lines.includes(`${NAME}_bucket{le="0.025",protocol="latency-test",code="503"} 0`));
  assert.ok(lines.includes(`${NAME}_bucket{le="0.05",protocol="latency-test",code="503"} 1`));
  const json = (await register.getMetricsAsJSON()).find((m) => m.name === NAME)!;
  // prom-client's types leave metricName out of MetricValue; its histograms set it.
  type Value = { metricName?: string; labels: Record<string, string | number>; value: number };
  const values = json.values as unknown as Value[];
  const count = values.find((v) => v.metricName === `${NAME}_count` && v.labels['protocol'] === 'latency-test' && v.labels['code'] === '503');
  assert.equal(count?.value, 1);
  const le = values.find((v) => v.metricName === `${NAME}_bucket` && v.labels['protocol'] === 'latency-test' && v.labels['code'] === '200' && v.labels['le'] === 0.005);
  assert.equal(le?.value, 3);
});
