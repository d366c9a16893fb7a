// Constants and helpers of the head's decimal varint chunk (encoding 8), shared by its appender
// and iterator. Byte layout: docs/format/chunks.md.
//
// Why a second head encoding next to XOR: most pushed values are decimals (a gauge with two
// decimals, an integer counter), for which XOR'ed float bits cost 4-8 bytes a sample; the integer
// mantissa's delta costs 1-3. Whole bytes also make appending and reading cheaper than bit fields.

/** Encoding byte of decimal varint chunks. */
export const ENCODING_VARINT = 8;
/** Bytes before the samples: encoding (1) + big-endian sample count (2), as XOR chunks. */
export const VARINT_HEADER_BYTES = 3;
/** Most samples one chunk holds (the count field has 16 bits). */
export const VARINT_MAX_SAMPLES = 0xffff;
/** Largest decimal exponent tried: values with more decimals are stored as raw float64 bits. */
export const MAX_EXPONENT = 9;
/** Mantissas stay below this in magnitude, so deltas, zigzag and the tag bit stay exact doubles. */
export const MAX_MANTISSA = 2 ** 49;

/** 10^e for e in 0..MAX_EXPONENT; encoder and decoder divide by the same doubles. */
export const POW10: readonly number[] = Array.from({ length: MAX_EXPONENT + 1 }, (_, e) => 10 ** e);

/**
 * The mantissa of `v` at exponent `e` when `m / 10^e` gives back exactly `v` (so the decoder's
 * division restores the same double), else NaN. -0 and non-finite values have none.
 */
export function mantissaAt(v: number, e: number): number {
  const p = POW10[e]!;
  const m = Math.round(v * p);
  if (m / p !== v || m >= MAX_MANTISSA || m <= -MAX_MANTISSA) return NaN;
  // m / p === v also holds for v = -0 with m = 0: -0 keeps its sign bit only as raw bits.
  if (m === 0 && 1 / v < 0) return NaN;
  return m;
}

/** The smallest exponent ≥ `from` at which `v` has a mantissa, or -1. */
export function exponentFor(v: number, from: number): number {
  if (!Number.isFinite(v)) return -1;
  for (let e = from; e <= MAX_EXPONENT; e++) if (!Number.isNaN(mantissaAt(v, e))) return e;
  return -1;
}
