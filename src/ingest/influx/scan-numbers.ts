// Line-protocol numbers read straight from the body's bytes, for the forms almost every writer
// sends (a plain decimal float, an integer field, a boolean, a timestamp of at most 19 digits). Each returns
// NaN when the text is not of that simple form; the caller then takes the text parser's path,
// which knows every other form and every error message (parse.ts).

/** 10^0 .. 10^22: exactly representable as doubles. */
const POW10 = Array.from({ length: 23 }, (_, i) => Number(`1e${i}`));
/** Decimal digits dropped to turn a timestamp in these units into ms (ns, us), or 0. */
const DROP: Readonly<Record<string, number>> = { ns: 6, us: 3, ms: 0, s: 0, m: 0, h: 0 };
const FACTOR: Readonly<Record<string, number>> = { ns: 1, us: 1, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
/** int64's largest value, as ASCII digits. */
const INT64_MAX = [57, 50, 50, 51, 51, 55, 50, 48, 51, 54, 56, 53, 52, 55, 55, 53, 56, 48, 55];

/**
 * The value of b[from, to) when it is `[-]digits[.digits]` with at most 15 digits in all, else
 * NaN. Exact: the digits form an integer below 2^53 and 10^k (k <= 15) is a double, so one
 * division rounds correctly, as Number() of the same text does (Clinger's fast path).
 */
export function scanDecimal(b: Uint8Array, from: number, to: number): number {
  let i = from;
  const neg = b[i] === 45;
  if (neg) i++;
  let m = 0;
  let digits = 0;
  let frac = -1;
  for (; i < to; i++) {
    const c = b[i]!;
    if (c >= 48 && c <= 57) {
      m = m * 10 + (c - 48);
      digits++;
    } else if (c === 46 && frac < 0) frac = i;
    else return NaN;
  }
  if (digits === 0 || digits > 15) return NaN;
  const v = frac < 0 ? m : m / POW10[to - frac - 1]!;
  return neg ? -v : v;
}

/**
 * An integer field's value: b[from, to) is `[-]digits` then `i` (or `u`, without the minus),
 * at most 15 digits; else NaN (larger ones are checked against the int64 and uint64 bounds by
 * the text parser).
 */
export function scanInteger(b: Uint8Array, from: number, to: number): number {
  const last = b[to - 1];
  let i = from;
  const neg = b[i] === 45;
  if (neg) {
    if (last !== 105) return NaN;
    i++;
  }
  const end = to - 1;
  if (end - i < 1 || end - i > 15) return NaN;
  let m = 0;
  for (; i < end; i++) {
    const c = b[i]! - 48;
    if (c < 0 || c > 9) return NaN;
    m = m * 10 + c;
  }
  return neg ? -m : m;
}

/**
 * A timestamp b[from, to) in `precision` units as ms, when it is 1 to 19 ASCII digits inside
 * int64 and the result is exact (at most 15 digits kept); else NaN.
 */
export function scanTimestamp(b: Uint8Array, from: number, to: number, precision: string): number {
  const len = to - from;
  if (len < 1 || len > 19) return NaN;
  const drop = DROP[precision]!;
  const keepTo = drop > 0 ? to - drop : to;
  if (keepTo - from > 15) return NaN;
  let m = 0;
  let i = from;
  for (; i < keepTo; i++) {
    const c = b[i]! - 48;
    if (c < 0 || c > 9) return NaN;
    m = m * 10 + c;
  }
  for (; i < to; i++) {
    const c = b[i]! - 48;
    if (c < 0 || c > 9) return NaN;
  }
  // 19 digits starting with 9 may pass int64's largest value (which starts with 9).
  if (len === 19 && b[from] === 57) {
    for (let k = 1; k < 19; k++) {
      const c = b[from + k]!;
      const x = INT64_MAX[k]!;
      if (c < x) break;
      if (c > x) return NaN;
    }
  }
  return drop > 0 ? m : m * FACTOR[precision]!;
}

/** A boolean field value (t, T, true, True, TRUE, f, F, false, False, FALSE) as 1 or 0; else NaN. */
export function scanBool(b: Uint8Array, from: number, to: number): number {
  const c = b[from];
  const len = to - from;
  if (c === 116 || c === 84) {
    if (len === 1) return 1;
    if (len === 4 && isWord(b, from, 'true')) return 1;
    return NaN;
  }
  if (c === 102 || c === 70) {
    if (len === 1) return 0;
    if (len === 5 && isWord(b, from, 'false')) return 0;
    return NaN;
  }
  return NaN;
}

/** Whether b[from..] spells `word` as all lower case, capitalised or all upper case. */
function isWord(b: Uint8Array, from: number, word: string): boolean {
  let lower = true;
  let upper = true;
  for (let k = 1; k < word.length; k++) {
    const c = b[from + k]!;
    const w = word.charCodeAt(k);
    if (c !== w) lower = false;
    if (c !== w - 32) upper = false;
  }
  if (lower) return true;
  // All upper case only with an upper-case first letter (TRUE, not tRUE).
  return upper && b[from]! < 97;
}
