// StatsD edge cases over raw sockets (node:dgram and node:net): multi-line datagrams, malformed
// lines counted and survived, tags without values, sample rates on gauges, extreme values,
// oversized datagrams and TCP lines, a fuzzed flood, and the final flush on shutdown.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import fc from 'fast-check';
import { BIN, removeDir, startTestNode, tempDir, type TestNode } from './node-harness.js';

let n: TestNode;
const udp = createSocket('udp4');

before(async () => {
  n = await startTestNode({ statsd_flush_interval: '100ms' }, undefined, { statsd: true });
});
after(async () => {
  udp.close();
  await n.stop();
  removeDir(n.dir);
});

function send(payload: string | Buffer, node = n): Promise<void> {
  return new Promise((resolve, reject) => udp.send(payload, node.node.statsdPort!, '127.0.0.1', (e) => (e ? reject(e) : resolve())));
}

async function query(promql: string, node = n): Promise<Record<string, number>> {
  const r = await fetch(`${node.url}/api/v1/query?query=${encodeURIComponent(promql)}`);
  const body = (await r.json()) as any;
  assert.equal(r.status, 200, JSON.stringify(body));
  const out: Record<string, number> = {};
  for (const s of body.data.result) out[JSON.stringify(s.metric)] = Number(s.value[1]);
  return out;
}

