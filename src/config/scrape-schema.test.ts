import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from './load.js';
import { resolveScrapeConfigs } from './scrape-schema.js';

function load(yaml: string) {
  const dir = mkdtempSync(join(tmpdir(), 'ms-scrape-cfg-'));
  try {
    writeFileSync(join(dir, 'c.yaml'), yaml);
    return loadConfig({ flags: {}, env: {}, configFile: join(dir, 'c.yaml') });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('scrape_configs: Prometheus defaults, interval and timeout from global', () => {
  const c = load('global: {scrape_interval: 15s}\nscrape_configs:\n  - job_name: a\n    static_configs: [{targets: ["h:1"]}]\n  - {job_name: b, scrape_interval: 5s}\n');
  const [a, b] = resolveScrapeConfigs(c.global, c.scrape_configs);
  assert.equal(a!.scrape_interval, 15_000);
  assert.equal(a!.scrape_timeout, 10_000);
  assert.equal(a!.metrics_path, '/metrics');
  assert.equal(a!.scheme, 'http');
  assert.equal(a!.honor_labels, false);
  assert.equal(a!.honor_timestamps, true);
  assert.deepEqual(a!.static_configs, [{ targets: ['h:1'], labels: {} }]);
  // The timeout defaults to the smaller of the global timeout and the job's interval.
  assert.equal(b!.scrape_timeout, 5_000);
  assert.deepEqual(load('').scrape_configs, []);
});

test('scrape_configs: clear errors naming the key', () => {
  const bad = (yaml: string, msg: RegExp) => assert.throws(() => load(yaml), msg);
  bad('scrape_configs:\n  - {job_name: a, scrape_intervall: 1s}\n', /key scrape_configs\[0\]: Unrecognized key: "scrape_intervall"/);
  bad('scrape_configs:\n  - {job_name: a}\n  - {job_name: a}\n', /key scrape_configs\[1\]\.job_name: found multiple scrape configs with job name "a"/);
  bad('scrape_configs:\n  - {job_name: a, relabel_configs: [{regex: "a(", target_label: x}]}\n', /relabel_configs\[0\]\.regex: invalid regex: error parsing regexp: missing closing \)/);
  bad('scrape_configs:\n  - {job_name: a, scrape_interval: 1s, scrape_timeout: 2s}\n', /scrape timeout greater than scrape interval for scrape config with job name "a"/);
  bad('scrape_configs:\n  - {job_name: a, static_configs: [{targets: ["http://h:1/metrics"]}]}\n', /static_configs\[0\]\.targets\[0\]: a target is host:port/);
  bad('scrape_configs:\n  - {job_name: a, scrape_interval: soon}\n', /scrape_interval: invalid duration "soon"/);
  bad('global: {scrape_interval: 1s, scrape_timeout: 5s}\n', /global scrape timeout greater than scrape interval/);
  bad('global: {evaluation_interval: 1s}\n', /key global: Unrecognized key: "evaluation_interval"/);
  bad('scrape_configs:\n  - {job_name: a, file_sd_configs: [{files: ["t.txt"]}]}\n', /file_sd files must end in \.json, \.yml or \.yaml/);
});

test('the scraping examples of README.md and docs/configuration.md are valid configs', async () => {
  const { readFileSync } = await import('node:fs');
  for (const [file, heading] of [['README.md', '### Scraping'], ['docs/configuration.md', '## Scraping keys']] as const) {
    const text = readFileSync(new URL(`../../../${file}`, import.meta.url), 'utf8');
    const section = text.slice(text.indexOf(heading));
    const yaml = /```yaml\n([\s\S]*?)```/.exec(section)![1]!;
    const c = load(yaml);
    const jobs = resolveScrapeConfigs(c.global, c.scrape_configs);
    assert.deepEqual(jobs.map((j) => j.job_name), ['node', 'apps'], file);
  }
});

test('global: a scrape_interval under 10s without a scrape_timeout takes the interval as timeout, as Prometheus', () => {
  const c = load('global: {scrape_interval: 5s}\nscrape_configs:\n  - {job_name: a}\n');
  assert.equal(c.global.scrape_timeout, 5_000);
  assert.equal(resolveScrapeConfigs(c.global, c.scrape_configs)[0]!.scrape_timeout, 5_000);
  assert.equal(load('global: {scrape_interval: 30s}\n').global.scrape_timeout, 10_000);
  assert.equal(load('').global.scrape_timeout, 10_000);
});

test('file_sd_configs: a relative path is relative to the config file, as in Prometheus', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ms-scrape-cfg-'));
  try {
    writeFileSync(join(dir, 'c.yaml'), 'scrape_configs:\n  - job_name: a\n    file_sd_configs: [{files: ["targets/*.json", "/abs/t.yml"]}]\n');
    const c = loadConfig({ flags: {}, env: {}, configFile: join(dir, 'c.yaml') });
    assert.deepEqual(c.scrape_configs[0]!.file_sd_configs[0]!.files, [join(dir, 'targets/*.json'), '/abs/t.yml']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('body_size_limit: units are base 2 as Prometheus\'s (KB = KiB = 1024 bytes)', () => {
  const limit = (v: string) => load(`scrape_configs:\n  - {job_name: a, body_size_limit: ${v}}\n`).scrape_configs[0]!.body_size_limit;
  assert.equal(limit('10MB'), 10 * 1024 * 1024);
  assert.equal(limit('10MiB'), 10 * 1024 * 1024);
  assert.equal(limit('512KB'), 512 * 1024);
  assert.equal(limit('1GB'), 1024 ** 3);
  assert.equal(limit('100B'), 100);
  assert.equal(limit('0'), 0);
  assert.throws(() => limit('10 apples'), /body_size_limit: invalid size/);
});
