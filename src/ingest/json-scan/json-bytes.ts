// Byte-level JSON pieces for the schema scanners: whitespace, string tokens, numbers with
// JSON.parse's exact values, and a validating skip of any value. Each function takes a position
// in a UTF-8 buffer and returns the position after what it read, or BAIL when the bytes are not
// valid JSON or use something the fast path leaves to JSON.parse; the scanner then gives the
// whole input to the JSON.parse path, which produces the answer (and the error message).
//
// Working on bytes is exact for structure: every ASCII byte of UTF-8 text decodes to itself,
// also right after an invalid sequence (the WHATWG decoder Buffer#toString uses never swallows
// an ASCII byte into U+FFFD), so quotes, backslashes and brackets sit where JSON.parse sees them.

export const BAIL = -1;

/** Results the scanners read after a call (one shared object: no allocation per token). */
export const tok = {
  /** The number scanNumber read. */
  num: 0,
  /** Whether the string scanString read holds an escape. */
  escaped: false,
};

type Slice = (this: Buffer, start: number, end: number) => string;
const proto = Buffer.prototype as unknown as { utf8Slice?: Slice; latin1Slice?: Slice };
// Buffer's own decoders without toString's argument handling (costly on short strings).
export const utf8Slice: Slice = proto.utf8Slice ?? function (this: Buffer, a: number, b: number) { return this.toString('utf8', a, b); };
export const latin1Slice: Slice = proto.latin1Slice ?? function (this: Buffer, a: number, b: number) { return this.toString('latin1', a, b); };

/** Skips JSON whitespace (space, tab, LF, CR; not the BOM nor other Unicode spaces, as JSON.parse). */
export function skipWs(b: Buffer, p: number, end: number): number {
  while (p < end) {
    const c = b[p]!;
    if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) p++;
    else break;
  }
  return p;
}

function isHex(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
}

/**
 * A string token starting at the quote at `p`; returns the position after its closing quote.
 * Checks what JSON.parse checks (no raw control characters, valid escapes) and sets tok.escaped.
 */
export function scanString(b: Buffer, p: number, end: number): number {
  let i = p + 1;
  let esc = false;
  while (i < end) {
    const c = b[i]!;
    if (c === 0x22) {
      tok.escaped = esc;
      return i + 1;
    }
    if (c === 0x5c) {
      esc = true;
      if (i + 1 >= end) return BAIL;
      const e = b[i + 1]!;
      if (e === 0x75) {
        if (i + 5 >= end || !isHex(b[i + 2]!) || !isHex(b[i + 3]!) || !isHex(b[i + 4]!) || !isHex(b[i + 5]!)) return BAIL;
        i += 6;
        continue;
      }
      if (e !== 0x22 && e !== 0x5c && e !== 0x2f && e !== 0x62 && e !== 0x66 && e !== 0x6e && e !== 0x72 && e !== 0x74) return BAIL;
      i += 2;
      continue;
    }
    if (c < 0x20) return BAIL;
    i++;
  }
  return BAIL;
}

/** Short ASCII strings are interned in a direct-mapped table of this many slots. */
const INTERN_SLOTS = 4096;
const INTERN_MAX = 32;
const interned: string[] = [];
for (let i = 0; i < INTERN_SLOTS; i++) interned.push('');

/**
 * The text of b[from, to) (no escapes in it): label and metric names repeat from series to
 * series, so short ASCII ones come from a table instead of a new string each time.
 */
export function bytesText(b: Buffer, from: number, to: number): string {
  const n = to - from;
  if (n > INTERN_MAX || n === 0) return utf8Slice.call(b, from, to);
  let h = n;
  for (let i = from; i < to; i++) {
    const c = b[i]!;
    if (c >= 0x80) return utf8Slice.call(b, from, to);
    h = Math.imul(h ^ c, 0x01000193);
  }
  const slot = (h ^ (h >>> 15)) & (INTERN_SLOTS - 1);
  const have = interned[slot]!;
  if (have.length === n) {
    let same = true;
    for (let i = 0; i < n; i++) {
      if (have.charCodeAt(i) !== b[from + i]) {
        same = false;
        break;
      }
    }
    if (same) return have;
  }
  const s = latin1Slice.call(b, from, to);
  interned[slot] = s;
  return s;
}

