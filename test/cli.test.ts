// The command line: help and version, configuration precedence, clear errors for bad values.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '../src/config/index.js';
import { BIN, removeDir, tempDir } from './node-harness.js';

const run = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 20_000 });

test('--help lists every flag with its default and environment variable; --version prints the version', () => {
  const main = run('--help');
  assert.equal(main.status, 0);
  assert.match(main.stdout, /metricstream \[serve\] \[PORT\]/);
  const serve = run('serve', '--help');
  assert.equal(serve.status, 0);
  for (const flag of ['--port', '--listen', '--data-dir', '--config', '--log-level', '--wal-fsync', '--rate-limit', '--max-body-size']) {
    assert.match(serve.stdout, new RegExp(`${flag} `), flag);
  }
  assert.match(serve.stdout, /default 8080;\s+env\s+METRICSTREAM_PORT/);
  const exp = run('export', '--help');
  assert.match(exp.stdout, /--url <url>/);
  const v = run('--version');
  assert.equal(v.status, 0);
  assert.match(v.stdout.trim(), /^\d+\.\d+\.\d+$/);
});

test('unknown flags, commands and bad values are refused with a message', () => {
  const flag = run('serve', '--prot', '9');
  assert.equal(flag.status, 2);
  assert.match(flag.stderr, /Unknown option '--prot'/);
  const cmd = run('frobnicate');
  assert.equal(cmd.status, 2);
  assert.match(cmd.stderr, /unknown command "frobnicate"/);
  const bad = run('serve', '--port', 'eighty');
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--port: expected number, received string \(got "eighty"\)/);
  const dur = run('serve', '--wal-fsync-interval', '5 minutes');
  assert.equal(dur.status, 2);
  assert.match(dur.stderr, /invalid duration "5 minutes"/);
});

test('precedence is flag > environment > file > default, and the file is validated', () => {
  const dir = tempDir();
  try {
    const file = join(dir, 'm.yaml');
    writeFileSync(file, 'port: 7000\nrate_limit: 50\nretention: 30d\nrate_limit_clients:\n  loader: 5000\n');
    const c = loadConfig({ flags: { port: '9000' }, configFile: file, env: { METRICSTREAM_PORT: '8000', METRICSTREAM_RATE_LIMIT: '70' } });
    assert.equal(c.port, 9000);
    assert.equal(c.rate_limit, 70);
    assert.equal(c.retention, 30 * 86_400_000);
    assert.deepEqual(c.rate_limit_clients, { loader: 5000 });
    assert.equal(c.listen, '0.0.0.0');
    const fileOnly = loadConfig({ flags: {}, configFile: file, env: {} });
    assert.equal(fileOnly.port, 7000);

    writeFileSync(file, 'prot: 7000\n');
    assert.throws(() => loadConfig({ flags: {}, configFile: file, env: {} }), (e: Error) => e instanceof ConfigError && /unknown key "prot"/.test(e.message));
    writeFileSync(file, 'rate_limit: lots\n');
    assert.throws(() => loadConfig({ flags: {}, configFile: file, env: {} }), /key rate_limit: expected number/);
    writeFileSync(file, 'port: [1\n');
    assert.throws(() => loadConfig({ flags: {}, configFile: file, env: {} }), /not valid YAML/);
    assert.throws(() => loadConfig({ flags: {}, configFile: join(dir, 'missing.yaml'), env: {} }), /cannot read config file/);
  } finally {
    removeDir(dir);
  }
});

test('the port may be the first argument, as in the seed', () => {
  // An out-of-range port is refused before anything starts, which shows the argument was read as the port.
  const r = run('70000');
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--port: .*70000/);
});

test('docs/configuration.md is the one the schema generates', async () => {
  const { readFileSync } = await import('node:fs');
  const { configDocs } = await import('../src/cli/help.js');
  const committed = readFileSync(new URL('../../docs/configuration.md', import.meta.url), 'utf8');
  assert.equal(committed, configDocs(), 'run `npm run docs:config` and commit the result');
});

test('StatsD lists: flags, environment and YAML sequences; bad lists refused with the reason', () => {
  const dir = tempDir();
  try {
    const d = loadConfig({ flags: {}, env: {} });
    assert.equal(d.statsd_port, 8125);
    assert.equal(d.statsd_flush_interval, 10_000);
    assert.deepEqual(d.statsd_buckets, [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]);
    assert.deepEqual(d.statsd_percentiles, [0.5, 0.9, 0.99]);
    const f = loadConfig({ flags: { statsd_buckets: '0.1, 1,10', statsd_percentiles: '' }, env: { METRICSTREAM_STATSD_FLUSH_INTERVAL: '2s' } });
    assert.deepEqual(f.statsd_buckets, [0.1, 1, 10]);
    assert.deepEqual(f.statsd_percentiles, []);
    assert.equal(f.statsd_flush_interval, 2000);
    const file = join(dir, 'm.yaml');
    writeFileSync(file, 'statsd_buckets: [1, 2.5, 1e3]\nstatsd_percentiles: "0.75,0.999"\n');
    const y = loadConfig({ flags: {}, configFile: file, env: {} });
    assert.deepEqual(y.statsd_buckets, [1, 2.5, 1000]);
    assert.deepEqual(y.statsd_percentiles, [0.75, 0.999]);
    assert.throws(() => loadConfig({ flags: { statsd_buckets: '1,0.5' }, env: {} }), /--statsd-buckets: values must be strictly ascending, 0.5 follows 1/);
    assert.throws(() => loadConfig({ flags: { statsd_percentiles: '0.5,1.5' }, env: {} }), /--statsd-percentiles: quantile 1.5 is outside 0..1/);
    assert.throws(() => loadConfig({ flags: { statsd_buckets: '1,x' }, env: {} }), /--statsd-buckets: "x" is not a number/);
    assert.throws(() => loadConfig({ flags: { statsd_port: '70000' }, env: {} }), /--statsd-port/);
  } finally {
    removeDir(dir);
  }
});

test('decode workers take auto or a number (also from YAML); the decode threshold a size; bad values are named', () => {
  const dir = tempDir();
  try {
    const d = loadConfig({ flags: {}, env: {} });
    assert.equal(d.ingest_workers, 'auto');
    assert.equal(d.ingest_decode_min_bytes, 64 * 1024);
    const file = join(dir, 'm.yaml');
    writeFileSync(file, 'ingest_workers: 3\ningest_decode_min_bytes: 65536\ningest_max_inflight_bytes: 32MiB\n');
    const c = loadConfig({ flags: {}, configFile: file, env: {} });
    assert.equal(c.ingest_workers, '3');
    assert.equal(c.ingest_decode_min_bytes, 65536);
    assert.equal(c.ingest_max_inflight_bytes, 32 * 1024 * 1024);
    assert.equal(loadConfig({ flags: { ingest_decode_min_bytes: '16KiB', ingest_workers: '0' }, env: {} }).ingest_decode_min_bytes, 16384);
    assert.throws(() => loadConfig({ flags: { ingest_workers: 'many' }, env: {} }), /ingest-workers.*auto or a whole number/);
  } finally {
    removeDir(dir);
  }
});
