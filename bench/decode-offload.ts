// Main-thread cost of a body decoded on the main thread vs handed to the decode pool, by protocol
// and batch size: what sets --ingest-decode-min-bytes. The main thread is the one storage writer,
// so its milliseconds per body are what a worker can save; event-loop utilisation measures them
// whatever else the machine runs. Run: npm run build && node dist/bench/decode-offload.js [workers]
import { performance } from 'node:perf_hooks';
import { gunzip, gunzipSync, gzipSync } from 'node:zlib';
import { makeSeries } from '../src/bench/payload.js';
import { PROTOCOLS, writeTimestamp } from '../src/bench/protocol.js';
import { DecodePool } from '../src/ingest/decode/decode-pool.js';
import type { DecodeSettings } from '../src/ingest/decode/decoder.js';
import { decoderOf } from '../src/ingest/decode/decoders.js';
import { testLimits } from '../src/ingest/validate-fixtures.js';

const WORKERS = Number(process.argv[2] ?? 2);
const LIMITS = testLimits({ retentionMs: 0 });
const SETTINGS: DecodeSettings = { limits: LIMITS, maxBytes: 64 << 20, maxMetrics: 1_000_000 };
const REGISTERED: Record<string, string> = { json: 'json', import: 'import', influx: 'influx', 'remote-write': 'remote_write' };

/** Main-thread ms per body: the loop's active time over `n` bodies (8 in flight for the pool). */
async function mainMsPerBody(n: number, one: () => Promise<unknown> | unknown, inFlight: number): Promise<number> {
  for (let i = 0; i < 20; i++) await one();
  const elu0 = performance.eventLoopUtilization();
  const pending: (Promise<unknown> | unknown)[] = [];
  for (let i = 0; i < n; i++) {
    pending.push(one());
    if (pending.length >= inFlight) await pending.shift();
  }
  await Promise.all(pending);
  return performance.eventLoopUtilization(elu0).active / n;
}

const pool = new DecodePool({ workers: WORKERS, minBytes: 0, settings: SETTINGS });
console.log(`# decode-offload workers=${WORKERS} load ${(await import('node:os')).loadavg().map((l) => l.toFixed(2)).join(' ')}`);
console.log('protocol      batch   body bytes   main ms/body inline   main ms/body pool   pool/inline');
for (const name of ['json', 'import', 'influx', 'remote-write']) {
  for (const batch of [3, 30, 100, 300, 1000]) {
    const t = PROTOCOLS.get(name)!.encode(makeSeries(batch));
    const now = Date.now();
    if (t.tsOffsets !== null) for (let j = 0; j < t.samples; j++) (t.writeTime ?? writeTimestamp)(t.body, t.tsOffsets[j]!, now - 1000);
    const ctx = { now, params: name === 'influx' ? { precision: 'ms' } : {} };
    const decoder = decoderOf(REGISTERED[name]!);
    const n = Math.max(100, Math.round(200_000 / batch));
    // The body's decode result is awaited the same way in both cases (a handler awaits it).
    const inline = await mainMsPerBody(n, () => decoder(t.body, ctx, SETTINGS), 1);
    const viaPool = await mainMsPerBody(n, () => pool.decode(REGISTERED[name]!, t.body, ctx), 8);
    console.log(
      `${name.padEnd(13)} ${String(batch).padStart(5)}  ${String(t.body.length).padStart(11)}  ${inline.toFixed(4).padStart(20)}  ${viaPool.toFixed(4).padStart(18)}  ${(viaPool / inline).toFixed(2).padStart(11)}`,
    );
  }
}
// Where gzip is undone: zlib's async gunzip runs on libuv's thread pool; the sync one on the
// main thread. The body read (src/api/body.ts) uses the async one.
console.log('\ngzip (1000-sample seed JSON)   wire bytes   main ms/body gunzipSync   main ms/body async gunzip');
{
  const raw = PROTOCOLS.get('json')!.encode(makeSeries(1000)).body;
  const gz = gzipSync(raw);
  const n = 400;
  const sync = await mainMsPerBody(n, () => gunzipSync(gz), 1);
  const viaPool = await mainMsPerBody(n, () => new Promise((res, rej) => gunzip(gz, (e, out) => (e ? rej(e) : res(out)))), 8);
  console.log(`${' '.repeat(30)} ${String(gz.length).padStart(11)}  ${sync.toFixed(4).padStart(22)}  ${viaPool.toFixed(4).padStart(26)}`);
}
await pool.close();