/** The value of the string token [from, to) (quotes included) that scanString read. */
export function decodeString(b: Buffer, from: number, to: number, escaped: boolean): string {
  // Escapes are rare in metrics: JSON.parse decodes them (surrogate pairs, lone surrogates) as the reference does.
  return escaped ? (JSON.parse(utf8Slice.call(b, from, to)) as string) : bytesText(b, from + 1, to - 1);
}

/** Whether the bytes [from, to) are exactly `ascii` (a key without escapes). */
export function bytesEqual(b: Buffer, from: number, to: number, ascii: string): boolean {
  if (to - from !== ascii.length) return false;
  for (let i = 0; i < ascii.length; i++) if (b[from + i] !== ascii.charCodeAt(i)) return false;
  return true;
}

/** Whether `lit` (ASCII bytes) is at b[p]. */
export function matchBytes(b: Buffer, p: number, end: number, lit: Uint8Array): boolean {
  const n = lit.length;
  if (p + n > end) return false;
  for (let i = 0; i < n; i++) if (b[p + i] !== lit[i]) return false;
  return true;
}

/** The bytes of an ASCII string. */
export function ascii(s: string): Uint8Array {
  return Uint8Array.from(s, (c) => c.charCodeAt(0));
}

// Exact powers of ten as doubles (10^22 is the largest one a double holds exactly).
const POW10 = [1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22];
const TWO53 = 9007199254740992;

/**
 * A number token (JSON's grammar: -?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?) starting at `p`; sets
 * tok.num to the double JSON.parse gives it. When the digits form an integer below 2^53 and the
 * decimal exponent is within ±22, one IEEE multiplication or division of two exact doubles is
 * already correctly rounded (Clinger's fast path); anything else goes to Number(), which rounds
 * correctly as JSON.parse does. The caller checks what follows (e.g. "01" stops after "0").
 */
export function scanNumber(b: Buffer, p: number, end: number): number {
  let i = p;
  let neg = false;
  if (i < end && b[i] === 0x2d) {
    neg = true;
    i++;
  }
  if (i >= end) return BAIL;
  let c = b[i]!;
  let m = 0;
  if (c === 0x30) i++;
  else if (c >= 0x31 && c <= 0x39) {
    while (i < end && (c = b[i]!) >= 0x30 && c <= 0x39) {
      m = m * 10 + (c - 0x30);
      i++;
    }
  } else return BAIL;
  let scale = 0;
  if (i < end && b[i] === 0x2e) {
    const s = ++i;
    while (i < end && (c = b[i]!) >= 0x30 && c <= 0x39) {
      m = m * 10 + (c - 0x30);
      i++;
    }
    if (i === s) return BAIL;
    scale = i - s;
  }
  let exp = 0;
  if (i < end && (b[i] === 0x65 || b[i] === 0x45)) {
    i++;
    let eneg = false;
    if (i < end && (b[i] === 0x2b || b[i] === 0x2d)) eneg = b[i++] === 0x2d;
    const s = i;
    while (i < end && (c = b[i]!) >= 0x30 && c <= 0x39) {
      if (exp < 1e9) exp = exp * 10 + (c - 0x30);
      i++;
    }
    if (i === s) return BAIL;
    if (eneg) exp = -exp;
  }
  // m only grows, so a final m below 2^53 means every step was exact.
  const e = exp - scale;
  let v: number;
  if (m === 0) v = 0;
  else if (m < TWO53 && e >= -22 && e <= 22) v = e < 0 ? m / POW10[-e]! : m * POW10[e]!;
  else v = Number(latin1Slice.call(b, neg ? p + 1 : p, i));
  tok.num = neg ? -v : v;
  return i;
}

/**
 * A plain decimal token, -?(0|[1-9]\d*)(\.\d+)?, at `p` whose digits form an integer below 2^53
 * with at most 22 after the point: sets tok.num to what scanNumber gives it (the same single
 * exact division) and returns the position after it; BAIL for anything else, which the caller
 * reads its general way. For the scanners' one-go paths; what follows is the caller's to check
 * (an exponent there makes the token something else).
 */
