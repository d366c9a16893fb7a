// Float64 → decimal conversion for block chunks: finds one power of ten 10^k per chunk such that
// most values are m / 10^k for a safe integer m, bit for bit. Values that are not (NaN with its
// payload, ±Inf, −0, values with more digits than the chunk's k) become exceptions, stored raw.

/** Largest decimal scale: 10^22 is the largest power of ten a float64 holds exactly. */
export const MAX_SCALE = 22;
/** @internal 10^k for k = 0 … MAX_SCALE, all exact. */
export const POW10 = new Float64Array(MAX_SCALE + 1);
for (let k = 0; k <= MAX_SCALE; k++) POW10[k] = 10 ** k;

const MAX_SAFE = Number.MAX_SAFE_INTEGER;
/** Cost model used to pick k: a raw exception costs ~80 bits, a decimal digit ~3.3 bits per value. */
const EXCEPTION_BITS = 80;
const DIGIT_BITS = 3.33;

/** The value that a decoder rebuilds from mantissa m at scale k (what the encoder must verify). */
export function decimalValue(m: number, k: number): number {
  return m / POW10[k]!;
}

/** Smallest k at which v round-trips as m / 10^k; -1 when none does. */
function minScale(v: number): number {
  for (let k = 0; k <= MAX_SCALE; k++) {
    const p = POW10[k]!;
    const x = v * p;
    if (!(Math.abs(x) <= MAX_SAFE)) return -1; // NaN, ±Inf, or too many digits: larger k only grows
    const m = Math.round(x) + 0; // + 0 turns −0 into +0: the decoder's integers have no sign of zero
    if (Object.is(m / p, v)) return k;
  }
  return -1;
}

/** Result of `toDecimal`: the chosen scale and how many values became exceptions. */
export interface DecimalForm {
  scale: number;
  exceptions: number;
}

/**
 * Converts `vs[0, n)` into mantissas at one scale k: `mant[i]` is a safe integer with
 * `mant[i] / 10^k` bit-identical to vs[i], except at the indices listed in `exc[0, exceptions)`
 * (increasing), whose mantissa repeats the previous one (0 at index 0) and whose value must be
 * stored raw. `kOf` is scratch of length ≥ n.
 */
export function toDecimal(vs: Float64Array, n: number, mant: Float64Array, exc: Int32Array, kOf: Int8Array): DecimalForm {
  const hist = new Int32Array(MAX_SCALE + 1);
  let fails = 0;
  for (let i = 0; i < n; i++) {
    const k = minScale(vs[i]!);
    kOf[i] = k;
    if (k < 0) fails++;
    else hist[k]!++;
  }
  // Pick the k that minimises raw exceptions plus the digits every mantissa gains.
  let best = 0;
  let bestCost = Infinity;
  let above = n - fails;
  for (let k = 0; k <= MAX_SCALE; k++) {
    above -= hist[k]!;
    const cost = (fails + above) * EXCEPTION_BITS + n * k * DIGIT_BITS;
    if (cost < bestCost) {
      bestCost = cost;
      best = k;
    }
  }
  const p = POW10[best]!;
  let e = 0;
  let prev = 0;
  for (let i = 0; i < n; i++) {
    const v = vs[i]!;
    const k = kOf[i]!;
    let ok = false;
    if (k >= 0 && k <= best) {
      const x = v * p;
      if (Math.abs(x) <= MAX_SAFE) {
        const m = Math.round(x) + 0;
        if (Object.is(m / p, v)) {
          mant[i] = prev = m;
          ok = true;
        }
      }
    }
    if (!ok) {
      mant[i] = prev;
      exc[e++] = i;
    }
  }
  return { scale: best, exceptions: e };
}