async function settles(promql: string, expected: Record<string, number>, node = n): Promise<void> {
  const deadline = Date.now() + 10_000;
  let got: Record<string, number> = {};
  while (Date.now() < deadline) {
    got = await query(promql, node);
    if (JSON.stringify(got) === JSON.stringify(expected)) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  assert.deepEqual(got, expected, promql);
}

async function stats(): Promise<{ statsd_lines_received: number; statsd_malformed_lines: number }> {
  return (await (await fetch(`${n.url}/metrics`)).json()) as any;
}

async function promCounter(name: string): Promise<number> {
  const text = await (await fetch(`${n.url}/metrics`, { headers: { accept: 'text/plain' } })).text();
  const m = new RegExp(`^${name} (\\S+)$`, 'm').exec(text);
  return m ? Number(m[1]) : 0;
}

/** Sends a marker counter and waits until it is stored: every datagram sent before it was handled. */
let markers = 0;
async function drained(): Promise<void> {
  markers++;
  await send(`raw.marker:1|c`);
  await settles('raw_marker', { [JSON.stringify({ __name__: 'raw_marker' })]: markers });
}

const key = (labels: Record<string, string>) => JSON.stringify(labels);

test('several metrics per datagram: LF and CRLF, empty lines, a trailing newline', async () => {
  const before = await stats();
  await send('raw.multi:1|c\nraw.multi:2|c\r\n\nraw.multi_g:7|g\r\nraw.multi:3|c\n');
  await drained();
  await settles('{__name__=~"raw_multi.*"}', { [key({ __name__: 'raw_multi' })]: 6, [key({ __name__: 'raw_multi_g' })]: 7 });
  const after = await stats();
  assert.equal(after.statsd_lines_received - before.statsd_lines_received, 4 + 1);
  assert.equal(after.statsd_malformed_lines, before.statsd_malformed_lines);
});

test('malformed lines are counted (stats JSON and /metrics) and the good lines around them kept', async () => {
  const before = await stats();
  const promBefore = await promCounter('metricstream_statsd_malformed_lines_total');
  const bad = ['garbage', 'raw.bad:1|zz', 'raw.bad:x|c', 'raw.bad:-1|c', 'raw.bad:1|c|@7', ':1|c', 'raw.bad:1|c|unknown'];
  await send(['raw.ok_around:1|c', ...bad, 'raw.ok_around:1|c'].join('\n'));
  // A name is one type: a gauge line for a known counter is dropped as malformed.
  await send('raw.ok_around:5|g');
  // DogStatsD events and service checks are not metrics, nor malformed.
  await send('_e{5,4}:title|text\n_sc|raw.check|0');
  await drained();
  await settles('raw_ok_around', { [key({ __name__: 'raw_ok_around' })]: 2 });
  const after = await stats();
  assert.equal(after.statsd_malformed_lines - before.statsd_malformed_lines, bad.length + 1);
  assert.equal(after.statsd_lines_received - before.statsd_lines_received, bad.length + 2 + 1 + 2 + 1);
  assert.equal((await promCounter('metricstream_statsd_malformed_lines_total')) - promBefore, bad.length + 1);
});

test('tags without a value or with an empty one are dropped, the metric kept', async () => {
  await send('raw.tags:1|c|#env:,flag,team:core,:novalue');
  await drained();
  await settles('raw_tags', { [key({ __name__: 'raw_tags', team: 'core' })]: 1 });
});

test('a sample rate on a gauge or a set is ignored', async () => {
  await send('raw.sampled_g:5|g|@0.1\nraw.sampled_s:a|s|@0.5');
  await drained();
  await settles('raw_sampled_g', { [key({ __name__: 'raw_sampled_g' })]: 5 });
  await settles('max_over_time(raw_sampled_s[1m])', { [key({})]: 1 });
});

test('extreme values: the largest double, tiny values, exponents; beyond a double is malformed', async () => {
  const before = await stats();
  await send('raw.huge:1.7976931348623157e308|g\nraw.tiny:-4.9e-324|g\nraw.exp:2.5E3|g\nraw.over:1e309|g\nraw.bigc:9007199254740993|c');
  await drained();
  await settles('{__name__=~"raw_(huge|tiny|exp|over|bigc)"}', {
    [key({ __name__: 'raw_bigc' })]: 9007199254740992,
    [key({ __name__: 'raw_exp' })]: 2500,
    [key({ __name__: 'raw_huge' })]: 1.7976931348623157e308,
    [key({ __name__: 'raw_tiny' })]: -5e-324,
  });
  assert.equal((await stats()).statsd_malformed_lines - before.statsd_malformed_lines, 1);
});

test('oversized: a 62 KB datagram of 2700 lines is taken whole; a 60 KB name is malformed', async () => {
  const before = await stats();
  const lines = Array.from({ length: 2700 }, (_, i) => `raw.big_dgram:1|c|#k:${i % 10}`).join('\n');
  assert.ok(Buffer.byteLength(lines) > 60_000 && Buffer.byteLength(lines) < 65_507);
  await send(lines);
  await send(`${'n'.repeat(60_000)}:1|c`);
  await drained();
  await settles('sum(raw_big_dgram)', { [key({})]: 2700 });
  const after = await stats();
  assert.equal(after.statsd_lines_received - before.statsd_lines_received, 2700 + 1 + 1);
  assert.equal(after.statsd_malformed_lines - before.statsd_malformed_lines, 1);
});

test('TCP: lines split across writes, CRLF, a last line ended by closing, an oversized line skipped', async () => {
  const before = await stats();
  const sock = connect(n.node.statsdPort!, '127.0.0.1');
  await new Promise<void>((r) => sock.once('connect', () => r()));
  const write = (s: string) => new Promise<void>((r) => sock.write(s, () => r()));
  await write('raw.tcp:1|c\nraw.tc');
  await new Promise((r) => setTimeout(r, 30));
  await write('p:2|c\r\nraw.tcp_\u00e9t\u00e9:3|g|#lieu:caf\u00e9');
  await new Promise((r) => setTimeout(r, 30));
  await write('\n' + 'x'.repeat(70_000));
  await new Promise((r) => setTimeout(r, 30));
  await write('still-the-long-line\nraw.tcp:4|c\nraw.tcp_last:9|g');
  await new Promise<void>((r) => sock.end(() => r()));
  await drained();
  await settles('{__name__=~"raw_tc.*"}', {
    [key({ __name__: 'raw_tcp' })]: 7,
    [key({ __name__: 'raw_tcp___t__', lieu: 'caf\u00e9' })]: 3,
    [key({ __name__: 'raw_tcp_last' })]: 9,
  });
  const after = await stats();
  assert.equal(after.statsd_malformed_lines - before.statsd_malformed_lines, 1);
  // Five good lines, the long one, the marker.
  assert.equal(after.statsd_lines_received - before.statsd_lines_received, 5 + 1 + 1);
});

test('fuzz: random datagrams are counted line by line and never stop the listener', async () => {
  const datagram = fc.array(
    fc.oneof(
      fc.string({ unit: fc.constantFrom(...'ab.:|#@,-+19e gcmshd\r'.split('')), maxLength: 30 }),
      fc.string({ unit: 'binary', maxLength: 30 }),
      fc.constantFrom('raw.fz:1|c', 'raw.fz:1|g|#a:b', '_e{1,1}:a|b'),
    ),
    { minLength: 1, maxLength: 20 },
  );
  const samples = fc.sample(datagram, { numRuns: 200, seed: 42 });
  const before = await stats();
  let expected = 0;
  for (const lines of samples) {
    const text = lines.join('\n');
    expected += text.split('\n').filter((l) => l.replace(/\r$/, '').length > 0).length;
    await send(text);
  }
  await drained();
  const after = await stats();
  assert.equal(after.statsd_lines_received - before.statsd_lines_received, expected + 1);
  assert.ok(after.statsd_malformed_lines > before.statsd_malformed_lines);
  assert.equal((await fetch(`${n.url}/health`)).status, 200);
});

test('shutdown writes what arrived since the last flush', async () => {
  const dir = tempDir();
  // A flush interval far longer than the test: only the final flush can write these.
  const a = await startTestNode({ statsd_flush_interval: '1h' }, dir, { statsd: true });
  try {
    await send('raw.final:3|c\nraw.final_g:8|g', a);
    // UDP gives no acknowledgement: wait until the node counted both lines.
    for (let i = 0; i < 200; i++) {
      const s = (await (await fetch(`${a.url}/metrics`)).json()) as any;
      if (s.statsd_lines_received === 2) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    assert.deepEqual(await query('raw_final', a), {});
  } finally {
    await a.stop();
  }
  const b = await startTestNode({}, dir);
  try {
    assert.deepEqual(await query('{__name__=~"raw_final.*"}', b), { [key({ __name__: 'raw_final' })]: 3, [key({ __name__: 'raw_final_g' })]: 8 });
  } finally {
    await b.stop();
    removeDir(dir);
  }
});

test('a StatsD port already taken stops the start with a message naming the flag', async () => {
  const holder = createSocket('udp4');
  await new Promise<void>((r) => holder.bind(0, '127.0.0.1', () => r()));
  const port = holder.address().port;
  const dir = tempDir();
  try {
    await assert.rejects(startTestNode({ statsd_port: String(port) }, dir), (e: Error) => {
      assert.match(e.message, new RegExp(`cannot listen for StatsD on 127\\.0\\.0\\.1:${port} \\(UDP and TCP\\): .*EADDRINUSE.*choose another --statsd-port, or 0 to turn StatsD off`));
      return true;
    });
    // The command line says the same and exits 2, as for a taken HTTP port.
    const r = spawnSync(process.execPath, [BIN, 'serve', '--port', '0', '--listen', '127.0.0.1', '--data-dir', dir, '--statsd-port', String(port)], { encoding: 'utf8', timeout: 20_000 });
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /^metricstream: cannot listen for StatsD on .*choose another --statsd-port/);
  } finally {
    holder.close();
    removeDir(dir);
  }
});
