// Bench encoders: the json body is the seed's request byte for byte; import templates with
// patched timestamps are valid JSON lines carrying exactly the series, values and times.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { PROTOCOLS, TS_WIDTH, writeTimestamp } from './protocol.js';
import { buildTemplates, makeSeries } from './payload.js';
import { testLimits } from '../ingest/validate-fixtures.js';

test('json with 3 series is the seed request the peers were measured with (311 bytes)', () => {
  const t = PROTOCOLS.get('json')!.encode(makeSeries(3));
  const tags = { host: 'server1', region: 'us-east-1' };
  assert.equal(
    t.body.toString(),
    JSON.stringify({
      metrics: [
        { name: 'cpu_usage', value: 75.5, type: 'gauge', tags },
        { name: 'memory_usage', value: 62.3, type: 'gauge', tags },
        { name: 'requests_total', value: 1024, type: 'counter', tags },
      ],
    }),
  );
  assert.equal(t.body.length, 311);
  assert.equal(t.tsOffsets, null);
});

test('writeTimestamp writes any 13-digit millisecond time as ASCII digits', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1e12, max: 1e13 - 1 }), (ts) => {
      const b = Buffer.alloc(TS_WIDTH + 2, 'x');
      writeTimestamp(b, 1, ts);
      assert.equal(b.toString(), `x${ts}x`);
    }),
  );
});

test('import templates, patched, are JSON lines with the right series, values and timestamps', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 50 }), fc.integer({ min: 1.7e12, max: 1.9e12 }), (nSeries, batch, base) => {
      const series = makeSeries(nSeries);
      const set = buildTemplates(PROTOCOLS.get('import')!, series, batch, 8);
      set.templates.forEach((t, ti) => {
        for (let j = 0; j < t.samples; j++) writeTimestamp(t.body, t.tsOffsets![j]!, base + set.occurrence[j]!);
        const lines = t.body.toString().trimEnd().split('\n').map((l) => JSON.parse(l) as { metric: Record<string, string>; values: number[]; timestamps: number[] });
        assert.equal(lines.length, batch);
        const seen = new Map<string, number[]>();
        lines.forEach((l, j) => {
          const s = series[(ti * batch + j) % nSeries]!;
          assert.deepEqual(l.metric, { __name__: s.name, ...s.tags });
          assert.deepEqual(l.values, [s.value]);
          const key = JSON.stringify(l.metric);
          seen.set(key, [...(seen.get(key) ?? []), l.timestamps[0]!]);
        });
        // A series repeated inside one batch gets strictly increasing times, never beyond maxOccurrence.
        for (const times of seen.values()) {
          times.forEach((ts, i) => assert.equal(ts, base + i));
          assert.ok(times.length <= set.maxOccurrence);
        }
      });
    }),
    { numRuns: 60 },
  );
});

test('otlp templates, patched, are ExportMetricsServiceRequests (read by protobufjs) with the series, values and nanosecond times', async () => {
  const { ExportMetricsServiceRequest } = await import('../ingest/otlp/otlp-proto-fixtures.js');
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 30 }), fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1.7e12, max: 1.9e12 }), (nSeries, batch, base) => {
      const series = makeSeries(nSeries);
      const set = buildTemplates(PROTOCOLS.get('otlp')!, series, batch, 4);
      set.templates.forEach((t, ti) => {
        for (let j = 0; j < t.samples; j++) t.writeTime!(t.body, t.tsOffsets![j]!, base + set.occurrence[j]!);
        const msg = ExportMetricsServiceRequest.toObject(ExportMetricsServiceRequest.decode(t.body), { longs: String }) as any;
        const got: string[] = [];
        for (const m of msg.resourceMetrics[0].scopeMetrics[0].metrics) {
          const data = m.gauge ?? m.sum;
          if (m.sum) assert.deepEqual([m.sum.aggregationTemporality, m.sum.isMonotonic], [2, true]);
          for (const p of data.dataPoints) {
            const tags = Object.fromEntries(p.attributes.map((a: any) => [a.key, a.value.stringValue]));
            got.push(JSON.stringify([m.name, m.sum ? 'counter' : 'gauge', tags, p.asDouble, p.timeUnixNano]));
          }
        }
        const want = Array.from({ length: batch }, (_, j) => {
          const s = series[(ti * batch + j) % nSeries]!;
          return JSON.stringify([s.name, s.type, s.tags, s.value, String(BigInt(base + set.occurrence[j]!) * 1_000_000n)]);
        });
        assert.deepEqual(got.sort(), want.sort());
        assert.deepEqual(msg.resourceMetrics[0].resource.attributes, [{ key: 'service.name', value: { stringValue: 'metricstream-bench' } }]);
      });
    }),
    { numRuns: 60 },
  );
});

test('influx and remote-write templates, patched, decode to the series, values and timestamps sent', async () => {
  const { parseLineProtocol } = await import('../ingest/influx/parse.js');
  const { decodeWriteRequest } = await import('../ingest/remote-write/parse.js');
  const { batchEntries } = await import('../ingest/series-batch.js');
  const limits = testLimits({ retentionMs: 0 });
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 30 }), fc.integer({ min: 1.7e12, max: 2.1e12 }), (nSeries, base) => {
      const series = makeSeries(nSeries);
      const now = base + nSeries;
      for (const name of ['influx', 'remote-write']) {
        const t = PROTOCOLS.get(name)!.encode(series);
        for (let j = 0; j < t.samples; j++) {
          (t.writeTime ?? writeTimestamp)(t.body, t.tsOffsets![j]!, base + j);
        }
        let entries;
        if (name === 'influx') {
          const b = parseLineProtocol(t.body, { precision: 'ms', now, limits, defaultLabels: [] });
          assert.deepEqual(b.errors, []);
          entries = batchEntries(b);
        } else {
          const r = decodeWriteRequest(t.body, { now, limits, maxBytes: 1 << 20 });
          assert.ok(r.ok, JSON.stringify(r));
          entries = batchEntries(r.batch);
        }
        assert.deepEqual(
          entries.map((e) => ({ labels: Object.fromEntries(e.labels.map((l) => [l.name, l.value])), ts: e.ts, vs: e.vs })),
          series.map((s, j) => ({ labels: { __name__: s.name, ...s.tags }, ts: [base + j], vs: [s.value] })),
          name,
        );
      }
    }),
    { numRuns: 40 },
  );
});

test('statsd and statsd-tcp send DogStatsD lines: gauges with their value, counters as increments of 1, tags after |#', () => {
  for (const name of ['statsd', 'statsd-tcp']) {
    const p = PROTOCOLS.get(name)!;
    const t = p.encode(makeSeries(3));
    assert.equal(
      t.body.toString(),
      'cpu_usage:75.5|g|#host:server1,region:us-east-1\nmemory_usage:62.3|g|#host:server1,region:us-east-1\nrequests_total:1|c|#host:server1,region:us-east-1\n',
    );
    assert.equal(t.samples, 3);
    assert.equal(t.tsOffsets, null);
    assert.equal(p.transport, name === 'statsd' ? 'udp' : 'tcp');
  }
});
