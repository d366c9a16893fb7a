// Go's strconv.Quote and %q for runes, which Prometheus uses when it prints strings in queries
// and in error messages; JSON.stringify differs for control and non-printable characters.

const SIMPLE: Record<string, string> = {
  '\x07': '\\a', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\v': '\\v', '\\': '\\\\',
};

// Go's unicode.IsPrint: letters, marks, numbers, punctuation, symbols and the ASCII space.
const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;

function quoteChar(c: string, quote: string): string {
  if (c === quote) return '\\' + c;
  const simple = SIMPLE[c];
  if (simple !== undefined) return simple;
  if (PRINTABLE.test(c)) return c;
  const cp = c.codePointAt(0)!;
  // A lone surrogate stands for a byte of invalid UTF-8 (see unquote); Go prints such a byte as \xNN.
  if (cp >= 0xdc80 && cp <= 0xdcff) return `\\x${(cp - 0xdc00).toString(16)}`;
  if (cp >= 0xd800 && cp < 0xe000) return '\\ufffd';
  if (cp < 0x80) return `\\x${cp.toString(16).padStart(2, '0')}`;
  if (cp < 0x10000) return `\\u${cp.toString(16).padStart(4, '0')}`;
  return `\\U${cp.toString(16).padStart(8, '0')}`;
}

/** Go's strconv.Quote: a double-quoted string with Go escapes. */
export function goQuote(s: string): string {
  let out = '"';
  for (const c of s) out += quoteChar(c, '"');
  return out + '"';
}

/** Go's `%q` of a rune: `'x'`; undefined (end of input) prints as Go prints rune -1. */
export function goQuoteRune(c: string | undefined): string {
  if (c === undefined) return "'\\x{ffffffff}'";
  const first = String.fromCodePoint(c.codePointAt(0)!);
  return `'${quoteChar(first, "'")}'`;
}

/**
 * Decodes a PromQL string literal token (with its quotes), as Prometheus's strutil.Unquote.
 * `\x` and octal escapes are bytes, as in Go: runs of them are decoded as UTF-8, and a byte that
 * is not part of valid UTF-8 becomes the lone surrogate U+DC00 + byte (Python's
 * "surrogateescape"), so that a Go string holding invalid UTF-8 survives in a JS string and
 * checks such as Prometheus's label name validity (`utf8.ValidString`) can still see it.
 */
export function unquote(token: string): string {
  const q = token[0];
  const body = token.slice(1, -1);
  if (q === '`') return body;
  let out = '';
  const bytes: number[] = [];
  const flush = () => {
    if (bytes.length > 0) out += decodeGoBytes(bytes.splice(0));
  };
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c !== '\\') {
      flush();
      out += c;
      continue;
    }
    const e = body[++i]!;
    if (e === 'x') {
      bytes.push(parseInt(body.slice(i + 1, i + 3), 16));
      i += 2;
      continue;
    }
    if (e >= '0' && e <= '7') {
      bytes.push(parseInt(body.slice(i, i + 3), 8));
      i += 2;
      continue;
    }
    flush();
    switch (e) {
      case 'a': out += '\x07'; break;
      case 'b': out += '\b'; break;
      case 'f': out += '\f'; break;
      case 'n': out += '\n'; break;
      case 'r': out += '\r'; break;
      case 't': out += '\t'; break;
      case 'v': out += '\v'; break;
      case 'u': case 'U': {
        const len = e === 'u' ? 4 : 8;
        out += String.fromCodePoint(parseInt(body.slice(i + 1, i + 1 + len), 16));
        i += len;
        break;
      }
      default:
        out += e; // \\, \" and \' (the lexer has checked which are allowed)
    }
  }
  flush();
  return out;
}

/** UTF-8 bytes to a string, each byte of an invalid sequence kept as U+DC00 + byte. */
function decodeGoBytes(b: number[]): string {
  let out = '';
  for (let i = 0; i < b.length; ) {
    const c = b[i]!;
    const need = c < 0x80 ? 0 : c >= 0xc2 && c <= 0xdf ? 1 : c >= 0xe0 && c <= 0xef ? 2 : c >= 0xf0 && c <= 0xf4 ? 3 : -1;
    if (need === 0) {
      out += String.fromCharCode(c);
      i++;
      continue;
    }
    let cp = need > 0 ? c & (0x3f >> need) : 0;
    let ok = need > 0;
    for (let k = 1; ok && k <= need; k++) {
      const x = b[i + k];
      if (x === undefined || (x & 0xc0) !== 0x80) ok = false;
      else cp = (cp << 6) | (x & 0x3f);
    }
    // Overlong forms, surrogates and code points past U+10FFFF are invalid UTF-8 too.
    if (ok && ((need === 2 && cp < 0x800) || (need === 3 && (cp < 0x10000 || cp > 0x10ffff)) || (cp >= 0xd800 && cp <= 0xdfff))) ok = false;
    if (!ok) {
      out += String.fromCharCode(0xdc00 + c);
      i++;
      continue;
    }
    out += String.fromCodePoint(cp);
    i += need + 1;
  }
  return out;
}

/** Whether s holds a lone surrogate, i.e. came from a Go string that is not valid UTF-8. */
export function hasInvalidUtf8(s: string): boolean {
  return /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(s);
}

/** Prometheus 3's label name rule (UTF-8 validation): any non-empty valid UTF-8. */
export function isValidLabelName(s: string): boolean {
  return s !== '' && !hasInvalidUtf8(s);
}
