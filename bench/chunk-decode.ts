// The block chunk decoder alone on the peers' W2 mix (bench lib `makeSeries` / `step`, generator
// in src/tsdb/chunk/peer-mix-fixture.ts: half 2-decimal random-walk gauges, half counters growing by 0–199, 10 s apart), encoded
// once per encoding, then timed: bytes/sample and samples/s for encoding 2 (range coded), 3
// (packed) and what encodeBlockChunk picks, through BlockChunkDecoder.decode (batch) and through
// BlockChunkIterator next/atV; then the chosen chunks written as one block and read back through
// BlockQuerier (select + every sample). Samples per CPU-second of the process; rounds alternate,
// so other load on the shared machine hits all alike.
// Prints figures, asserts nothing.
// Run: npm run build && node dist/bench/chunk-decode.js   env: SERIES (10000) SAMPLES (720) JITTER (0 ms) ROUNDS (5) ONLY
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Matcher } from '../src/storage/index.js';
import { BlockReader, writeBlock, type BlockSeriesInput } from '../src/tsdb/block/index.js';
import { BlockQuerier } from '../src/tsdb/block-querier.js';
import { BlockChunkDecoder, BlockChunkIterator, encodeBlockChunk } from '../src/tsdb/chunk/block-chunk.js';
import { encodeDecimal } from '../src/tsdb/chunk/block-encoder.js';
import { fillPeerMix, lcg } from '../src/tsdb/chunk/peer-mix-fixture.js';

const SERIES = Number(process.env['SERIES'] ?? 10_000);
const SAMPLES = Number(process.env['SAMPLES'] ?? 720);
const JITTER = Number(process.env['JITTER'] ?? 0);
const ROUNDS = Number(process.env['ROUNDS'] ?? 5);
/** ONLY: run just the candidates whose name contains this (e.g. "chosen batch"). */
const ONLY = process.env['ONLY'] ?? '';
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

const sets: Record<string, Uint8Array[]> = { rc: [], packed: [], chosen: [] };
const ts = new Float64Array(SAMPLES);
const vs = new Float64Array(SAMPLES);
const jitter = lcg(42);
const e0 = performance.now();
const encMs = { rc: 0, chosen: 0 };
for (let s = 0; s < SERIES; s++) {
  const m = Math.floor(s / 100);
  const h = s % 100;
  fillPeerMix(ts, vs, SAMPLES, m, h, 1_767_225_600_000, jitter, JITTER);
  let t = performance.now();
  sets['chosen']!.push(encodeBlockChunk(ts, vs, SAMPLES));
  encMs.chosen += performance.now() - t;
  t = performance.now();
  sets['rc']!.push(encodeDecimal(ts, vs, SAMPLES, 'rc'));
  encMs.rc += performance.now() - t;
  sets['packed']!.push(encodeDecimal(ts, vs, SAMPLES, 'packed'));
}
const total = SERIES * SAMPLES;
console.log(`data: ${fmt(SERIES)} series x ${SAMPLES} samples, jitter 0-${JITTER} ms; encoded in ${fmt(performance.now() - e0)} ms (encodeBlockChunk ${fmt(encMs.chosen)} ms)`);
for (const [name, chunks] of Object.entries(sets)) {
  const bytes = chunks.reduce((a, c) => a + c.length, 0);
  const encs = new Map<number, number>();
  for (const c of chunks) encs.set(c[0]!, (encs.get(c[0]!) ?? 0) + 1);
  console.log(`size ${name}: ${(bytes / total).toFixed(4)} B/sample (chunks by encoding byte: ${[...encs].map(([k, v]) => `${k}:${v}`).join(' ')})`);
}

const dec = new BlockChunkDecoder();
const it = new BlockChunkIterator();
const bt = new Float64Array(SAMPLES);
const bv = new Float64Array(SAMPLES);
let sink = 0;
// Sums kept in locals: a module-level accumulator would cost a context store per sample.
function batch(chunks: Uint8Array[]): void {
  let sum = 0;
  for (const c of chunks) {
    const n = dec.decode(c, bt, bv);
    sum += bv[n - 1]!;
  }
  sink += sum;
}
function iter(chunks: Uint8Array[]): void {
  let sum = 0;
  for (const c of chunks) {
    it.reset(c);
    while (it.next()) sum += it.atV();
  }
  sink += sum;
}
const runs: Array<[string, () => void]> = [];
for (const [name, chunks] of Object.entries(sets)) {
  runs.push([`${name} batch`, () => batch(chunks)]);
  runs.push([`${name} iterator`, () => iter(chunks)]);
}
// The chosen chunks as one block, read through the Querier (as a query over raw data does).
const T0 = 1_767_225_600_000;
const dir = mkdtempSync(join(tmpdir(), 'ms-chunk-decode-'));
const input: BlockSeriesInput[] = sets['chosen']!.map((data, s) => ({
  labels: [
    { name: '__name__', value: `bench_${Math.floor(s / 100) % 2 === 0 ? 'gauge' : 'counter'}_${Math.floor(s / 200)}` },
    { name: 'host', value: `host${s % 100}` },
  ],
  chunks: [{ minT: T0, maxT: T0 + (SAMPLES - 1) * 10_000 + JITTER, numSamples: SAMPLES, data }],
}));
const meta = await writeBlock(dir, { tenant: 'default', minTime: T0, maxTime: T0 + SAMPLES * 10_000 + JITTER + 1 }, input);
const reader = await BlockReader.open(join(dir, meta.ulid));
const matchers = [new Matcher('=~', '__name__', 'bench_.*')];
runs.push([
  'chosen BlockQuerier',
  () => {
    let sum = 0;
    const q = new BlockQuerier(reader, T0, T0 + SAMPLES * 10_000);
    for (const s of q.select(matchers)) {
      const it = s.iterator();
      while (it.next()) sum += it.atV();
    }
    q.close();
    sink += sum;
  },
]);

const best = new Map<string, number[]>();
for (let r = 0; r < ROUNDS; r++) {
  for (const [name, f] of runs) {
    if (!name.includes(ONLY)) continue;
    // CPU time of this process, not wall time: other sessions' load on the shared machine barely moves it.
    const c0 = process.cpuUsage();
    f();
    const c = process.cpuUsage(c0);
    const ms = (c.user + c.system) / 1000;
    const list = best.get(name) ?? [];
    list.push(total / (ms / 1000));
    best.set(name, list);
  }
}
for (const [name, list] of best) {
  list.sort((a, b) => a - b);
  console.log(`decode ${name}: median ${fmt(list[list.length >> 1]!)} samples per CPU-s (max ${fmt(list[list.length - 1]!)}, ${ROUNDS} rounds)`);
}
console.log(`checksum ${sink > 0 ? 'ok' : '?'}`);
await reader.close();
rmSync(dir, { recursive: true, force: true });
