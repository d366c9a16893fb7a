// MetricStream scrapes a real Debian prometheus-node-exporter directly while a real Debian
// Prometheus scrapes the same exporter, both every second under the same job and instance: the
// series (names and labels) each one holds must match, and values of series that do not change
// between scrapes must be equal.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureDebianPackage } from './debian-package.js';
import { PeerProcesses, query, waitFor } from './peer-processes.js';
import { freePort, removeDir, startTestNode, tempDir, type TestNode } from './node-harness.js';

const missing = ensureDebianPackage('prometheus', 'prometheus') ?? ensureDebianPackage('prometheus-node-exporter', 'prometheus-node-exporter');
const SCRAPES = 5;

/**
 * Metric families whose series set depends on when the exporter was scraped, not on who scraped
 * it: the two scrapers read the exporter at different moments of each second, and on this shared
 * machine other tests mount temporary filesystems (node_filesystem_*) and create veth pairs in
 * network namespaces (node_network_*), so one scraper may see a mount or an interface the other's
 * latest scrape did not. A series only one side holds is allowed in these families alone (and the
 * count of such differences must stay small); every other series must be in both.
 */
const TIMING_DEPENDENT = /^(node_filesystem_|node_network_)/;

let ms: TestNode;
let work: string;
let promUrl: string;
let exporter: string;
const peers = new PeerProcesses();


const seriesKey = (metric: Record<string, string>) => JSON.stringify(Object.keys(metric).sort().map((k) => [k, metric[k]]));

before(async () => {
  if (missing) return;
  work = tempDir('ms-scrape-prom-');
  const exporterPort = await freePort();
  const promPort = await freePort();
  promUrl = `http://127.0.0.1:${promPort}`;
  exporter = `127.0.0.1:${exporterPort}`;
  peers.run('prometheus-node-exporter', [`--web.listen-address=${exporter}`, '--log.level=warn']);
  const scrape = ['global: {scrape_interval: 1s, scrape_timeout: 1s}', 'scrape_configs:', `  - {job_name: node, static_configs: [{targets: ["${exporter}"]}]}`, ''].join('\n');
  writeFileSync(join(work, 'prometheus.yml'), scrape);
  writeFileSync(join(work, 'metricstream.yaml'), scrape);
  peers.run('prometheus', [
    `--config.file=${join(work, 'prometheus.yml')}`,
    `--storage.tsdb.path=${join(work, 'prom-data')}`,
    `--web.listen-address=127.0.0.1:${promPort}`,
    '--log.level=warn',
  ]);
  ms = await startTestNode({}, join(work, 'ms-data'), { configFile: join(work, 'metricstream.yaml') });
});

after(async () => {
  await peers.stopAll();
  if (ms) await ms.stop();
  if (work) removeDir(work);
});

test('MetricStream scraping node-exporter holds the series Prometheus scraped, with equal values of stable series', { skip: missing ?? false, timeout: 60_000 }, async () => {
  for (const [name, base] of [['Prometheus', () => promUrl], ['MetricStream', () => ms.url]] as const) {
    await waitFor(
      `${SCRAPES} scrapes by ${name}`,
      async () => {
        const r = await query(base(), 'count_over_time(up{job="node"}[1m])', Date.now() / 1000);
        return r.length === 1 && Number(r[0].value[1]) >= SCRAPES ? true : undefined;
      },
      30_000,
    );
  }
  // Both scraped within the last second: an instant query now sees each one's latest scrape.
  const t = Date.now() / 1000;
  const prom = await query(promUrl, '{job="node"}', t);
  const mine = await query(ms.url, '{job="node"}', t);
  assert.ok(prom.length > 200, `Prometheus holds ${prom.length} series`);
  const pk = new Map(prom.map((s) => [seriesKey(s.metric), s]));
  const mk = new Map(mine.map((s) => [seriesKey(s.metric), s]));
  const onlyProm = [...pk.keys()].filter((k) => !mk.has(k));
  const onlyMine = [...mk.keys()].filter((k) => !pk.has(k));
  const unexplained = [...onlyProm, ...onlyMine].filter((k) => !TIMING_DEPENDENT.test(JSON.parse(k).find(([n]: [string]) => n === '__name__')[1]));
  assert.deepEqual(unexplained, [], `only in Prometheus: ${onlyProm.slice(0, 5).join('\n')}\nonly in MetricStream: ${onlyMine.slice(0, 5).join('\n')}`);
  assert.ok(onlyProm.length + onlyMine.length < 0.05 * pk.size, `${onlyProm.length + onlyMine.length} timing-dependent differences`);
  console.log(`compared ${pk.size} series: ${onlyProm.length} only in Prometheus, ${onlyMine.length} only in MetricStream (timing-dependent families)`);

  // The same job and instance labels, and the report series Prometheus adds.
  for (const name of ['up', 'scrape_duration_seconds', 'scrape_samples_scraped', 'scrape_samples_post_metric_relabeling', 'scrape_series_added']) {
    assert.ok(mk.has(seriesKey({ __name__: name, instance: exporter, job: 'node' })), name);
  }
  // Values of series that are the same in every scrape.
  for (const q of ['node_uname_info', 'node_memory_MemTotal_bytes', 'node_exporter_build_info', 'node_boot_time_seconds', 'up', 'count(node_cpu_seconds_total) by (cpu)']) {
    const p = await query(promUrl, q, t);
    const m = await query(ms.url, q, t);
    assert.ok(p.length > 0, q);
    const canon = (r: any[]) => r.map((s) => `${seriesKey(s.metric)} ${s.value[1]}`).sort();
    assert.deepEqual(canon(m), canon(p), q);
  }
  // The metadata of a family, from # TYPE / # HELP.
  const pm = (await (await fetch(`${promUrl}/api/v1/metadata?metric=node_cpu_seconds_total`)).json()) as any;
  const mm = (await (await fetch(`${ms.url}/api/v1/metadata?metric=node_cpu_seconds_total`)).json()) as any;
  assert.deepEqual(mm.data.node_cpu_seconds_total, pm.data.node_cpu_seconds_total);
  // /api/v1/targets agrees on the target's labels and URL.
  const pt = (await (await fetch(`${promUrl}/api/v1/targets`)).json()) as any;
  const mt = (await (await fetch(`${ms.url}/api/v1/targets`)).json()) as any;
  const pick = (x: any) => ({ labels: x.labels, scrapeUrl: x.scrapeUrl, scrapePool: x.scrapePool, health: x.health, discoveredLabels: x.discoveredLabels });
  assert.deepEqual(pick(mt.data.activeTargets[0]), pick(pt.data.activeTargets[0]));
});
