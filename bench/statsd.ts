// StatsD lines/s over UDP into a fresh node (a child process running the real binary): for each
// offered rate (lines/s, or `max`), sends pre-built datagrams of LINES_PER_DATAGRAM lines (a mix
// of counters with sample rates, gauges, timers, histograms and sets over SERIES tagged series)
// for SECONDS, then prints lines/s sent, lines/s the node counted (its statsd_lines_received
// stat), loss %, and the node's CPU. `metricstream bench --protocol statsd` loads a running node
// at one rate with gauges and counters; this script starts its own node and sweeps rates with
// every StatsD type.
//
//   npm run build && node dist/bench/statsd.js [seconds] [rates...]
//   e.g. node dist/bench/statsd.js 10 max 400000 200000
import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { readFileSync, rmSync } from 'node:fs';
import { BIN, freePort, tempDir, waitReady } from '../test/node-harness.js';

const SECONDS = Number(process.argv[2] ?? 10);
const RATES = process.argv.length > 3 ? process.argv.slice(3) : ['max', '400000', '200000'];
const LINES_PER_DATAGRAM = Number(process.env.LINES_PER_DATAGRAM ?? 20);
const SERIES = Number(process.env.SERIES ?? 1000);

function datagrams(): Buffer[] {
  const lines: string[] = [];
  for (let i = 0; i < SERIES; i++) {
    const tags = `|#host:host${i % 50},app:bench`;
    switch (i % 5) {
      case 0: lines.push(`bench.requests_${i % 100}:1|c${tags}`); break;
      case 1: lines.push(`bench.sampled_${i % 100}:1|c|@0.5${tags}`); break;
      case 2: lines.push(`bench.queue_${i % 100}:${i}|g${tags}`); break;
      case 3: lines.push(`bench.latency_${i % 100}:${(i * 7) % 1000}|ms${tags}`); break;
      default: lines.push(`bench.users_${i % 100}:user${i}|s${tags}`);
    }
  }
  const out: Buffer[] = [];
  for (let i = 0; i < lines.length; i += LINES_PER_DATAGRAM) out.push(Buffer.from(lines.slice(i, i + LINES_PER_DATAGRAM).join('\n')));
  return out;
}

async function stat(url: string): Promise<number> {
  const s = (await (await fetch(`${url}/metrics`)).json()) as { statsd_lines_received: number };
  return s.statsd_lines_received;
}

/** CPU ms (user + system) of a process, from /proc. */
function cpuMs(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return ((Number(f[11]) + Number(f[12])) * 1000) / 100;
}

async function run(url: string, port: number, pid: number, rate: string, grams: Buffer[]): Promise<string> {
  const sock = createSocket('udp4');
  const linesOf = grams.map((g) => g.toString().split('\n').length);
  const before = await stat(url);
  const cpu0 = cpuMs(pid);
  const t0 = performance.now();
  const end = t0 + SECONDS * 1000;
  const perSecond = rate === 'max' ? Infinity : Number(rate);
  let sent = 0;
  let k = 0;
  let inFlight = 0;
  await new Promise<void>((resolve) => {
    const pump = () => {
      const now = performance.now();
      if (now >= end) {
        if (inFlight === 0) resolve();
        else setTimeout(pump, 1);
        return;
      }
      // Open loop at the given rate (lines due by now), or as fast as the socket takes them.
      const due = perSecond === Infinity ? Infinity : ((now - t0) / 1000) * perSecond;
      let burst = 0;
      while (sent < due && inFlight < 256 && burst < 512) {
        const g = grams[k]!;
        sent += linesOf[k]!;
        k = (k + 1) % grams.length;
        inFlight++;
        burst++;
        sock.send(g, port, '127.0.0.1', () => inFlight--);
      }
      setImmediate(pump);
    };
    pump();
  });
  const elapsed = (performance.now() - t0) / 1000;
  // Let the node catch up on what the kernel still holds.
  let received = (await stat(url)) - before;
  for (let i = 0; i < 40; i++) {
    await new Promise((r) => setTimeout(r, 50));
    const now = (await stat(url)) - before;
    if (now === received) break;
    received = now;
  }
  const cpu = (cpuMs(pid) - cpu0) / 1000 / elapsed;
  sock.close();
  const loss = sent === 0 ? 0 : ((sent - received) / sent) * 100;
  return `| ${rate} | ${Math.round(sent / elapsed).toLocaleString('en-US')} | ${Math.round(received / elapsed).toLocaleString('en-US')} | ${loss.toFixed(2)} % | ${(cpu * 100).toFixed(0)} % |`;
}

async function main(): Promise<void> {
  const dir = tempDir('ms-bench-statsd-');
  const httpPort = await freePort();
  const statsdPort = await freePort();
  const child = spawn(process.execPath, [BIN, 'serve', '--port', String(httpPort), '--listen', '127.0.0.1', '--data-dir', dir, '--statsd-port', String(statsdPort), '--statsd-flush-interval', '1s', '--log-level', 'warn'], { stdio: ['ignore', 'inherit', 'inherit'] });
  const url = `http://127.0.0.1:${httpPort}`;
  try {
    await waitReady(url);
    const grams = datagrams();
    console.log(`StatsD over UDP: ${SECONDS} s per rate, ${LINES_PER_DATAGRAM} lines per datagram (${Math.round(grams.reduce((a, g) => a + g.length, 0) / grams.length)} bytes), ${SERIES} series; load average ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`);
    console.log('| offered | lines/s sent | lines/s received | loss | node CPU (of one core) |');
    console.log('|---|---|---|---|---|');
    for (const rate of RATES) console.log(await run(url, statsdPort, child.pid!, rate, grams));
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
