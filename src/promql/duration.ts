// Prometheus duration literals (`1h30m`, `500ms`) and number formatting, as prometheus/common's
// model.ParseDuration / model.Duration.String and Go's strconv.FormatFloat(v, 'f', -1, 64).

const UNITS: readonly (readonly [string, number])[] = [
  ['y', 365 * 24 * 3600_000],
  ['w', 7 * 24 * 3600_000],
  ['d', 24 * 3600_000],
  ['h', 3600_000],
  ['m', 60_000],
  ['s', 1000],
  ['ms', 1],
];

const UNIT_ORDER: Record<string, readonly [pos: number, ms: number]> = {
  y: [1, 365 * 24 * 3600_000],
  w: [2, 7 * 24 * 3600_000],
  d: [3, 24 * 3600_000],
  h: [4, 3600_000],
  m: [5, 60_000],
  s: [6, 1000],
  ms: [7, 1],
};

// time.Duration is int64 nanoseconds; model.ParseDuration refuses what does not fit.
const MAX_NS = 2n ** 63n - 1n;

/** Parses a duration such as `1h30m` into milliseconds; throws Error with Prometheus's text. */
export function parseDuration(orig: string): number {
  if (orig === '') throw new Error('empty duration string');
  if (orig === '0') return 0;
  const invalid = (): Error => new Error(`not a valid duration string: "${orig}"`);
  let s = orig;
  let lastPos = 0;
  let ns = 0n;
  while (s !== '') {
    const num = /^\d+/.exec(s)?.[0];
    if (num === undefined) throw invalid();
    s = s.slice(num.length);
    const unit = /^\D+/.exec(s)?.[0];
    if (unit === undefined) throw invalid();
    s = s.slice(unit.length);
    const u = UNIT_ORDER[unit];
    if (u === undefined) throw new Error(`unknown unit "${unit}" in duration "${orig}"`);
    // Units must come from biggest to smallest, each at most once.
    if (u[0] <= lastPos) throw invalid();
    lastPos = u[0];
    const mult = BigInt(u[1]) * 1_000_000n;
    const v = BigInt(num);
    if (v > 2n ** 63n / mult) throw new Error('duration out of range');
    ns += v * mult;
    if (ns > MAX_NS) throw new Error('duration out of range');
  }
  return Number(ns / 1_000_000n);
}

/** Formats milliseconds as Prometheus does (`1h30m`, `0s`); sub-millisecond parts are dropped. */
export function formatDuration(msIn: number): string {
  let ms = Math.trunc(msIn);
  if (ms === 0) return '0s';
  let out = '';
  for (const [unit, mult] of UNITS) {
    // Years and weeks are printed only when they divide the rest exactly.
    if ((unit === 'y' || unit === 'w') && ms % mult !== 0) continue;
    const v = Math.floor(ms / mult);
    if (v > 0) {
      out += `${v}${unit}`;
      ms -= v * mult;
    }
  }
  return out;
}

/**
 * Go's strconv.FormatFloat(v, 'f', -1, 64): shortest round-trip digits, never an exponent.
 * Answers print tens of thousands of these, so whole numbers and numbers of two decimals (most
 * gauges) take a short way: for |v| < 1e12 no other number of at most two decimals is as close
 * to v as its own decimal text, so that text is the shortest that reads back as v.
 */
export function formatNumber(v: number): string {
  if (Number.isInteger(v)) {
    if (v === 0) return Object.is(v, -0) ? '-0' : '0';
    if (v < 1e21 && v > -1e21) return String(v);
  } else {
    // Rounded: v * 100 as is is an ulp off for about one two-decimal value in eleven
    // (10.03 * 100 = 1002.9999999999999), which then took the general way.
    const c = Math.round(v * 100);
    if (c < 1e14 && c > -1e14 && c / 100 === v) {
      const a = c < 0 ? -c : c;
      const whole = Math.floor(a / 100);
      const cents = a - whole * 100;
      const frac = cents % 10 === 0 ? String(cents / 10) : cents < 10 ? '0' + String(cents) : String(cents);
      return (c < 0 ? '-' : '') + String(whole) + '.' + frac;
    }
  }
  return formatDigits(v);
}

/** formatNumber's general way: JavaScript's shortest digits, exponent written out. */
export function formatDigits(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  if (Object.is(v, -0)) return '-0';
  const s = String(v);
  const e = s.indexOf('e');
  if (e < 0) return s;
  const neg = s.startsWith('-');
  const mant = s.slice(neg ? 1 : 0, e);
  const exp = Number(s.slice(e + 1));
  const dot = mant.indexOf('.');
  const digits = mant.replace('.', '');
  const intLen = (dot < 0 ? mant.length : dot) + exp;
  let out: string;
  if (intLen <= 0) out = '0.' + '0'.repeat(-intLen) + digits;
  else if (intLen >= digits.length) out = digits + '0'.repeat(intLen - digits.length);
  else out = digits.slice(0, intLen) + '.' + digits.slice(intLen);
  return (neg ? '-' : '') + out;
}

/**
 * Parses a NUMBER token as Prometheus does: Go's strconv.ParseInt(s, 0, 64) first (so `0x1f`,
 * `0o17`, `017` octal and `1_000` work), then strconv.ParseFloat. Returns Go's ParseFloat
 * error text (`invalid syntax`, `value out of range`) when it is not a number.
 */
export function parseNumber(s: string): number | string {
  const lower = s.toLowerCase();
  if (lower === 'inf' || lower === '+inf') return Infinity;
  if (lower === '-inf') return -Infinity;
  if (lower === 'nan') return NaN;
  const int = parseGoInt(s);
  if (int !== undefined) return int;
  // ParseFloat: decimal with optional fraction/exponent; underscores only between digits.
  if (/^(\d(_?\d)*)?(\.(\d(_?\d)*)?)?([eE][+-]?\d(_?\d)*)?$/.test(s) && /\d/.test(s.replace(/[eE].*$/, ''))) {
    const v = Number(s.replace(/_/g, ''));
    if (!Number.isFinite(v)) return 'value out of range';
    if (!Number.isNaN(v)) return v;
  }
  return 'invalid syntax';
}

function parseGoInt(s: string): number | undefined {
  let m: RegExpExecArray | null;
  if ((m = /^0[xX]_?([0-9a-fA-F]+(_[0-9a-fA-F]+)*)$/.exec(s)) !== null) return checkInt(BigInt('0x' + m[1]!.replace(/_/g, '')));
  if ((m = /^0[oO]_?([0-7]+(_[0-7]+)*)$/.exec(s)) !== null) return checkInt(BigInt('0o' + m[1]!.replace(/_/g, '')));
  if ((m = /^0[bB]_?([01]+(_[01]+)*)$/.exec(s)) !== null) return checkInt(BigInt('0b' + m[1]!.replace(/_/g, '')));
  if ((m = /^0_?([0-7]+(_[0-7]+)*)$/.exec(s)) !== null) return checkInt(BigInt('0o' + m[1]!.replace(/_/g, '')));
  if (/^[1-9](_?\d)*$/.test(s) || s === '0') return checkInt(BigInt(s.replace(/_/g, '')));
  return undefined;
}

function checkInt(b: bigint): number | undefined {
  // Out of int64 range ParseInt fails and Prometheus falls back to ParseFloat.
  return b > 9223372036854775807n ? undefined : Number(b);
}
