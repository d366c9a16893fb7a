// Compensated (Kahan-Neumaier) summation and the running mean Prometheus uses for sum and avg,
// so that results match its own to the last digit where the test files check them.

/** Adds inc to sum with compensation c; returns [sum, c]. */
export function kahanSumInc(inc: number, sum: number, c: number): [number, number] {
  const t = sum + inc;
  if (!Number.isFinite(t) && !Number.isNaN(t)) c = 0;
  else if (Math.abs(sum) >= Math.abs(inc)) c += sum - t + inc;
  else c += inc - t + sum;
  return [t, c];
}

/** Compensated sum of vs[from..to). */
export function kahanSum(vs: ArrayLike<number>, from = 0, to = vs.length): number {
  let sum = 0;
  let c = 0;
  for (let i = from; i < to; i++) {
    // kahanSumInc, inlined: no tuple per value.
    const inc = vs[i]!;
    const t = sum + inc;
    if (!Number.isFinite(t) && !Number.isNaN(t)) c = 0;
    else if (Math.abs(sum) >= Math.abs(inc)) c += sum - t + inc;
    else c += inc - t + sum;
    sum = t;
  }
  return Number.isFinite(sum) ? sum + c : sum;
}

/** Mean of vs[from..to) by compensated sum, switching to an incremental mean when the sum would overflow. */
export function kahanMean(vs: ArrayLike<number>, from = 0, to = vs.length): number {
  if (to <= from) return NaN;
  let sum = vs[from]!;
  let c = 0;
  let mean = 0;
  let incremental = false;
  for (let i = from + 1; i < to; i++) {
    const f = vs[i]!;
    const count = i - from + 1;
    if (!incremental) {
      // kahanSumInc(f, sum, c), inlined.
      const ns = sum + f;
      let nc = c;
      if (!Number.isFinite(ns) && !Number.isNaN(ns)) nc = 0;
      else if (Math.abs(sum) >= Math.abs(f)) nc += sum - ns + f;
      else nc += f - ns + sum;
      if (Number.isFinite(ns) || Number.isNaN(ns)) {
        sum = ns;
        c = nc;
        continue;
      }
      incremental = true;
      mean = sum / (count - 1);
      c /= count - 1;
    }
    const q = (count - 1) / count;
    [mean, c] = kahanSumInc(f / count, q * mean, q * c);
  }
  if (incremental) return mean + c;
  return (sum + c) / (to - from);
}

/** Population variance by Welford's method, as Prometheus's stdvar/stddev aggregation. */
export function welfordVariance(vs: ArrayLike<number>): number {
  let n = 0;
  let mean = 0;
  let m2 = 0;
  for (let i = 0; i < vs.length; i++) {
    const f = vs[i]!;
    n++;
    const delta = f - mean;
    mean += delta / n;
    m2 += delta * (f - mean);
  }
  return m2 / n;
}

/** Population variance of vs[from..to) by Welford's method with compensated sums, as stdvar_over_time. */
export function kahanWelfordVariance(vs: ArrayLike<number>, from = 0, to = vs.length): number {
  let n = 0;
  let mean = 0;
  let cMean = 0;
  let aux = 0;
  let cAux = 0;
  for (let i = from; i < to; i++) {
    const f = vs[i]!;
    n++;
    const delta = f - (mean + cMean);
    [mean, cMean] = kahanSumInc(delta / n, mean, cMean);
    [aux, cAux] = kahanSumInc(delta * (f - (mean + cMean)), aux, cAux);
  }
  return (aux + cAux) / n;
}
