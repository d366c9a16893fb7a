// The PromQL lexer: turns a query into tokens the way Prometheus's promql/parser/lex.go does,
// including its modes (inside braces, inside brackets) and its error texts, so that the parser
// can report the same first error Prometheus would.
import { goQuote, goQuoteRune } from './quote.js';
import { isAlpha, isAlphaNumeric, isDigit, isSpace, WORDS, type Token, type TokenKind } from './token.js';

export * from './token.js';

/** Lexes the whole input. The result ends with an EOF or an ERROR token. */
export function lex(input: string): Token[] {
  return new Lexer(input).run();
}

class Lexer {
  private pos = 0;
  private start = 0;
  private parenDepth = 0;
  private braceOpen = false;
  private bracketOpen = false;
  private gotColon = false;
  private gotDuration = false;
  private inDurationExpr = false;
  private readonly out: Token[] = [];

  constructor(private readonly input: string) {}

  run(): Token[] {
    for (;;) {
      const last = this.out[this.out.length - 1];
      if (last !== undefined && (last.kind === 'EOF' || last.kind === 'ERROR')) return this.out;
      if (this.braceOpen) this.insideBraces();
      else if (this.inDurationExpr) this.durationExpr();
      else this.statements();
    }
  }

  private peek(): string | undefined {
    return this.input[this.pos];
  }
  private next(): string | undefined {
    const c = this.input[this.pos];
    if (c !== undefined) this.pos++;
    return c;
  }
  private emit(kind: TokenKind): void {
    this.out.push({ kind, pos: this.start, val: this.input.slice(this.start, this.pos) });
    this.start = this.pos;
  }
  /** A parenthesis, in any state: depth is tracked for both, and a stray ')' is an error. */
  private paren(r: '(' | ')'): void {
    this.emit(r);
    this.parenDepth += r === '(' ? 1 : -1;
    if (this.parenDepth < 0) {
      this.out.pop();
      return this.errorf(`unexpected right parenthesis ${goQuoteRune(r)}`);
    }
  }

  private errorf(msg: string): void {
    this.out.push({ kind: 'ERROR', pos: this.start, val: msg });
  }
  private skipSpaces(): void {
    while (isSpace(this.peek())) this.pos++;
    this.start = this.pos;
  }
  private accept(valid: string): boolean {
    const c = this.peek();
    if (c !== undefined && valid.includes(c)) {
      this.pos++;
      return true;
    }
    return false;
  }

  private comment(): void {
    this.pos++;
    while (this.pos < this.input.length && this.input[this.pos] !== '\n' && this.input[this.pos] !== '\r') this.pos++;
    this.emit('COMMENT');
  }

  private statements(): void {
    if (this.input[this.pos] === '#') return this.comment();
    const r = this.next();
    switch (true) {
      case r === undefined:
        if (this.parenDepth !== 0) return this.errorf('unclosed left parenthesis');
        if (this.bracketOpen) return this.errorf('unclosed left bracket');
        return this.emit('EOF');
      case r === ',':
        return this.emit(',');
      case isSpace(r):
        return this.skipSpaces();
      case r === '*' || r === '/' || r === '%' || r === '+' || r === '-' || r === '^' || r === '@':
        return this.emit(r as TokenKind);
      case r === '=': {
        const t = this.peek();
        if (t === '=') {
          this.pos++;
          return this.emit('==');
        }
        if (t === '~') return this.errorf(`unexpected character after '=': ${goQuoteRune(t)}`);
        return this.emit('=');
      }
      case r === '!': {
        const t = this.next();
        if (t !== '=') return this.errorf(`unexpected character after '!': ${goQuoteRune(t)}`);
        return this.emit('!=');
      }
      case r === '<' || r === '>':
        if (this.peek() === '=') {
          this.pos++;
          return this.emit(r === '<' ? '<=' : '>=');
        }
        return this.emit(r as TokenKind);
      case isDigit(r) || (r === '.' && isDigit(this.peek())):
        this.pos--;
        return this.numberOrDuration();
      case r === '"' || r === "'":
        return this.string(r!);
      case r === '`':
        return this.rawString();
      case isAlpha(r) || r === ':':
        if (!this.bracketOpen) {
          this.pos--;
          return this.keywordOrIdentifier();
        }
        if (r === ':') {
          if (this.gotColon) return this.errorf(`unexpected colon ${goQuoteRune(r)}`);
          if (this.peek() === ':') {
            this.pos++;
            this.emit('::');
          } else this.emit(':');
          this.gotColon = true;
          return;
        }
        if ((r === 's' || r === 'S' || r === 'm' || r === 'M') && this.durationKeyword()) return;
        return this.errorf(`unexpected character: ${goQuoteRune(r)}, expected ':'`);
      case r === '(' || r === ')':
        return this.paren(r);
      case r === '{':
        this.emit('{');
        this.braceOpen = true;
        return;
      case r === '[':
        if (this.bracketOpen) return this.errorf(`unexpected left bracket ${goQuoteRune(r)}`);
        this.gotColon = false;
        this.gotDuration = false;
        this.emit('[');
        this.skipSpaces();
        this.bracketOpen = true;
        this.inDurationExpr = true;
        return;
      case r === ']':
        if (!this.bracketOpen) return this.errorf(`unexpected right bracket ${goQuoteRune(r)}`);
        this.emit(']');
        this.bracketOpen = false;
        return;
      default:
        return this.errorf(`unexpected character: ${goQuoteRune(r)}`);
    }
  }

