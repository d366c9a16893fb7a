// The head's read path alone: ChunksIterator.fill over 1200 series x 500 samples (counters 10 s
// apart, half with increments below 3 and half below 200, decimal varint chunks of 120 samples), the whole series and only its last 20% (a range
// cache refresh: the iterator skips to mint inside the chunk first). CPU ms per pass over all
// series; for a before/after, copy it into another checkout's bench/ and alternate the two
// builds' runs. Prints figures, asserts nothing. Run `npm run build && node dist/bench/head-decode.js`.
import { VarintAppender } from '../src/tsdb/chunk/varint-test-fixtures.js';
import { ChunksIterator } from '../src/tsdb/series-iterator.js';

const SERIES = 1200;
const SAMPLES = 500;
const T0 = 1_700_000_000_000;
let seed = 7;
const rnd = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
const series: Uint8Array[][] = [];
for (let s = 0; s < SERIES; s++) {
  const chunks: Uint8Array[] = [];
  let app = new VarintAppender();
  let v = Math.floor(rnd() * 1e5);
  for (let i = 0; i < SAMPLES; i++) {
    if (app.count === 120) {
      chunks.push(app.close());
      app = new VarintAppender();
    }
    // Half the series count slowly (one-byte deltas), half as request counters (two-byte ones).
    app.append(T0 + i * 10_000, (v += Math.floor(rnd() * (s % 2 === 0 ? 3 : 200))));
  }
  chunks.push(app.close());
  series.push(chunks);
}
const ts = new Float64Array(1 << 16);
const vs = new Float64Array(1 << 16);
const tailFrom = T0 + SAMPLES * 0.8 * 10_000;

/** One pass over every series from mint on; the chunks given are those overlapping, as the head's chunksIn picks them. */
function pass(mint: number): number {
  let n = 0;
  for (const c of series) n += new ChunksIterator(mint === -Infinity ? c : c.slice(-2), mint, Infinity).fill(ts, vs, 0);
  return n;
}

for (const [name, mint] of [
  ['whole series', -Infinity],
  ['last 20%', tailFrom],
] as const) {
  for (let i = 0; i < 20; i++) pass(mint);
  const runs = 100;
  let n = 0;
  const c0 = process.cpuUsage();
  for (let i = 0; i < runs; i++) n += pass(mint);
  const c = process.cpuUsage(c0);
  const ms = (c.user + c.system) / 1000 / runs;
  console.log(`${name.padEnd(13)} ${ms.toFixed(2)} ms CPU per pass, ${n / runs} samples, ${((ms * 1e6) / (n / runs)).toFixed(1)} ns/sample`);
}
