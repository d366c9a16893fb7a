// Matrix answers (range queries, instant queries of a range selector) written as JSON bytes
// directly: tens of thousands of [t, "v"] pairs as arrays for JSON.stringify cost more than the
// query itself, and so did joining a string per point. Timestamps (integer milliseconds) and
// integer values are written as digits straight into the buffer; other values as formatNumber
// prints them. The bytes are those of JSON.stringify of the object form (tests compare them).
import { formatDigits, formatNumber } from '../promql/index.js';
import type { CachedRangeSeries } from '../promql/engine/index.js';
import { labelsToRecord } from '../storage/index.js';

const sec = (ms: number) => ms / 1000;

/** The text of a matrix point up to its value: `[<seconds>,"`. */
const pointHead = (t: number): string => '[' + String(sec(t)) + ',"';

/** A point as the result cache keeps it (`,[<seconds>,"<value>"]`): with the comma that separates it from the one before. */
export const pointText = (t: number, v: number): string => ',' + pointHead(t) + formatNumber(v) + '"]';

const COMMA = 0x2c;
const QUOTE = 0x22;
const DOT = 0x2e;
const MINUS = 0x2d;
const ZERO = 0x30;
const OPEN = 0x5b;
const CLOSE = 0x5d;
/** Largest magnitude written digit by digit (beyond it, String() is used, as formatNumber does). */
const MAX_DIGITS_VALUE = 2 ** 53;

/** Bounds of points() 32-bit way: whole seconds and values (in hundredths when fractional) below 2^31. */
const MAX_INT32 = 2 ** 31;
const MAX_INT32_MS = MAX_INT32 * 1000;

/** "00" to "99" as bytes: digits are written two per division. */
const PAIRS = new Uint8Array(200);
for (let i = 0; i < 100; i++) {
  PAIRS[2 * i] = ZERO + ((i / 10) | 0);
  PAIRS[2 * i + 1] = ZERO + (i % 10);
}

/** A non-negative integer below 2^31 in decimal at `at`; returns the offset after it. */
function int32Digits(buf: Buffer, at: number, x: number): number {
  const len = x < 10 ? 1 : x < 100 ? 2 : x < 1e3 ? 3 : x < 1e4 ? 4 : x < 1e5 ? 5 : x < 1e6 ? 6 : x < 1e7 ? 7 : x < 1e8 ? 8 : x < 1e9 ? 9 : 10;
  let k = at + len;
  let y = x | 0;
  // Two digits per step, half the divisions of one at a time: this loop runs interpreted for a
  // fresh server's first answers, where each bytecode counts.
  while (y >= 100) {
    const q = (y / 100) | 0;
    const r = (y - q * 100) << 1;
    buf[k - 1] = PAIRS[r + 1]!;
    buf[k - 2] = PAIRS[r]!;
    k -= 2;
    y = q;
  }
  if (y >= 10) {
    buf[k - 1] = PAIRS[(y << 1) + 1]!;
    buf[k - 2] = PAIRS[y << 1]!;
  } else buf[k - 1] = ZERO + y;
  return at + len;
}

/** A growing byte buffer that JSON text is written into. */
class JsonBytes {
  private buf: Buffer;
  private n = 0;

  constructor(size: number) {
    this.buf = Buffer.allocUnsafe(Math.max(256, size));
  }

