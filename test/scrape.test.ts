// Scraping end to end: a real node scrapes real node:http servers serving changing exposition
// text; the stored samples, staleness markers, file_sd changes, relabeling, honor_labels and
// /api/v1/targets are checked through the node's own HTTP API.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { exportLines, freePort, removeDir, startChildNode, startTestNode, tempDir, type TestNode } from './node-harness.js';

interface Served {
  at: number;
  path: string;
  body: string;
  status: number;
}

/** A target: serves `bodies[path]` (or `status` if not 200) and logs every request. */
class Exporter {
  readonly served: Served[] = [];
  readonly bodies = new Map<string, { body: string; type: string; status: number }>();
  readonly queries: string[] = [];
  readonly accepts: string[] = [];
  /** Milliseconds to wait before answering, per path. */
  readonly delays = new Map<string, number>();
  private server!: Server;
  port = 0;

  async start(): Promise<void> {
    this.server = createServer(async (req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      const delay = this.delays.get(url.pathname);
      if (delay !== undefined) await new Promise((r) => setTimeout(r, delay));
      if (res.destroyed) return;
      this.queries.push(url.search);
      this.accepts.push(req.headers.accept ?? '');
      const b = this.bodies.get(url.pathname);
      if (b === undefined || b.status !== 200) {
        this.served.push({ at: Date.now(), path: url.pathname, body: '', status: b?.status ?? 404 });
        res.writeHead(b?.status ?? 404).end('no');
        return;
      }
      this.served.push({ at: Date.now(), path: url.pathname, body: b.body, status: 200 });
      if ((req.headers['accept-encoding'] ?? '').includes('gzip')) {
        const z = gzipSync(b.body);
        res.writeHead(200, { 'content-type': b.type, 'content-encoding': 'gzip', 'content-length': z.length }).end(z);
      } else res.writeHead(200, { 'content-type': b.type }).end(b.body);
    });
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.port = (this.server.address() as { port: number }).port;
  }

  set(path: string, body: string, type = 'text/plain; version=0.0.4; charset=utf-8', status = 200): void {
    this.bodies.set(path, { body, type, status });
  }

  count(path: string): number {
    return this.served.filter((s) => s.path === path).length;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((r) => this.server.close(() => r()));
  }
}

let ms: TestNode;
// An exposed timestamp (OpenMetrics: seconds) a minute back, inside the out-of-order window.
const OM_TS = (Math.floor(Date.now() / 1000) - 60) * 1000 + 500;
let dir: string;
const one = new Exporter();
const two = new Exporter();

