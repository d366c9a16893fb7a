// Parses series selectors (`name{label="v", other=~"re"}`) into matchers: the part of PromQL the
// export and series APIs need until the full engine lands. Prometheus 3 syntax, including quoted
// (UTF-8) names: `{"my.metric", "le"="1"}`.
import { Matcher, type MatchType } from '../storage/index.js';

/** A syntax error with the 0-based position where it was found. */
export class ParseError extends SyntaxError {
  readonly position: number;
  constructor(message: string, position: number) {
    super(message);
    this.name = 'ParseError';
    this.position = position;
  }
}

const IDENT_START = /[A-Za-z_:]/;
const IDENT = /[A-Za-z0-9_:]/;

class Scanner {
  pos = 0;
  constructor(readonly src: string) {}
  skipSpace(): void {
    while (this.pos < this.src.length && /\s/.test(this.src[this.pos]!)) this.pos++;
  }
  peek(): string {
    this.skipSpace();
    return this.src[this.pos] ?? '';
  }
  fail(msg: string): never {
    throw new ParseError(`parse error at char ${this.pos + 1}: ${msg}`, this.pos);
  }
  ident(): string {
    this.skipSpace();
    const start = this.pos;
    if (!IDENT_START.test(this.src[this.pos] ?? '')) this.fail(`unexpected character ${JSON.stringify(this.src[this.pos] ?? 'end of input')}, expected a name`);
    while (this.pos < this.src.length && IDENT.test(this.src[this.pos]!)) this.pos++;
    return this.src.slice(start, this.pos);
  }
  string(): string {
    this.skipSpace();
    const q = this.src[this.pos];
    if (q !== '"' && q !== "'" && q !== '`') this.fail('expected a quoted string');
    const start = this.pos++;
    let out = '';
    while (this.pos < this.src.length) {
      const c = this.src[this.pos++]!;
      if (c === q) return out;
      if (c === '\\' && q !== '`') {
        const e = this.src[this.pos++];
        const simple: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', '"': '"', "'": "'", a: '\x07', b: '\b', f: '\f', v: '\v' };
        if (e !== undefined && e in simple) out += simple[e];
        else if (e === 'x' || e === 'u' || e === 'U') {
          const len = e === 'x' ? 2 : e === 'u' ? 4 : 8;
          const hex = this.src.slice(this.pos, this.pos + len);
          if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== len) this.fail(`invalid escape \\${e}${hex}`);
          out += String.fromCodePoint(parseInt(hex, 16));
          this.pos += len;
        } else this.fail(`unknown escape sequence \\${e ?? ''}`);
      } else out += c;
    }
    this.pos = start;
    return this.fail('unterminated quoted string');
  }
}

/**
 * Parses one series selector into matchers.
 * @example parseSelector('up{job="api"}') // [__name__="up", job="api"]
 */
export function parseSelector(text: string): Matcher[] {
  const s = new Scanner(text);
  const matchers: Matcher[] = [];
  if (s.peek() !== '{') matchers.push(new Matcher('=', '__name__', s.ident()));
  if (s.peek() === '{') {
    s.pos++;
    while (s.peek() !== '}') {
      if (s.peek() === '') s.fail('unexpected end of input inside braces');
      const quoted = s.peek() === '"' || s.peek() === "'";
      const name = quoted ? s.string() : s.ident();
      const op = s.src.slice(s.pos, s.pos + 2);
      s.skipSpace();
      let type: MatchType | null = null;
      const two = s.src.slice(s.pos, s.pos + 2);
      if (two === '!=' || two === '=~' || two === '!~') type = two;
      else if (s.src[s.pos] === '=') type = '=';
      if (type === null) {
        // A lone quoted name is a metric name (Prometheus 3: {"my.metric"}).
        if (quoted && (s.peek() === ',' || s.peek() === '}')) {
          matchers.push(new Matcher('=', '__name__', name));
        } else s.fail(`unexpected ${JSON.stringify(op || 'end of input')} after label name, expected one of =, !=, =~, !~`);
      } else {
        s.pos += type.length;
        const value = s.string();
        try {
          matchers.push(new Matcher(type, name, value));
        } catch (e) {
          s.fail(`invalid regular expression ${JSON.stringify(value)}: ${(e as Error).message}`);
        }
      }
      if (s.peek() === ',') s.pos++;
      else if (s.peek() !== '}') s.fail(`unexpected ${JSON.stringify(s.peek() || 'end of input')}, expected "," or "}"`);
    }
    s.pos++;
  }
  if (s.peek() !== '') s.fail(`unexpected ${JSON.stringify(s.peek())} after the selector`);
  if (matchers.length === 0 || matchers.every((m) => m.matches(''))) {
    throw new ParseError('vector selector must contain at least one non-empty matcher', 0);
  }
  return matchers;
}
