// A scrape loop against a real node:http target and a real TSDB, driven scrape by scrape: random
// and mutated expositions are stored whole or not at all (up 0 and staleness markers only).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { pino } from 'pino';
import { Agent } from 'undici';
import { resolveScrapeConfigs, scrapeConfigsSchema } from '../config/scrape-schema.js';
import { Matcher } from '../storage/index.js';
import { Tsdb } from '../tsdb/index.js';
import { ExpositionError, parseExposition } from './parse-exposition.js';
import { ScrapeLoop } from './loop.js';
import { compileRelabel } from './relabel.js';
import { seriesLabels } from './sample-labels.js';
import { Semaphore } from './semaphore.js';
import { populateTargets } from './targets.js';
import { testLimits } from '../ingest/validate-fixtures.js';

const limits = testLimits({ retentionMs: 0 });
const REPORT = new Set(['up', 'scrape_duration_seconds', 'scrape_samples_scraped', 'scrape_samples_post_metric_relabeling', 'scrape_series_added']);

let server: Server;
let body = '';
let dir: string;
let db: Tsdb;
let agent: Agent;
let loop: ScrapeLoop;
let makeLoop: (written: object) => ScrapeLoop;

before(async () => {
  server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(body));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  dir = mkdtempSync(join(tmpdir(), 'ms-scrape-loop-'));
  db = Tsdb.open({ dir, fsync: 'never', fsyncIntervalMs: 1000, segmentBytes: 1 << 20, logger: { info() {}, warn() {}, error() {} } });
  await db.start();
  agent = new Agent();
  const deps = { storage: db, dispatcher: agent, semaphore: new Semaphore(1), logger: pino({ level: 'silent' }), userAgent: 'test', limits };
  makeLoop = (written) => {
    const cfg = resolveScrapeConfigs({ scrape_interval: 60_000, scrape_timeout: 10_000 }, scrapeConfigsSchema.parse([{ static_configs: [{ targets: [`127.0.0.1:${port}`] }], ...written }]))[0]!;
    const target = populateTargets(cfg, [], [{ targets: [{ __address__: `127.0.0.1:${port}` }], labels: {} }]).active[0]!;
    return new ScrapeLoop(target, cfg, compileRelabel(cfg.metric_relabel_configs), deps);
  };
  loop = makeLoop({ job_name: 'fuzz' });
});

after(async () => {
  await agent.close();
  await db.close();
  await new Promise((r) => server.close(r));
  rmSync(dir, { recursive: true, force: true });
});

const view = new DataView(new ArrayBuffer(8));
function isStale(v: number): boolean {
  view.setFloat64(0, v);
  // The quiet bit may be set on the way (V8), as PromQL's isStaleNaN allows.
  return view.getUint32(4) === 2 && (view.getUint32(0) & ~0x00080000) === 0x7ff00000;
}

/** Samples stored at exactly t: report series by name, others counted (staleness markers apart). */
function storedAt(t: number): { report: Map<string, number>; samples: number; stale: number } {
  const q = db.querier('default', t, t);
  const out = { report: new Map<string, number>(), samples: 0, stale: 0 };
  try {
    for (const s of q.select([new Matcher('=~', '__name__', '.+')])) {
      const it = s.iterator();
      while (it.next()) {
        if (it.atT() !== t) continue;
        const name = s.labels.find((l) => l.name === '__name__')!.value;
        const v = it.atV();
        if (REPORT.has(name) && s.labels.length === 3) out.report.set(name, v);
        // The quiet bit may be set on the way (V8), as PromQL's isStaleNaN allows.
        else if (isStale(v)) out.stale++;
        else out.samples++;
      }
    }
  } finally {
    q.close();
  }
  return out;
}