  private durationKeyword(): boolean {
    while (isAlpha(this.peek())) this.pos++;
    const kw = this.input.slice(this.start, this.pos).toLowerCase();
    if (kw === 'step' || kw === 'range' || kw === 'min' || kw === 'max') {
      this.emit(kw);
      return true;
    }
    return false;
  }

  private durationExpr(): void {
    const r = this.next();
    const single = (k: TokenKind): void => this.emit(k);
    switch (true) {
      case r === undefined:
        return this.errorf('unexpected end of input in duration expression');
      case r === ']':
        this.emit(']');
        this.bracketOpen = false;
        this.gotColon = false;
        this.inDurationExpr = false;
        return;
      case r === ':':
        this.emit(':');
        if (!this.gotDuration) return this.errorf('unexpected colon before duration in duration expression');
        if (this.gotColon) return this.errorf('unexpected repeated colon in duration expression');
        this.gotColon = true;
        return;
      case r === '(' || r === ')':
        return this.paren(r);
      case isSpace(r):
        return this.skipSpaces();
      case r === '+' || r === '-' || r === '*' || r === '/' || r === '%' || r === '^' || r === ',':
        return single(r as TokenKind);
      case r === 's' || r === 'S' || r === 'm' || r === 'M' || r === 'r' || r === 'R':
        if (this.durationKeyword()) return;
        return this.errorf(`unexpected character in duration expression: ${goQuoteRune(r)}`);
      case isDigit(r) || (r === '.' && isDigit(this.peek())):
        this.pos--;
        this.gotDuration = true;
        this.inDurationExpr = false;
        return this.numberOrDuration();
      default:
        return this.errorf(`unexpected character in duration expression: ${goQuoteRune(r)}`);
    }
  }

  private insideBraces(): void {
    if (this.input[this.pos] === '#') return this.comment();
    const r = this.next();
    switch (true) {
      case r === undefined:
        return this.errorf('unexpected end of input inside braces');
      case isSpace(r):
        return this.skipSpaces();
      case isAlpha(r):
        while (isAlphaNumeric(this.peek())) this.pos++;
        return this.emit('IDENTIFIER');
      case r === ',':
        return this.emit(',');
      case r === '"' || r === "'":
        return this.string(r!);
      case r === '`':
        return this.rawString();
      case r === '=':
        if (this.peek() === '~') {
          this.pos++;
          return this.emit('=~');
        }
        return this.emit('=');
      case r === '!': {
        const nr = this.next();
        if (nr === '~') return this.emit('!~');
        if (nr === '=') return this.emit('!=');
        return this.errorf(`unexpected character after '!' inside braces: ${goQuoteRune(nr)}`);
      }
      case r === '{':
        return this.errorf(`unexpected left brace ${goQuoteRune(r)}`);
      case r === '}':
        this.emit('}');
        this.braceOpen = false;
        return;
      default:
        return this.errorf(`unexpected character inside braces: ${goQuoteRune(r)}`);
    }
  }

  private escape(quote: string): string | null {
    const ch = this.next();
    let n: number;
    let base: number;
    let max: number;
    let c = ch;
    switch (ch) {
      case 'a': case 'b': case 'f': case 'n': case 'r': case 't': case 'v': case '\\':
        return null;
      case '0': case '1': case '2': case '3': case '4': case '5': case '6': case '7':
        [n, base, max] = [3, 8, 255];
        break;
      case 'x':
        c = this.next();
        [n, base, max] = [2, 16, 255];
        break;
      case 'u':
        c = this.next();
        [n, base, max] = [4, 16, 0x10ffff];
        break;
      case 'U':
        c = this.next();
        [n, base, max] = [8, 16, 0x10ffff];
        break;
      case undefined:
        return 'escape sequence not terminated';
      default:
        if (ch === quote) return null;
        return `unknown escape sequence ${goRuneU(ch)}`;
    }
    let x = 0;
    while (n > 0) {
      const d = c === undefined ? 16 : digitVal(c);
      if (d >= base) {
        if (c === undefined) return 'escape sequence not terminated';
        return `illegal character ${goRuneU(c)} in escape sequence`;
      }
      x = x * base + d;
      n--;
      if (n > 0) c = this.next();
    }
    if (x > max || (x >= 0xd800 && x < 0xe000)) return 'escape sequence is an invalid Unicode code point';
    return null;
  }

