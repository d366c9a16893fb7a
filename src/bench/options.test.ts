// Bench flags: defaults, --interval as a rate, and refusals that say what is allowed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BenchUsageError, parseBenchArgs } from './options.js';

test('defaults are the seed request over 64 connections, closed loop, 10 s', () => {
  assert.deepEqual(parseBenchArgs([]), {
    target: 'http://127.0.0.1:8080', protocol: 'json', clients: 1, connections: 64, rate: undefined,
    durationMs: 10_000, batch: 3, series: 3, progress: false, json: false, httpClient: 'raw', threads: 1, statsdAddress: ['127.0.0.1', 8125],
  });
  assert.equal(parseBenchArgs([], { METRICSTREAM_URL: 'http://10.0.0.1:9000/' })!.target, 'http://10.0.0.1:9000');
  assert.equal(parseBenchArgs(['--help']), null);
});

test('--interval is a per-client period: the rate is clients / interval', () => {
  const o = parseBenchArgs(['--clients', '500', '--interval', '10s', '--duration', '1m', '--protocol', 'import'])!;
  assert.equal(o.rate, 50);
  assert.equal(o.durationMs, 60_000);
  assert.equal(o.protocol, 'import');
  assert.equal(parseBenchArgs(['--rate', '2500.5'])!.rate, 2500.5);
});

test('bad values are refused with what is allowed', () => {
  const cases: [string[], RegExp][] = [
    [['--rate', '10', '--interval', '1s'], /give --rate or --interval, not both/],
    [['--protocol', 'carrier-pigeon'], /--protocol must be one of json, import, influx, remote-write, otlp, statsd, statsd-tcp, got "carrier-pigeon"/],
    [['--protocol', 'statsd', '--clients', '3'], /--clients has no meaning for --protocol statsd: StatsD lines carry no client id/],
    [['--protocol', 'statsd-tcp', '--threads', '2'], /--threads is for the HTTP protocols; --protocol statsd-tcp runs on one thread/],
    [['--statsd-address', '127.0.0.1:8125'], /--statsd-address is for --protocol statsd and statsd-tcp, not json/],
    [['--protocol', 'statsd', '--statsd-address', 'localhost'], /--statsd-address must be host:port \(or \[ipv6\]:port\) with a port from 1 to 65535, got "localhost"/],
    [['--protocol', 'statsd', '--statsd-address', 'h:70000'], /--statsd-address must be host:port/],
    [['--protocol', 'statsd', '--interval', '10s'], /--interval is per client id, which --protocol statsd has none of/],
    [['--protocol', 'statsd-tcp', '--http-client', 'raw'], /--http-client is for the HTTP protocols, not --protocol statsd-tcp/],
    [['--connections', '0'], /--connections must be a whole number >= 1, got "0"/],
    [['--batch', '2.5'], /--batch must be a whole number >= 1/],
    [['--rate=-3'], /--rate must be a number of requests per second > 0/],
    [['--duration', 'forever'], /--duration: invalid duration "forever"/],
    [['--target', 'ftp://x'], /--target must be an http:\/\/ or https:\/\/ URL/],
    [['--http-client', 'curl'], /--http-client must be one of raw, undici, got "curl"/],
    [['--threads', '5', '--connections', '4'], /--threads must not exceed --connections \(5 > 4\)/],
    [['--frobnicate'], /Unknown option '--frobnicate'/],
  ];
  for (const [args, re] of cases) assert.throws(() => parseBenchArgs(args), (e: unknown) => e instanceof BenchUsageError && re.test(e.message), args.join(' '));
});

test('StatsD goes to the --target host on port 8125 unless --statsd-address says otherwise', () => {
  assert.deepEqual(parseBenchArgs(['--protocol', 'statsd', '--target', 'http://10.1.2.3:9090'])!.statsdAddress, ['10.1.2.3', 8125]);
  assert.deepEqual(parseBenchArgs(['--protocol', 'statsd', '--target', 'http://[::1]:9090'])!.statsdAddress, ['::1', 8125]);
  assert.deepEqual(parseBenchArgs(['--protocol', 'statsd-tcp', '--statsd-address', 'metrics.local:9125'])!.statsdAddress, ['metrics.local', 9125]);
  assert.deepEqual(parseBenchArgs(['--protocol', 'statsd', '--statsd-address', '[::1]:8126'])!.statsdAddress, ['::1', 8126]);
});
