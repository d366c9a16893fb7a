// Test support for the scanner fuzz tests: a small JSON document tree and a writer that prints it
// with random but valid formatting (whitespace, escapes, key order as given), and fast-check
// arbitraries for the number forms and strings JSON allows. Not used by the server.
import fc from 'fast-check';

export type Node =
  | { readonly t: 'raw'; readonly x: string }
  | { readonly t: 'str'; readonly s: string }
  | { readonly t: 'arr'; readonly a: readonly Node[] }
  | { readonly t: 'obj'; readonly e: readonly (readonly [string, Node])[] };

export const raw = (x: string): Node => ({ t: 'raw', x });
export const str = (s: string): Node => ({ t: 'str', s });
export const arr = (a: readonly Node[]): Node => ({ t: 'arr', a });
export const obj = (e: readonly (readonly [string, Node])[]): Node => ({ t: 'obj', e });

/** A JSON value (from JSON.parse or fc.jsonValue) as a tree. */
export function fromValue(v: unknown): Node {
  if (typeof v === 'string') return str(v);
  if (Array.isArray(v)) return arr(v.map(fromValue));
  if (v !== null && typeof v === 'object') return obj(Object.entries(v).map(([k, x]) => [k, fromValue(x)] as const));
  return raw(JSON.stringify(v) ?? 'null');
}

/** mulberry32: a seeded generator of numbers in [0, 1). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WS = [' ', '\t', '\n', '\r'];
const SHORT: Record<string, string> = { '"': '\\"', '\\': '\\\\', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t', '/': '\\/' };

function ws(r: () => number, line: boolean): string {
  if (r() < 0.7) return '';
  let s = '';
  const n = 1 + Math.floor(r() * 3);
  for (let i = 0; i < n; i++) s += WS[Math.floor(r() * (line ? 2 : 4))]!;
  return s;
}

function u(code: number, r: () => number): string {
  const h = code.toString(16).padStart(4, '0');
  return '\\u' + (r() < 0.5 ? h : h.toUpperCase());
}

/** A string token: escapes where JSON needs them, and at random elsewhere. */
export function writeString(s: string, r: () => number, escapeRate: number): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const ch = s[i]!;
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && s.charCodeAt(i + 1) >= 0xdc00 && s.charCodeAt(i + 1) <= 0xdfff) {
      out += r() < escapeRate ? u(c, r) + u(s.charCodeAt(i + 1), r) : ch + s[i + 1]!;
      i++;
    } else if (c >= 0xd800 && c <= 0xdfff) out += u(c, r); // a lone surrogate has no UTF-8 form
    else if (ch === '"' || ch === '\\' || c < 0x20) out += r() < 0.5 && SHORT[ch] !== undefined ? SHORT[ch] : u(c, r);
    else if (r() < escapeRate) out += SHORT[ch] !== undefined && r() < 0.5 ? SHORT[ch] : u(c, r);
    else out += ch;
  }
  return out + '"';
}

/** Prints a tree as JSON text; `line` keeps \n out (an import line). */
export function write(n: Node, r: () => number, escapeRate = 0.05, line = false): string {
  switch (n.t) {
    case 'raw':
      return n.x;
    case 'str':
      return writeString(n.s, r, escapeRate);
    case 'arr':
      return '[' + ws(r, line) + n.a.map((x) => write(x, r, escapeRate, line)).join(ws(r, line) + ',' + ws(r, line)) + ws(r, line) + ']';
    case 'obj':
      return (
        '{' +
        ws(r, line) +
        n.e.map(([k, x]) => writeString(k, r, 0) + ws(r, line) + ':' + ws(r, line) + write(x, r, escapeRate, line)).join(ws(r, line) + ',' + ws(r, line)) +
        ws(r, line) +
        '}'
      );
  }
}

/** Number tokens in every form JSON's grammar allows, including ones past a double's range. */
export const numberToken: fc.Arbitrary<string> = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((v) => JSON.stringify(v)),
  fc.integer({ min: -1e6, max: 1e6 }).map(String),
  fc.constantFrom('-0', '0', '-0.0', '0e0', '-0E-5', '1E+2', '1e-7', '75.5', '75.50', '123456789012345678901234567890', '9007199254740993',
    '9007199254740992', '0.1', '-1.5e308', '1e309', '-1e400', '4.9e-324', '5e-325', '2.2250738585072011e-308', '1e-400', '0.30000000000000004', '1e22', '1e23'),
  fc
    .tuple(
      fc.boolean(),
      fc.oneof(fc.constant('0'), fc.stringMatching(/^[1-9][0-9]{0,22}$/)),
      fc.option(fc.stringMatching(/^[0-9]{1,22}$/)),
      fc.option(fc.tuple(fc.constantFrom('e', 'E'), fc.constantFrom('', '+', '-'), fc.stringMatching(/^[0-9]{1,3}$/))),
    )
    .map(([neg, i, f, e]) => `${neg ? '-' : ''}${i}${f === null ? '' : '.' + f}${e === null ? '' : e.join('')}`),
);

/** A millisecond timestamp near `now` written in some JSON number form. */
export function timestampToken(now: number): fc.Arbitrary<string> {
  return fc.tuple(fc.integer({ min: -7_200_000, max: 60_000 }), fc.integer({ min: 0, max: 5 })).map(([d, form]) => {
    const t = now + d;
    switch (form) {
      case 0:
        return `${t}.0`;
      case 1:
        return `${t}e0`;
      case 2:
        return `${Math.floor(t / 1000)}.${String(t % 1000).padStart(3, '0')}e3`;
      case 3:
        return `${t}00E-2`;
      default:
        return String(t);
    }
  });
}

/** Strings: plain names, any Unicode (lone surrogates too), and short ones. */
export const anyString: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 8 }),
  fc.string({ unit: 'grapheme', maxLength: 8 }),
  fc.string({ maxLength: 12 }),
);

/** Bytes changed at random: truncated, a byte replaced, bytes inserted or deleted. */
export const mutation: fc.Arbitrary<(b: Buffer) => Buffer> = fc.oneof(
  fc.double({ min: 0, max: 1, noNaN: true }).map((f) => (b: Buffer) => b.subarray(0, Math.floor(b.length * f))),
  fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.integer({ min: 0, max: 255 })).map(([f, x]) => (b: Buffer) => {
    const c = Buffer.from(b);
    if (c.length > 0) c[Math.min(c.length - 1, Math.floor(c.length * f))] = x;
    return c;
  }),
  fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.uint8Array({ minLength: 1, maxLength: 3 })).map(([f, ins]) => (b: Buffer) => {
    const at = Math.floor(b.length * f);
    return Buffer.concat([b.subarray(0, at), Buffer.from(ins), b.subarray(at)]);
  }),
  fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.integer({ min: 1, max: 3 })).map(([f, n]) => (b: Buffer) => {
    const at = Math.floor(b.length * f);
    return Buffer.concat([b.subarray(0, at), b.subarray(at + n)]);
  }),
);

/** Float64 values as their bit patterns (so -0, NaN payloads and 0 differ). */
export function bits(a: ArrayLike<number>): string[] {
  const f = Float64Array.from(a);
  return Array.from(new BigUint64Array(f.buffer), (x) => x.toString(16));
}