  private string(quote: string): void {
    for (;;) {
      const c = this.next();
      if (c === '\\') {
        const err = this.escape(quote);
        if (err !== null) return this.errorf(err);
        continue;
      }
      if (c === undefined || c === '\n') return this.errorf('unterminated quoted string');
      if (c === quote) break;
    }
    this.emit('STRING');
  }

  private rawString(): void {
    for (;;) {
      const c = this.next();
      if (c === undefined) return this.errorf('unterminated raw string');
      if (c === '`') break;
    }
    this.emit('STRING');
  }

  private numberOrDuration(): void {
    if (this.scanNumber()) return this.emit('NUMBER');
    if (this.remainingDuration()) {
      this.pos--;
      return this.emit('DURATION');
    }
    return this.errorf(`bad number or duration syntax: ${goQuote(this.input.slice(this.start, this.pos))}`);
  }

  private remainingDuration(): boolean {
    if (!this.accept('smhdwy')) return false;
    this.accept('s');
    while (this.accept('0123456789')) {
      while (this.accept('0123456789'));
      if (!this.accept('smhdw')) return false;
      this.accept('s');
    }
    // The character after the duration is consumed here and given back by the caller (lex.go's
    // `next()` + `backup()`), so at end of input the position must still move by one.
    const c = this.input[this.pos];
    this.pos++;
    return !isAlphaNumeric(c);
  }

  private scanNumber(): boolean {
    const initial = this.pos;
    let digits = '0123456789';
    if (this.accept('0') && this.accept('xX')) {
      this.accept('_');
      digits = '0123456789abcdefABCDEF';
    }
    const is = (set: string): boolean => {
      const c = this.peek();
      return c !== undefined && set.includes(c);
    };
    this.accept('.');
    this.accept(digits);
    let dot = false;
    let exp = false;
    while (is(digits + '._eE')) {
      if (is('.') && dot) {
        this.accept('.');
        return false;
      }
      if (is('eE') && exp) {
        this.accept('eE');
        return false;
      }
      if (this.accept('.')) {
        dot = true;
        if (this.accept('_.')) return false;
        if (digits.length > 10) return false;
        continue;
      }
      if (this.accept('eE')) {
        exp = true;
        this.accept('+-');
        if (this.accept('._eE') || this.peek() === undefined) return false;
        continue;
      }
      if (this.accept('_')) {
        if (this.accept('._eE') || this.peek() === undefined) return false;
        continue;
      }
      while (this.accept(digits));
    }
    if (this.pos === initial) return false;
    return !isAlphaNumeric(this.peek());
  }

  private keywordOrIdentifier(): void {
    for (;;) {
      const c = this.peek();
      if (isAlphaNumeric(c) || c === ':') this.pos++;
      else break;
    }
    const word = this.input.slice(this.start, this.pos);
    const lower = word.toLowerCase();
    if (lower === 'inf' || lower === 'nan') return this.emit('NUMBER');
    const kw = WORDS.get(lower);
    if (kw !== undefined) {
      if ((kw === 'fill' || kw === 'fill_left' || kw === 'fill_right') && !this.followedByParen()) return this.emit('IDENTIFIER');
      return this.emit(kw);
    }
    this.emit(word.includes(':') ? 'METRIC_IDENTIFIER' : 'IDENTIFIER');
  }

  private followedByParen(): boolean {
    let p = this.pos;
    while (isSpace(this.input[p])) p++;
    return this.input[p] === '(';
  }
}

function digitVal(c: string): number {
  if (c >= '0' && c <= '9') return c.charCodeAt(0) - 48;
  if (c >= 'a' && c <= 'f') return c.charCodeAt(0) - 87;
  if (c >= 'A' && c <= 'F') return c.charCodeAt(0) - 55;
  return 16;
}

/** Go's `%#U` formatting of a rune: `U+0071 'q'`. */
function goRuneU(c: string): string {
  const cp = c.codePointAt(0)!;
  return `U+${cp.toString(16).toUpperCase().padStart(4, '0')} ${goQuoteRune(c)}`;
}
