// The peers' benchmark data (../shared/peer-bench lib `makeSeries` / `step`), generator copied so
// tests and benches of chunk encodings see the same values: metric m on host h is a random walk
// in [0, 100] with 2 decimals (even m) or a counter growing by 0–199 per step (odd m), 10 s apart.

/** The benchmark's PRNG, a 32-bit LCG. */
export const lcg =
  (seed: number) =>
  (): number =>
    (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;

/**
 * Writes `n` samples of metric `m` on host `h` into ts/vs from `t0`, each timestamp moved by
 * 0..`jitterMs` ms drawn from `jitter`.
 */
export function fillPeerMix(ts: Float64Array, vs: Float64Array, n: number, m: number, h: number, t0: number, jitter: () => number, jitterMs: number): void {
  const gauge = m % 2 === 0;
  const rnd = lcg(m * 7919 + h * 104729 + 1);
  rnd();
  rnd();
  let value = gauge ? rnd() * 100 : Math.floor(rnd() * 1e6);
  for (let i = 0; i < n; i++) {
    if (gauge) value = Math.min(100, Math.max(0, value + (rnd() - 0.5) * 4));
    else value += Math.floor(rnd() * 200);
    vs[i] = gauge ? Math.round(value * 100) / 100 : value;
    ts[i] = t0 + i * 10_000 + (jitterMs > 0 ? Math.floor(jitter() * (jitterMs + 1)) : 0);
  }
}
