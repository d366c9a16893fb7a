// A real Prometheus (Debian's 2.42) scrapes a real prometheus-node-exporter every second and
// remote-writes to MetricStream; then both must hold the same series with the same raw samples,
// compared through each one's own query API: range selectors over all data and instant selectors
// at sample timestamps. Also the metric metadata Prometheus sends.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureDebianPackage } from './debian-package.js';
import { PeerProcesses, query, waitFor } from './peer-processes.js';
import { freePort, removeDir, startTestNode, tempDir, type TestNode } from './node-harness.js';

const missing = ensureDebianPackage('prometheus', 'prometheus') ?? ensureDebianPackage('prometheus-node-exporter', 'prometheus-node-exporter');
const SCRAPES = 12;

let ms: TestNode;
let work: string;
let promUrl: string;
const peers = new PeerProcesses();


/** A query result as comparable text: series sorted, values as numbers (NaN kept). */
function canon(result: any[]): string {
  const rows = result.map((s) => {
    const { metric } = s;
    const key = JSON.stringify(Object.keys(metric).sort().map((k) => [k, metric[k]]));
    const vals = s.values ?? [s.value];
    return `${key} ${vals.map(([t, v]: [number, string]) => `${Math.round(t * 1000)}=${Number(v)}`).join(',')}`;
  });
  return rows.sort().join('\n');
}

before(async () => {
  if (missing) return;
  ms = await startTestNode();
  work = tempDir('ms-prom-');
  const exporterPort = await freePort();
  const promPort = await freePort();
  promUrl = `http://127.0.0.1:${promPort}`;
  peers.run('prometheus-node-exporter', [`--web.listen-address=127.0.0.1:${exporterPort}`, '--log.level=warn']);
  writeFileSync(
    join(work, 'prometheus.yml'),
    [
      'global: {scrape_interval: 1s, scrape_timeout: 1s}',
      'scrape_configs:',
      `  - {job_name: node, static_configs: [{targets: ["127.0.0.1:${exporterPort}"]}]}`,
      'remote_write:',
      `  - url: ${ms.url}/api/v1/write`,
      '    queue_config: {batch_send_deadline: 1s, min_backoff: 100ms, max_backoff: 1s}',
      '    metadata_config: {send: true, send_interval: 1s}',
      '',
    ].join('\n'),
  );
  peers.run('prometheus', [
    `--config.file=${join(work, 'prometheus.yml')}`,
    `--storage.tsdb.path=${join(work, 'data')}`,
    `--web.listen-address=127.0.0.1:${promPort}`,
    '--log.level=warn',
  ]);
});

after(async () => {
  await peers.stopAll();
  if (ms) {
    await ms.stop();
    removeDir(ms.dir);
  }
  if (work) removeDir(work);
});

test('Prometheus remote_write: MetricStream holds the same series and raw samples as Prometheus', { skip: missing ?? false, timeout: 90_000 }, async () => {
  // Enough scrapes in Prometheus's own TSDB.
  await waitFor(
    `${SCRAPES} scrapes`,
    async () => {
      const r = await query(promUrl, 'count_over_time(up{job="node"}[10m])', Date.now() / 1000);
      return r.length === 1 && Number(r[0].value[1]) >= SCRAPES ? true : undefined;
    },
    60_000,
  );
  // A cut in the past: Prometheus's samples up to it are final; remote write may still be sending.
  const cut = (Date.now() - 3000) / 1000;
  // The window starts long before the first scrape, so Prometheus 2.42's closed left boundary and
  // Prometheus 3's open one select the same samples.
  const all = '{job="node"}[10m]';
  const want = canon(await query(promUrl, all, cut));
  const series = want.split('\n').length;
  assert.ok(series > 100, `Prometheus holds ${series} series`);
  const got = await waitFor(
    'MetricStream to receive what Prometheus holds',
    async () => {
      const g = canon(await query(ms.url, all, cut));
      return g === want ? g : undefined;
    },
    30_000,
  ).catch(async (e: Error) => {
    const g = canon(await query(ms.url, all, cut)).split('\n');
    const w = want.split('\n');
    const onlyProm = w.filter((x) => !g.includes(x)).slice(0, 3);
    const onlyMs = g.filter((x) => !w.includes(x)).slice(0, 3);
    throw new Error(`${e.message}\nonly in Prometheus: ${onlyProm.join('\n')}\nonly in MetricStream: ${onlyMs.join('\n')}`);
  });
  assert.equal(got, want);
  const samples = (want.match(/=/g) ?? []).length;
  console.log(`compared ${series} series, ${samples} raw samples`);

  // Instant selectors at sample timestamps of `up` (every third scrape).
  const ups = (await query(promUrl, 'up{job="node"}[10m]', cut))[0].values as [number, string][];
  for (let i = 0; i < ups.length; i += 3) {
    const t = ups[i]![0];
    assert.equal(canon(await query(ms.url, '{job="node"}', t)), canon(await query(promUrl, '{job="node"}', t)), `instant query at ${t}`);
  }

  // Range selectors at sample timestamps whose left boundary is itself a sample time (of every
  // series of that scrape): Prometheus 2.42 includes that sample (closed range), MetricStream
  // follows Prometheus 3 (left-open): the same samples less that one.
  for (let i = 3; i < ups.length; i += 3) {
    const tMs = Math.round(ups[i]![0] * 1000);
    const leftMs = Math.round(ups[i - 3]![0] * 1000);
    const sel = `{job="node"}[${tMs - leftMs}ms]`;
    const prom = await query(promUrl, sel, tMs / 1000);
    const trimmed = prom
      .map((s) => ({ ...s, values: s.values.filter(([ts]: [number, string]) => Math.round(ts * 1000) !== leftMs) }))
      .filter((s) => s.values.length > 0);
    assert.ok(canon(trimmed) !== canon(prom), `Prometheus 2.42 has no sample on the left boundary of ${sel} at ${tMs}`);
    assert.equal(canon(await query(ms.url, sel, tMs / 1000)), canon(trimmed), `range selector ${sel} at ${tMs}`);
  }

  // Metadata sent by Prometheus is served by /api/v1/metadata.
  const meta = await waitFor(
    'metadata',
    async () => {
      const r = (await (await fetch(`${ms.url}/api/v1/metadata?metric=node_cpu_seconds_total`)).json()) as any;
      return r.data.node_cpu_seconds_total?.[0];
    },
    15_000,
  );
  const promMeta = (await (await fetch(`${promUrl}/api/v1/metadata?metric=node_cpu_seconds_total`)).json()) as any;
  assert.deepEqual(meta, promMeta.data.node_cpu_seconds_total[0]);
  assert.equal(meta.type, 'counter');
});