export function scanPlainDecimal(b: Buffer, p: number, end: number): number {
  let neg = false;
  if (p < end && b[p] === 0x2d) {
    neg = true;
    p++;
  }
  if (p >= end) return BAIL;
  let c = b[p]!;
  let m = 0;
  if (c === 0x30) {
    p++;
    if (p < end && (c = b[p]!) >= 0x30 && c <= 0x39) return BAIL;
  } else if (c >= 0x31 && c <= 0x39) {
    while (p < end && (c = b[p]!) >= 0x30 && c <= 0x39) {
      m = m * 10 + (c - 0x30);
      p++;
    }
  } else return BAIL;
  let scale = 0;
  if (p < end && b[p] === 0x2e) {
    const s = ++p;
    while (p < end && (c = b[p]!) >= 0x30 && c <= 0x39) {
      m = m * 10 + (c - 0x30);
      p++;
    }
    scale = p - s;
    if (scale === 0) return BAIL;
  }
  if (m >= TWO53 || scale > 22) return BAIL;
  const v = m === 0 ? 0 : m / POW10[scale]!;
  tok.num = neg ? -v : v;
  return p;
}

/** A whole number of 1 to 15 digits without a leading zero at `p` (so exact): tok.num and the position after it, or BAIL. */
export function scanPlainInteger(b: Buffer, p: number, end: number): number {
  const d0 = p;
  let t = 0;
  let c = 0;
  while (p < end && (c = b[p]!) >= 0x30 && c <= 0x39) {
    t = t * 10 + (c - 0x30);
    p++;
  }
  const digits = p - d0;
  if (digits === 0 || digits > 15 || (digits > 1 && b[d0] === 0x30)) return BAIL;
  tok.num = t;
  return p;
}

/** Skips the literal `word` at `p` (true, false, null). */
function skipWord(b: Buffer, p: number, end: number, word: string): number {
  if (p + word.length > end) return BAIL;
  for (let i = 1; i < word.length; i++) if (b[p + i] !== word.charCodeAt(i)) return BAIL;
  return p + word.length;
}

const MAX_DEPTH = 64;

/** Skips any JSON value at `p`, checking it as JSON.parse would (deeper nesting bails). */
export function skipValue(b: Buffer, p: number, end: number, depth = 0): number {
  if (p >= end) return BAIL;
  const c = b[p]!;
  if (c === 0x22) return scanString(b, p, end);
  if (c === 0x2d || (c >= 0x30 && c <= 0x39)) return scanNumber(b, p, end);
  if (c === 0x74) return skipWord(b, p, end, 'true');
  if (c === 0x66) return skipWord(b, p, end, 'false');
  if (c === 0x6e) return skipWord(b, p, end, 'null');
  if (depth >= MAX_DEPTH) return BAIL;
  if (c === 0x5b) {
    p = skipWs(b, p + 1, end);
    if (p < end && b[p] === 0x5d) return p + 1;
    for (;;) {
      p = skipValue(b, p, end, depth + 1);
      if (p === BAIL) return BAIL;
      p = skipWs(b, p, end);
      if (p >= end) return BAIL;
      if (b[p] === 0x5d) return p + 1;
      if (b[p] !== 0x2c) return BAIL;
      p = skipWs(b, p + 1, end);
    }
  }
  if (c === 0x7b) {
    p = skipWs(b, p + 1, end);
    if (p < end && b[p] === 0x7d) return p + 1;
    for (;;) {
      if (p >= end || b[p] !== 0x22) return BAIL;
      p = scanString(b, p, end);
      if (p === BAIL) return BAIL;
      p = skipWs(b, p, end);
      if (p >= end || b[p] !== 0x3a) return BAIL;
      p = skipValue(b, skipWs(b, p + 1, end), end, depth + 1);
      if (p === BAIL) return BAIL;
      p = skipWs(b, p, end);
      if (p >= end) return BAIL;
      if (b[p] === 0x7d) return p + 1;
      if (b[p] !== 0x2c) return BAIL;
      p = skipWs(b, p + 1, end);
    }
  }
  return BAIL;
}

/**
 * The end of a flat object at `p` (no nested object or array), found without checking it, or
 * BAIL. Used to find the bytes of a label object for a cache lookup: bytes equal to a cached,
 * checked object are that object; a miss checks them with JSON.parse.
 */
export function flatObjectEnd(b: Buffer, p: number, end: number): number {
  let i = p + 1;
  while (i < end) {
    const c = b[i]!;
    if (c === 0x7d) return i + 1;
    if (c === 0x22) {
      i++;
      while (i < end) {
        const s = b[i]!;
        if (s === 0x22) break;
        i += s === 0x5c ? 2 : 1;
      }
    } else if (c === 0x7b || c === 0x5b) return BAIL;
    i++;
  }
  return BAIL;
}

