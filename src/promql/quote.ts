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

/** Decodes a PromQL string literal token (with its quotes), as Prometheus's strutil.Unquote. */
export function unquote(token: string): string {
  const q = token[0];
  const body = token.slice(1, -1);
  if (q === '`') return body;
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c !== '\\') {
      out += c;
      continue;
    }
    const e = body[++i]!;
    switch (e) {
      case 'a': out += '\x07'; break;
      case 'b': out += '\b'; break;
      case 'f': out += '\f'; break;
      case 'n': out += '\n'; break;
      case 'r': out += '\r'; break;
      case 't': out += '\t'; break;
      case 'v': out += '\v'; break;
      case 'x': case 'u': case 'U': {
        const len = e === 'x' ? 2 : e === 'u' ? 4 : 8;
        const cp = parseInt(body.slice(i + 1, i + 1 + len), 16);
        // \x escapes are bytes in Go; a byte >= 0x80 alone is not valid UTF-8, keep it as the code point.
        out += String.fromCodePoint(cp);
        i += len;
        break;
      }
      default:
        if (e >= '0' && e <= '7') {
          out += String.fromCodePoint(parseInt(body.slice(i, i + 3), 8));
          i += 2;
        } else out += e; // \\, \" and \' (the lexer has checked which are allowed)
    }
  }
  return out;
}
