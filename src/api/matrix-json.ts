// Matrix answers (range queries, instant queries of a range selector) written as JSON bytes
// directly: tens of thousands of [t, "v"] pairs as arrays for JSON.stringify cost more than the
// query itself, and so did joining a string per point. Timestamps (integer milliseconds) and
// integer values are written as digits straight into the buffer; other values as formatNumber
// prints them. The bytes are those of JSON.stringify of the object form (tests compare them).
import { formatNumber } from '../promql/index.js';
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
      const c = v * 100;
      if (Number.isInteger(c) && c < 1e14 && c > -1e14 && c / 100 === v) {
        this.scaled(c, 100);
        return;
      }
    }
    this.ascii(formatNumber(v));
  }

  /** A point `[<seconds>,"<value>"]`. */
  point(t: number, v: number): void {
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
    for (let i = first; i < ts.length; i++) {
      if (i > 0) out.byte(COMMA);
      out.point(ts[i]!, vs[i]!);
    }
    out.ascii(']}');
  }
  out.ascii(']}}');
  return out.done();
}
