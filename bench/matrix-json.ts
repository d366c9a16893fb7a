// Matrix answer writing alone (src/api/matrix-json.ts): the raw [1h] answer of bench/query-peers.sh
// (one series, 360 points 10 s apart, gauge values of two decimals). Prints the time of the first
// 10 answers of a fresh process (as the W4 runs meet them: code not optimised yet) and the warm
// time per answer. Prints figures, asserts nothing. Run `npm run build && node dist/bench/matrix-json.js`;
// for a before/after, copy it into another checkout's bench/ and alternate the two builds' runs.
import { matrixAnswerBytes } from '../src/api/matrix-json.js';
import { labelsFromRecord } from '../src/storage/index.js';

const labels = labelsFromRecord({ __name__: 'bench_gauge_07', host: 'host042', region: 'eu-west-1', unit: 'seconds' });

function answer(seed: number): { labels: typeof labels; ts: Float64Array; vs: Float64Array }[] {
  const ts = new Float64Array(360);
  const vs = new Float64Array(360);
  for (let i = 0; i < 360; i++) {
    ts[i] = 1_795_675_860_000 + i * 10_000;
    // Two-decimal gauge values from 0.01 to 999.99: about one in eleven has a v * 100 that is
    // an ulp off a whole number (10.03 * 100 = 1002.9999999999999).
    vs[i] = (((i * 7919 + seed * 31) % 99_999) + 1) / 100;
  }
  return [{ labels, ts, vs }];
}

const first: number[] = [];
for (let r = 0; r < 10; r++) {
  const a = answer(r);
  const t0 = performance.now();
  matrixAnswerBytes(a);
  first.push(performance.now() - t0);
}
const a = answer(99);
for (let r = 0; r < 2000; r++) matrixAnswerBytes(a);
const runs = 5000;
const cpu0 = process.cpuUsage();
for (let r = 0; r < runs; r++) matrixAnswerBytes(a);
const cpu = process.cpuUsage(cpu0);
const sorted = [...first].sort((x, y) => x - y);
console.log(`first 10 answers: ${first.map((x) => x.toFixed(3)).join(' ')} ms (median ${sorted[5]!.toFixed(3)})`);
console.log(`warm: ${((cpu.user + cpu.system) / runs).toFixed(1)} µs CPU per answer (360 points)`);

// The uncached sum(rate) answer's shape: 100 series x 241 points 15 s apart, rate-like values
// (k / 300: most need the general shortest-digits printing).
let seed = 7;
const rnd = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
const range = Array.from({ length: 100 }, (_, h) => {
  const ts = new Float64Array(241);
  const vs = new Float64Array(241);
  for (let i = 0; i < 241; i++) {
    ts[i] = 1_795_742_560_000 + i * 15_000;
    vs[i] = Math.round(rnd() * 2000) / 300;
  }
  return { labels: labelsFromRecord({ host: `host${String(h).padStart(3, '0')}` }), ts, vs };
});
for (let r = 0; r < 30; r++) matrixAnswerBytes(range);
const rangeRuns = 100;
const cpu1 = process.cpuUsage();
for (let r = 0; r < rangeRuns; r++) matrixAnswerBytes(range);
const cpu2 = process.cpuUsage(cpu1);
console.log(`range answer: ${((cpu2.user + cpu2.system) / rangeRuns / 1000).toFixed(2)} ms CPU per answer (100 series x 241 rate-like points)`);