  private ensure(k: number): void {
    if (this.n + k <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.n + k));
    this.buf.copy(next, 0, 0, this.n);
    this.buf = next;
  }

  /** Text of ASCII characters only (numbers as formatNumber prints them, fixed punctuation). */
  ascii(s: string): void {
    this.ensure(s.length);
    const buf = this.buf;
    let n = this.n;
    for (let i = 0; i < s.length; i++) buf[n++] = s.charCodeAt(i);
    this.n = n;
  }

  /** Any text, UTF-8 encoded (label names and values). */
  text(s: string): void {
    this.ensure(s.length * 3);
    this.n += this.buf.write(s, this.n, 'utf8');
  }

  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.n);
    this.n += b.length;
  }

  byte(c: number): void {
    this.ensure(1);
    this.buf[this.n++] = c;
  }

  /** A non-negative integer below 2^53, in decimal. */
  private digits(x: number): void {
    // Digits are written backwards into place, after counting them.
    let len = 1;
    for (let p = 10; p <= x && len < 16; p *= 10) len++;
    this.ensure(len);
    const buf = this.buf;
    let at = this.n + len;
    do {
      const q = Math.floor(x / 10);
      buf[--at] = ZERO + (x - q * 10);
      x = q;
    } while (x > 0);
    this.n += len;
  }

  /** A timestamp in ms as seconds, as String(t / 1000) prints it. */
  seconds(t: number): void {
    // For integer ms below 2^53 / 1000 s the shortest round-trip digits of t / 1000 are exactly
    // the whole seconds and up to three decimals without trailing zeros: distinct millisecond
    // values are distinct doubles there, so no shorter decimal maps to the same one.
    if (!Number.isInteger(t) || t >= 1e15 || t <= -1e15) {
      this.ascii(String(sec(t)));
      return;
    }
    this.scaled(t, 1000);
  }

  /**
   * The integer `a` (|a| < 2^53) divided by `unit` (1, 10, 100 or 1000) as shortest-form decimal: the
   * whole part, then the decimals without trailing zeros (none when they are all zero).
   */
  private scaled(a: number, unit: number): void {
    if (a < 0) {
      this.byte(MINUS);
      a = -a;
    }
    const whole = Math.floor(a / unit);
    let frac = a - whole * unit;
    this.digits(whole);
    if (frac === 0) return;
    this.ensure(4);
    const buf = this.buf;
    buf[this.n++] = DOT;
    for (let p = unit / 10; frac !== 0; p /= 10) {
      const d = Math.floor(frac / p);
      buf[this.n++] = ZERO + d;
      frac -= d * p;
    }
  }

  /** A sample value as formatNumber prints it. */
  value(v: number): void {
    if (Number.isInteger(v)) {
      if (v !== 0 && v < MAX_DIGITS_VALUE && v > -MAX_DIGITS_VALUE) {
        this.scaled(v, 1);
        return;
      }
    } else {
      // Numbers of one or two decimals (most gauges), as formatNumber's short way prints them,
      // written as bytes: a string per value cost more than the rest of a raw range answer.
      const c = Math.round(v * 100);
      if (c < 1e14 && c > -1e14 && c / 100 === v) {
        this.scaled(c, 100);
        return;
      }
    }
    this.ascii(formatNumber(v));
  }

  /** A point `[<seconds>,"<value>"]`. */
  private point(t: number, v: number): void {
    this.byte(OPEN);
    this.seconds(t);
    this.ensure(2);
    this.buf[this.n++] = COMMA;
    this.buf[this.n++] = QUOTE;
    this.value(v);
    this.ensure(2);
    this.buf[this.n++] = QUOTE;
    this.buf[this.n++] = CLOSE;
  }

  /**
   * Points `from` to `to` of a series, each after a comma but the very first of the series.
   * Points with integer ms from 1970 to 2038 are written by this one loop with 32-bit integer
   * arithmetic, and so are their values when whole below 2^31 or of two decimals below 2^31
   * hundredths in magnitude (|v| < 21,474,836.48); other values of such points go through
   * value(), and points with any other timestamp through point(). One loop with 32-bit
   * arithmetic rather than per-point calls into the general helpers: warm, a 360-point answer
   * took 58-62 µs that way and 20-34 µs this way. A fresh server still
   * runs this loop interpreted for its first answers (V8 compiled it after 6-7 raw [1h] answers
   * in session 12), at ~1.2-1.6 µs per point (`--max-opt=0`).
   */
  points(ts: ArrayLike<number>, vs: ArrayLike<number>, from: number, to: number): void {
    let buf = this.buf;
    let n = this.n;
    for (let i = from; i < to; i++) {
      // The longest common point: `,[` 10 digits `.` 3 `,"-` 8 digits `.` 2 `"]` is 32 bytes.
      if (n + 32 > buf.length) {
        this.n = n;
        this.ensure(32);
        buf = this.buf;
      }
      const t = ts[i]!;
      const v = vs[i]!;
      if (!(Number.isInteger(t) && t >= 0 && t < MAX_INT32_MS)) {
        this.n = n;
        if (i > 0) this.byte(COMMA);
        this.point(t, v);
        buf = this.buf;
        n = this.n;
        continue;
      }
      let cents = 0;
      let common: boolean;
      if (Number.isInteger(v)) common = v !== 0 && v < MAX_INT32 && v > -MAX_INT32;
      else {
        // Rounded, not v * 100 as is: that is off by an ulp for about 9% of the two-decimal values
        // from 0.01 to 999.99 (10.03 * 100 = 1002.9999999999999), which then took the slow path.
        cents = Math.round(v * 100);
        common = cents < MAX_INT32 && cents > -MAX_INT32 && cents / 100 === v;
      }
      if (i > 0) buf[n++] = COMMA;
      buf[n++] = OPEN;
      const whole = Math.floor(t / 1000);
      n = int32Digits(buf, n, whole);
      const ms = t - whole * 1000;
      if (ms !== 0) {
        buf[n++] = DOT;
        const d1 = (ms / 100) | 0;
        const r = ms - d1 * 100;
        buf[n++] = ZERO + d1;
        if (r !== 0) {
          const d2 = (r / 10) | 0;
          buf[n++] = ZERO + d2;
          if (r - d2 * 10 !== 0) buf[n++] = ZERO + r - d2 * 10;
        }
      }
      buf[n++] = COMMA;
      buf[n++] = QUOTE;
      if (!common) {
        // Any other value (rates, averages: most answers of range queries) the general way; the
        // timestamp above still took this loop's (the general one was 15% of such an answer). A
        // fraction that is not two decimals goes straight to the shortest digits: value() and
        // formatNumber would only test again what was just tested.
        this.n = n;
        if (cents / 100 !== v && !Number.isInteger(v)) this.ascii(formatDigits(v));
        else this.value(v);
        this.ensure(2);
        buf = this.buf;
        n = this.n;
      } else if (cents === 0) {
        if (v < 0) buf[n++] = MINUS;
        n = int32Digits(buf, n, v < 0 ? -v : v);
      } else {
        if (cents < 0) {
          buf[n++] = MINUS;
          cents = -cents;
        }
        const w = (cents / 100) | 0;
        n = int32Digits(buf, n, w);
        buf[n++] = DOT;
        const c = cents - w * 100;
        const d1 = (c / 10) | 0;
        buf[n++] = ZERO + d1;
        if (c - d1 * 10 !== 0) buf[n++] = ZERO + c - d1 * 10;
      }
      buf[n++] = QUOTE;
      buf[n++] = CLOSE;
    }
    this.n = n;
  }

  done(): Buffer {
    return this.buf.subarray(0, this.n);
  }
}

