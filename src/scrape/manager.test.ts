// Reloads through the manager against a real node:http target and a real TSDB: a changed job keeps
// its targets' series live (no staleness markers for what is still exposed), as Prometheus's reload.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { resolveScrapeConfigs, scrapeConfigsSchema } from '../config/scrape-schema.js';
import { Matcher } from '../storage/index.js';
import { Tsdb } from '../tsdb/index.js';
import { testLimits } from '../ingest/validate-fixtures.js';
import { ScrapeManager } from './manager.js';

let server: Server;
let port = 0;
let dir: string;
let db: Tsdb;
let manager: ScrapeManager;

before(async () => {
  server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end('kept 1\ngone 2\n'));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as { port: number }).port;
  dir = mkdtempSync(join(tmpdir(), 'ms-scrape-manager-'));
  db = Tsdb.open({ dir, fsync: 'never', fsyncIntervalMs: 1000, segmentBytes: 1 << 20, logger: { info() {}, warn() {}, error() {} } });
  await db.start();
  manager = new ScrapeManager({ storage: db, logger: pino({ level: 'silent' }), limits: testLimits({ retentionMs: 0 }), userAgent: 'test' });
});

after(async () => {
  await manager.stop();
  await db.close();
  await new Promise((r) => server.close(r));
  rmSync(dir, { recursive: true, force: true });
});

const jobs = (extra: object) =>
  // An hour's interval: the test drives the scrapes itself.
  resolveScrapeConfigs({ scrape_interval: 3_600_000, scrape_timeout: 10_000 }, scrapeConfigsSchema.parse([{ job_name: 'j', static_configs: [{ targets: [`127.0.0.1:${port}`] }], ...extra }]));

/** Whether the last sample of the series named `name` is a staleness marker (NaN). */
function lastIsStale(name: string): boolean {
  const q = db.querier('default', 0, Date.now() + 1000);
  try {
    let last: number | undefined;
    for (const s of q.select([new Matcher('=', '__name__', name)])) {
      const it = s.iterator();
      while (it.next()) last = it.atV();
    }
    assert.notEqual(last, undefined, name);
    return Number.isNaN(last);
  } finally {
    q.close();
  }
}

const onlyLoop = () => [...manager.pools.get('j')!.loops.values()][0]!;

test('a reload that changes a job writes no staleness markers for its targets that stay; what they stop exposing goes stale', async () => {
  await manager.apply(jobs({}));
  await onlyLoop().scrape();
  assert.deepEqual([lastIsStale('kept'), lastIsStale('gone'), lastIsStale('up')], [false, false, false]);
  await manager.apply(jobs({ metric_relabel_configs: [{ action: 'drop', source_labels: ['__name__'], regex: 'gone' }] }));
  // Prometheus keeps the target scraping across the reload: nothing goes stale yet.
  assert.deepEqual([lastIsStale('kept'), lastIsStale('gone'), lastIsStale('up')], [false, false, false]);
  await new Promise((r) => setTimeout(r, 5));
  await onlyLoop().scrape();
  // The new job's first scrape ends the series its relabeling now drops.
  assert.deepEqual([lastIsStale('kept'), lastIsStale('gone'), lastIsStale('up')], [false, true, false]);
  // A target the new config no longer has is ended at once.
  await manager.apply(jobs({ static_configs: [] }));
  assert.deepEqual([lastIsStale('kept'), lastIsStale('up')], [true, true]);
});
