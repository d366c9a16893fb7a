import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { resolveScrapeConfigs, scrapeConfigsSchema } from '../config/scrape-schema.js';
import { labelsToRecord } from '../storage/index.js';
import { compileRelabel } from './relabel.js';
import { populateTargets, scrapeOffsetMs, type TargetGroup } from './targets.js';

function job(written: object) {
  const r = scrapeConfigsSchema.safeParse([{ job_name: 'j', ...written }]);
  if (!r.success) throw new Error(JSON.stringify(r.error.issues));
  return resolveScrapeConfigs({ scrape_interval: 60_000, scrape_timeout: 10_000 }, r.data)[0]!;
}

function run(written: object, groups: TargetGroup[]) {
  const cfg = job(written);
  return populateTargets(cfg, compileRelabel(cfg.relabel_configs), groups);
}

const group = (addrs: string[], labels: Record<string, string> = {}): TargetGroup => ({ targets: addrs.map((a) => ({ __address__: a })), labels });

test('defaults: job, instance from __address__, the scrape URL, __-labels not public', () => {
  const { active, dropped } = run({}, [group(['h:9100'], { env: 'p', __meta_x: 'm' })]);
  assert.deepEqual(dropped, []);
  const t = active[0]!;
  assert.deepEqual(labelsToRecord(t.labels), { env: 'p', instance: 'h:9100', job: 'j' });
  assert.equal(t.url, 'http://h:9100/metrics');
  assert.equal(t.intervalMs, 60_000);
  assert.equal(t.timeoutMs, 10_000);
  assert.deepEqual(t.discovered, {
    __address__: 'h:9100',
    __meta_x: 'm',
    __metrics_path__: '/metrics',
    __scheme__: 'http',
    __scrape_interval__: '1m',
    __scrape_timeout__: '10s',
    env: 'p',
    job: 'j',
  });
});

test('relabeling drives address, scheme, path, params, interval and instance', () => {
  const { active } = run(
    {
      params: { module: ['a', 'b'], other: ['x'] },
      relabel_configs: [
        { source_labels: ['__address__'], target_label: '__param_target' },
        { source_labels: ['__address__'], target_label: 'instance' },
        { target_label: '__address__', replacement: 'probe:9115' },
        { target_label: '__scheme__', replacement: 'https' },
        { target_label: '__metrics_path__', replacement: '/probe' },
        { target_label: '__param_module', replacement: 'c' },
        { target_label: '__scrape_interval__', replacement: '30s' },
        { action: 'labelmap', regex: '__meta_(.+)' },
      ],
    },
    [group(['example.org:443'], { __meta_zone: 'z1' })],
  );
  const t = active[0]!;
  assert.equal(t.url, 'https://probe:9115/probe?module=c&module=b&other=x&target=example.org%3A443');
  assert.deepEqual(labelsToRecord(t.labels), { instance: 'example.org:443', job: 'j', zone: 'z1' });
  assert.equal(t.intervalMs, 30_000);
});

test('dropped and invalid targets', () => {
  const r = run({ relabel_configs: [{ action: 'drop', source_labels: ['__address__'], regex: 'bad.*' }] }, [group(['bad:1', 'good:1'])]);
  assert.deepEqual(r.active.map((t) => t.url), ['http://good:1/metrics']);
  assert.equal(r.dropped[0]!.__address__, 'bad:1');
  const none = run({ relabel_configs: [{ target_label: '__address__', replacement: '' , source_labels: ['nothing'] }] }, [group(['a:1'])]);
  assert.deepEqual(none.active, []);
  assert.match(none.errors[0]!, /no address/);
  const slow = run({ relabel_configs: [{ target_label: '__scrape_timeout__', replacement: '2m' }] }, [group(['a:1'])]);
  assert.match(slow.errors[0]!, /scrape timeout cannot be greater than scrape interval/);
});

test('the scrape offset is stable and inside the interval', () => {
  fc.assert(
    fc.property(fc.string({ minLength: 1, maxLength: 20 }), fc.integer({ min: 1, max: 600_000 }), (host, iv) => {
      const t = { key: host, discovered: {}, labels: [], url: '', intervalMs: iv, timeoutMs: iv };
      const o = scrapeOffsetMs(t);
      return o >= 0 && o < iv && o === scrapeOffsetMs(t);
    }),
  );
});