async function waitFor<T>(what: string, fn: () => Promise<T | undefined> | T | undefined, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Waits until `path` of `e` has been scraped `n` more times and the node stored the last one. */
async function scrapes(e: Exporter, path: string, n: number, job: string): Promise<void> {
  const target = e.count(path) + n;
  await waitFor(`${n} scrapes of ${path}`, () => (e.count(path) >= target ? true : undefined));
  // Stored once up carries a sample at or after the last request.
  const last = e.served.filter((s) => s.path === path).at(-1)!.at;
  await waitFor('the scrape to be stored', async () => {
    const lines = await exportLines(ms.url, `up{job="${job}",instance="127.0.0.1:${e.port}"}`);
    return lines.some((l) => l.timestamps.some((t) => t >= last - 300)) ? true : undefined;
  });
}

async function instant(q: string, time = Date.now() / 1000): Promise<any[]> {
  const r = await fetch(`${ms.url}/api/v1/query?query=${encodeURIComponent(q)}&time=${time}`);
  const body = (await r.json()) as any;
  assert.equal(r.status, 200, JSON.stringify(body));
  return body.data.result;
}

const APP_BODY = (a: number, withB = true) =>
  [
    '# HELP app_requests_total Requests served.',
    '# TYPE app_requests_total counter',
    `app_requests_total{path="/a"} ${a}`,
    withB ? 'app_requests_total{path="/b"} 5' : '',
    'drop_me{x="1"} 1',
    '# TYPE app_temp gauge',
    'app_temp{job="exposed",instance="x"} 3',
    '',
  ].filter((l, i, all) => l !== '' || i === all.length - 1).join('\n');

before(async () => {
  await one.start();
  await two.start();
  one.set('/metrics', APP_BODY(1));
  one.set('/honor', 'm{job="exposed",extra="e"} 1\nn 2\n');
  one.set(
    '/om',
    `# TYPE foo counter\n# HELP foo Foo things.\nfoo_total 7 # {trace_id="a"} 1\nfoo_total{x="ts"} 8 ${OM_TS / 1000}\nfoo_total{x="old"} 9 1700000000.5\n# EOF\n`,
    'application/openmetrics-text; version=1.0.0; charset=utf-8',
  );
  one.set('/big', 'big_metric{label="longer than ten bytes"} 1\n');
  one.set('/garbage', 'ok 1\nbad{x="1" 2\n');
  one.set('/slow', 'slow 1\n');
  one.delays.set('/slow', 1500);
  one.set('/sd', 'sd_metric 1\n');
  two.set('/sd', 'sd_metric 2\n');
  dir = tempDir('ms-scrape-');
  writeFileSync(join(dir, 'targets.json'), JSON.stringify([{ targets: [`127.0.0.1:${one.port}`], labels: { team: 'a' } }]));
  writeFileSync(join(dir, 'metricstream.yaml'), configText(true));
  ms = await startTestNode({ enable_admin_api: 'true' }, join(dir, 'data'), { configFile: join(dir, 'metricstream.yaml') });
});

function configText(withHonor: boolean): string {
  return [
      'global: {scrape_interval: 1s, scrape_timeout: 900ms}',
      'scrape_configs:',
      '  - job_name: app',
      '    params: {format: [prometheus]}',
      `    static_configs: [{targets: ["127.0.0.1:${one.port}"], labels: {env: test}}]`,
      '    metric_relabel_configs:',
      '      - {action: drop, source_labels: [__name__], regex: drop_.*}',
      ...(withHonor
        ? ['  - job_name: honor', '    metrics_path: /honor', '    honor_labels: true', `    static_configs: [{targets: ["127.0.0.1:${one.port}"]}]`]
        : ['  - job_name: reloaded', '    metrics_path: /honor', `    static_configs: [{targets: ["127.0.0.1:${one.port}"]}]`]),
      '  - job_name: om',
      '    metrics_path: /om',
      `    static_configs: [{targets: ["127.0.0.1:${one.port}"]}]`,
      '  - job_name: filesd',
      '    metrics_path: /sd',
      `    file_sd_configs: [{files: ["${join(dir, '*.json')}"], refresh_interval: 1m}]`,
      '    relabel_configs:',
      '      - {source_labels: [__meta_filepath], regex: ".*/(.*)", target_label: sd_file}',
      '  - job_name: limited',
      '    metrics_path: /big',
      '    body_size_limit: 10B',
      `    static_configs: [{targets: ["127.0.0.1:${one.port}"]}]`,
      '  - job_name: garbage',
      '    metrics_path: /garbage',
      `    static_configs: [{targets: ["127.0.0.1:${one.port}"]}]`,
      '  - job_name: slow',
      '    metrics_path: /slow',
      '    scrape_timeout: 300ms',
      `    static_configs: [{targets: ["127.0.0.1:${one.port}"]}]`,
      '  - job_name: dropped',
      `    static_configs: [{targets: ["127.0.0.1:${one.port}"]}]`,
      '    relabel_configs:',
      '      - {action: keep, source_labels: [__address__], regex: "nothing"}',
      '',
    ].join('\n');
}

after(async () => {
  if (ms) await ms.stop();
  await one.close();
  await two.close();
  if (dir) removeDir(dir);
});

test('exact samples at the scrape times, target labels, relabel drop, honor_labels off, report series, metadata', async () => {
  await scrapes(one, '/metrics', 2, 'app');
  const inst = `127.0.0.1:${one.port}`;
  const ups = (await exportLines(ms.url, 'up{job="app"}'))[0]!;
  assert.deepEqual(ups.metric, { __name__: 'up', env: 'test', instance: inst, job: 'app' });
  assert.ok(ups.values.every((v) => v === 1), `up: ${ups.values}`);
  const a = (await exportLines(ms.url, 'app_requests_total{path="/a"}'))[0]!;
  assert.deepEqual(a.metric, { __name__: 'app_requests_total', env: 'test', instance: inst, job: 'app', path: '/a' });
  // Every sample sits at a scrape time (the time of up), with the value served then.
  assert.deepEqual(a.timestamps, ups.timestamps.slice(0, a.timestamps.length));
  assert.ok(a.values.every((v) => v === 1), `values: ${a.values}`);
  assert.deepEqual(await exportLines(ms.url, '{__name__=~"drop_.*"}'), []);
  const temp = (await exportLines(ms.url, 'app_temp'))[0]!;
  assert.deepEqual(temp.metric, { __name__: 'app_temp', env: 'test', exported_instance: 'x', exported_job: 'exposed', instance: inst, job: 'app' });
  const report = async (name: string) => (await exportLines(ms.url, `${name}{job="app"}`))[0]!.values;
  assert.ok((await report('scrape_samples_scraped')).every((v) => v === 4));
  assert.ok((await report('scrape_samples_post_metric_relabeling')).every((v) => v === 3));
  const added = await report('scrape_series_added');
  assert.equal(added[0], 3);
  assert.ok(added.slice(1).every((v) => v === 0));
  const durations = await report('scrape_duration_seconds');
  assert.ok(durations.every((v) => typeof v === 'number' && v > 0 && v < 0.9), `durations: ${durations}`);
  // params reach the target; Prometheus's Accept header is sent.
  assert.ok(one.queries.includes('?format=prometheus'), `queries: ${one.queries.slice(0, 5)}`);
  assert.match(one.accepts.at(-1)!, /^application\/openmetrics-text;version=1\.0\.0,.*text\/plain;version=0\.0\.4;q=0\.5/);
  const meta = (await (await fetch(`${ms.url}/api/v1/metadata?metric=app_requests_total`)).json()) as any;
  assert.deepEqual(meta.data.app_requests_total, [{ type: 'counter', help: 'Requests served.', unit: '' }]);

  // A changing value is stored at the next scrape.
  one.set('/metrics', APP_BODY(2));
  await scrapes(one, '/metrics', 2, 'app');
  const a2 = (await exportLines(ms.url, 'app_requests_total{path="/a"}'))[0]!;
  assert.equal(a2.values.at(-1), 2);
});

test('a series gone from the exposition is marked stale at that scrape; a failed scrape marks everything stale', async () => {
  assert.equal((await instant('app_requests_total{job="app"}')).length, 2);
  one.set('/metrics', APP_BODY(3, false));
  await scrapes(one, '/metrics', 1, 'app');
  const now = await instant('app_requests_total{job="app"}');
  assert.deepEqual(now.map((s) => s.metric.path), ['/a']);
  // The marker is a NaN at a scrape time, after the last real sample.
  const b = (await exportLines(ms.url, 'app_requests_total{path="/b"}'))[0]!;
  assert.equal(b.values.at(-1), 'NaN');
  assert.ok(b.values.slice(0, -1).every((v) => v === 5));

  one.set('/metrics', '', 'text/plain', 500);
  await scrapes(one, '/metrics', 1, 'app');
  assert.deepEqual(await instant('app_requests_total{job="app"}'), []);
  assert.deepEqual(await instant('app_temp'), []);
  const up = await instant('up{job="app"}');
  assert.equal(up[0].value[1], '0');
  const t = (await (await fetch(`${ms.url}/api/v1/targets?scrapePool=app`)).json()) as any;
  assert.equal(t.data.activeTargets[0].health, 'down');
  assert.equal(t.data.activeTargets[0].lastError, 'server returned HTTP status 500 Internal Server Error');

  one.set('/metrics', APP_BODY(4));
  await scrapes(one, '/metrics', 1, 'app');
  assert.equal((await instant('app_requests_total{job="app"}')).length, 2);
  assert.equal((await instant('up{job="app"}'))[0].value[1], '1');
});

test('honor_labels keeps exposed labels; OpenMetrics with gzip, exemplars and timestamps', async () => {
  await scrapes(one, '/honor', 1, 'honor');
  const inst = `127.0.0.1:${one.port}`;
  assert.deepEqual((await exportLines(ms.url, 'm'))[0]!.metric, { __name__: 'm', extra: 'e', instance: inst, job: 'exposed' });
  assert.deepEqual((await exportLines(ms.url, 'n'))[0]!.metric, { __name__: 'n', instance: inst, job: 'honor' });

  await scrapes(one, '/om', 1, 'om');
  const foo = await exportLines(ms.url, 'foo_total');
  const plain = foo.find((s) => s.metric.x === undefined)!;
  assert.ok(plain.values.every((v) => v === 7));
  const ts = foo.find((s) => s.metric.x === 'ts')!;
  assert.deepEqual(ts.timestamps, [OM_TS]);
  // A timestamp older than the retention period is refused, as on every ingest path.
  assert.equal(foo.find((s) => s.metric.x === 'old'), undefined);
  const meta = (await (await fetch(`${ms.url}/api/v1/metadata?metric=foo`)).json()) as any;
  assert.deepEqual(meta.data.foo, [{ type: 'counter', help: 'Foo things.', unit: '' }]);
  const tm = (await (await fetch(`${ms.url}/api/v1/targets/metadata?match_target=${encodeURIComponent('{job="om"}')}`)).json()) as any;
  assert.deepEqual(tm.data, [{ target: { instance: inst, job: 'om' }, metric: 'foo', type: 'counter', help: 'Foo things.', unit: '' }]);
});

test('/api/v1/targets: active targets in Prometheus\'s shape, dropped targets, state filter', async () => {
  const body = (await (await fetch(`${ms.url}/api/v1/targets?scrapePool=app`)).json()) as any;
  assert.equal(body.status, 'success');
  const t = body.data.activeTargets[0];
  const inst = `127.0.0.1:${one.port}`;
  assert.deepEqual(Object.keys(t).sort(), [
    'discoveredLabels', 'globalUrl', 'health', 'labels', 'lastError', 'lastScrape', 'lastScrapeDuration', 'scrapeInterval', 'scrapePool', 'scrapeTimeout', 'scrapeUrl',
  ]);
  assert.deepEqual(t.discoveredLabels, {
    __address__: inst,
    __metrics_path__: '/metrics',
    __param_format: 'prometheus',
    __scheme__: 'http',
    __scrape_interval__: '1s',
    __scrape_timeout__: '900ms',
    env: 'test',
    job: 'app',
  });
  assert.deepEqual(t.labels, { env: 'test', instance: inst, job: 'app' });
  assert.equal(t.scrapePool, 'app');
  assert.equal(t.scrapeUrl, `http://${inst}/metrics?format=prometheus`);
  assert.equal(t.health, 'up');
  assert.equal(t.lastError, '');
  assert.equal(t.scrapeInterval, '1s');
  assert.equal(t.scrapeTimeout, '900ms');
  assert.ok(Date.now() - Date.parse(t.lastScrape) < 3000, t.lastScrape);
  assert.equal(typeof t.lastScrapeDuration, 'number');

  const dropped = (await (await fetch(`${ms.url}/api/v1/targets?state=dropped`)).json()) as any;
  assert.deepEqual(dropped.data.activeTargets, []);
  assert.deepEqual(dropped.data.droppedTargets, [
    {
      discoveredLabels: { __address__: inst, __metrics_path__: '/metrics', __scheme__: 'http', __scrape_interval__: '1s', __scrape_timeout__: '900ms', job: 'dropped' },
      scrapePool: 'dropped',
    },
  ]);
  assert.equal(dropped.data.droppedTargetCounts.dropped, 1);
  const active = (await (await fetch(`${ms.url}/api/v1/targets?state=active`)).json()) as any;
  assert.deepEqual(active.data.droppedTargets, []);
  assert.deepEqual([...new Set(active.data.activeTargets.map((x: any) => x.scrapePool))], ['app', 'filesd', 'garbage', 'honor', 'limited', 'om', 'slow']);
});

test('file_sd: targets added and removed when the file changes; a removed target\'s series go stale', async () => {
  await scrapes(one, '/sd', 1, 'filesd');
  const first = await instant('sd_metric');
  assert.deepEqual(first.map((s) => s.metric), [{ __name__: 'sd_metric', instance: `127.0.0.1:${one.port}`, job: 'filesd', sd_file: 'targets.json', team: 'a' }]);
  // Replaced atomically, as configuration tools do.
  const write = (groups: object) => {
    writeFileSync(join(dir, 'targets.json.tmp'), JSON.stringify(groups));
    renameSync(join(dir, 'targets.json.tmp'), join(dir, 'targets.json'));
  };
  write([{ targets: [`127.0.0.1:${one.port}`, `127.0.0.1:${two.port}`], labels: { team: 'a' } }]);
  await scrapes(two, '/sd', 1, 'filesd');
  assert.deepEqual((await instant('sd_metric')).map((s) => s.value[1]).sort(), ['1', '2']);

  write([{ targets: [`127.0.0.1:${two.port}`], labels: { team: 'b' } }]);
  // The old targets' series (team a) vanish as soon as they are removed, before any lookback would end.
  await waitFor('the old targets to go stale', async () => ((await instant('sd_metric{team="a"}')).length === 0 ? true : undefined), 5000);
  await scrapes(two, '/sd', 1, 'filesd');
  assert.deepEqual((await instant('sd_metric')).map((s) => [s.metric.team, s.metric.instance]), [['b', `127.0.0.1:${two.port}`]]);
  assert.deepEqual((await instant('up{job="filesd"}')).map((s) => s.metric.team), ['b']);
  const stale = (await exportLines(ms.url, `sd_metric{team="a",instance="127.0.0.1:${one.port}"}`))[0]!;
  assert.equal(stale.values.at(-1), 'NaN');
});

test('POST /-/reload replaces changed jobs: a removed job\'s series go stale, a new job starts; a bad file changes nothing', async () => {
  await scrapes(one, '/honor', 1, 'honor');
  assert.equal((await instant('m{job="exposed"}')).length, 1);
  writeFileSync(join(dir, 'metricstream.yaml'), configText(false));
  const r = await fetch(`${ms.url}/-/reload`, { method: 'POST' });
  assert.equal(r.status, 200);
  assert.deepEqual(await instant('up{job="honor"}'), []);
  assert.deepEqual(await instant('m{job="exposed"}'), []);
  await waitFor('the new job to be scraped', async () => ((await instant('m{job="reloaded"}')).length === 1 ? true : undefined));
  // honor_labels is off in the new job: the exposed job label is renamed.
  assert.equal((await instant('m{job="reloaded"}'))[0].metric.exported_job, 'exposed');

  writeFileSync(join(dir, 'metricstream.yaml'), configText(false).replace('job_name: reloaded', 'job_name: app'));
  const bad = await fetch(`${ms.url}/-/reload`, { method: 'POST' });
  assert.equal(bad.status, 500);
  assert.match(((await bad.json()) as any).error, /found multiple scrape configs with job name "app"/);
  const pools = ((await (await fetch(`${ms.url}/api/v1/targets`)).json()) as any).data.activeTargets.map((x: any) => x.scrapePool);
  assert.deepEqual([...new Set(pools)], ['app', 'filesd', 'garbage', 'limited', 'om', 'reloaded', 'slow']);
});

test('failed scrapes: body size limit, timeout, malformed exposition (up 0, lastError says why, nothing partial stored)', async () => {
  const errors = await waitFor('every failing job to have been scraped', async () => {
    const t = ((await (await fetch(`${ms.url}/api/v1/targets?state=active`)).json()) as any).data.activeTargets;
    const by = Object.fromEntries(t.map((x: any) => [x.scrapePool, x]));
    return ['limited', 'garbage', 'slow'].every((j) => by[j].health === 'down') ? by : undefined;
  });
  assert.match(errors.limited.lastError, /^body size limit exceeded/);
  assert.equal(errors.garbage.lastError, 'line 2: label set is not closed with "}"');
  assert.match(errors.slow.lastError, /context deadline exceeded \(scrape timeout 0\.3s\)/);
  for (const job of ['limited', 'garbage', 'slow']) assert.equal((await instant(`up{job="${job}"}`))[0].value[1], '0', job);
  // The good line before the bad one is not stored.
  assert.deepEqual(await exportLines(ms.url, 'ok'), []);
});

test('the metricstream binary reloads its scrape jobs on SIGHUP and stops scraping on SIGTERM', async () => {
  const home = tempDir('ms-scrape-hup-');
  const cfg = join(home, 'c.yaml');
  const jobs = (names: string[]) =>
    ['scrape_configs:', ...names.map((n) => `  - {job_name: ${n}, scrape_interval: 1s, metrics_path: /sd, static_configs: [{targets: ["127.0.0.1:${two.port}"]}]}`), ''].join('\n');
  writeFileSync(cfg, jobs(['first']));
  const node = await startChildNode(join(home, 'data'), await freePort(), ['--config', cfg, '--log-level', 'warn']);
  try {
    const pools = async () => [...new Set((((await (await fetch(`${node.url}/api/v1/targets`)).json()) as any).data.activeTargets as any[]).map((x) => x.scrapePool))];
    // Scraping starts once storage is ready.
    await waitFor('the first job', async () => ((await pools()).length === 1 ? true : undefined));
    assert.deepEqual(await pools(), ['first']);
    writeFileSync(cfg, jobs(['first', 'second']));
    node.child.kill('SIGHUP');
    await waitFor('the reload', async () => ((await pools()).length === 2 ? true : undefined));
    assert.deepEqual(await pools(), ['first', 'second']);
    await waitFor('a scrape by the new job', async () => {
      const r = (await (await fetch(`${node.url}/api/v1/query?query=${encodeURIComponent('sd_metric{job="second"}')}`)).json()) as any;
      return r.data.result.length === 1 ? true : undefined;
    });
  } finally {
    node.child.kill('SIGTERM');
    const code = await new Promise((r) => node.child.once('exit', r));
    assert.equal(code, 0, node.output());
    removeDir(home);
  }
});