test('fuzz: every scrape stores its whole exposition or nothing of it', async () => {
  const base = ['# TYPE a counter', 'a{x="1"} 1', 'a{x="2"} 2', 'b 3', 'c{y="q\\"z"} -Inf', ''].join('\n');
  const mutated = fc.array(fc.tuple(fc.nat(base.length), fc.nat(2), fc.string({ unit: fc.constantFrom(...'a{}="\\ ,#\n1x_'.split('')), maxLength: 3 })), { maxLength: 4 }).map((edits) => {
    let s = base;
    for (const [at, del, ins] of edits) s = s.slice(0, at % (s.length + 1)) + ins + s.slice((at % (s.length + 1)) + del);
    return s;
  });
  let runs = 0;
  let failed = 0;
  await fc.assert(
    fc.asyncProperty(fc.oneof(mutated, fc.constant(base)), async (text) => {
      body = text;
      // Distinct scrape times.
      await new Promise((r) => setTimeout(r, 2));
      await loop.scrape();
      const t = loop.lastScrape!.getTime();
      let expected: number | null;
      try {
        const exp = parseExposition(text, 'prometheus');
        const keys = new Set<string>();
        for (const s of exp.samples) {
          const l = seriesLabels(s.labels, loop.target.labels, false, [], limits);
          if (l.labels !== null && s.timestamp === null) keys.add(l.key);
        }
        expected = keys.size;
      } catch (e) {
        if (!(e instanceof ExpositionError)) throw e;
        expected = null;
      }
      const got = storedAt(t);
      runs++;
      if (expected === null) {
        failed++;
        assert.equal(loop.health, 'down');
        assert.equal(got.report.get('up'), 0);
        assert.equal(got.samples, 0, 'a failed scrape stores no samples');
      } else {
        assert.equal(loop.health, 'up', loop.lastError);
        assert.equal(got.report.get('up'), 1);
        assert.equal(got.samples, expected, text);
      }
      assert.equal(got.report.size, 5);
    }),
    { numRuns: 80 },
  );
  assert.ok(failed > 0 && failed < runs, `${failed} of ${runs} scrapes failed`);
});

/** Every sample of one series name as [t, v] (staleness markers as 'stale'). */
function samplesOf(name: string): [number, number | 'stale'][] {
  const q = db.querier('default', 0, Date.now() + 1e9);
  const out: [number, number | 'stale'][] = [];
  try {
    for (const s of q.select([new Matcher('=', '__name__', name)])) {
      const it = s.iterator();
      while (it.next()) out.push([it.atT(), isStale(it.atV()) ? 'stale' : it.atV()]);
    }
  } finally {
    q.close();
  }
  return out;
}

test('honor_timestamps: exposed timestamps kept (and such series get no staleness marker) or replaced by the scrape time', async () => {
  const exposedT = Date.now() - 30_000;
  const honor = makeLoop({ job_name: 'honor_ts' });
  body = `with_ts 1 ${exposedT}\n`;
  await honor.scrape();
  body = 'other 1\n';
  await new Promise((r) => setTimeout(r, 2));
  await honor.scrape();
  // Prometheus tracks staleness only for series without an exposed timestamp.
  assert.deepEqual(samplesOf('with_ts'), [[exposedT, 1]]);

  const ignore = makeLoop({ job_name: 'ignore_ts', honor_timestamps: false });
  body = `ignored_ts 2 ${exposedT}\n`;
  await ignore.scrape();
  const t1 = ignore.lastScrape!.getTime();
  body = 'other 1\n';
  await new Promise((r) => setTimeout(r, 2));
  await ignore.scrape();
  assert.deepEqual(samplesOf('ignored_ts'), [[t1, 2], [ignore.lastScrape!.getTime(), 'stale']]);
});

test('a target that goes away gets staleness markers for its series and report series; a shutdown stop writes none', async () => {
  const gone = makeLoop({ job_name: 'gone' });
  body = 'gone_metric 5\n';
  await gone.scrape();
  await new Promise((r) => setTimeout(r, 2));
  await gone.stop(true);
  assert.deepEqual(samplesOf('gone_metric').map(([, v]) => v), [5, 'stale']);
  const up = samplesOf('up').filter(([t]) => t >= gone.lastScrape!.getTime());
  assert.ok(up.some(([, v]) => v === 'stale'));

  const kept = makeLoop({ job_name: 'kept' });
  body = 'kept_metric 6\n';
  await kept.scrape();
  await kept.stop(false);
  assert.deepEqual(samplesOf('kept_metric').map(([, v]) => v), [6]);
});