/**
 * A matrix answer's JSON, as bytes: the same as JSON.stringify of
 * `{status: 'success', data: {resultType: 'matrix', result: [{metric, values: [[t / 1000, formatNumber(v)], …]}, …]}}`.
 * Points the result cache hands over already printed (`text`: `,[t,"v"]` per point) are copied.
 */
export function matrixAnswerBytes(series: readonly CachedRangeSeries[]): Buffer {
  // Room for the whole answer up front where possible (growing copies what is written): held
  // text as it is, about 40 bytes per point to print (`[1700000000.5,"12.34"]` and a comma).
  let size = 64;
  for (const s of series) {
    const held = s.text !== undefined && (s.textPoints ?? 0) > 0 ? s.text : null;
    size += 128 + (held === null ? 0 : held.length) + (s.ts.length - (held === null ? 0 : s.textPoints!)) * 40;
  }
  const out = new JsonBytes(size);
  out.ascii('{"status":"success","data":{"resultType":"matrix","result":[');
  for (let k = 0; k < series.length; k++) {
    const s = series[k]!;
    const held = s.text !== undefined && (s.textPoints ?? 0) > 0 ? s.text : null;
    const first = held === null ? 0 : s.textPoints!;
    if (k > 0) out.byte(COMMA);
    out.ascii('{"metric":');
    out.text(JSON.stringify(labelsToRecord(s.labels)));
    out.ascii(',"values":[');
    // Held text is ",[t,\"v\"]" per point: its first comma is left out.
    if (held !== null) out.bytes(held.subarray(1));
    const ts = s.ts;
    const vs = s.vs;
    out.points(ts, vs, first, ts.length);
    out.ascii(']}');
  }
  out.ascii(']}}');
  return out.done();
}
