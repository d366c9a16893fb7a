// Translates RE2 regular expressions (what Prometheus label matchers use) into JavaScript RegExps
// with the same meaning: fully anchored, `.` matching newline (Prometheus 3 wraps patterns in
// `^(?s:…)$`), inline flags `(?i)`, `(?i:…)`, `(?m)`, `(?s)`, `(?U)`, POSIX classes, `\Q…\E`,
// `\A`, `\z`, ASCII-only `\d \w \s`. Invalid patterns are refused with Go's regexp error text.

/** A pattern RE2 refuses, or one JavaScript cannot express; message as Go's regexp prints it. */
export class RegexError extends SyntaxError {
  constructor(message: string) {
    super(message);
    this.name = 'RegexError';
  }
}

interface Flags {
  i: boolean;
  m: boolean;
  s: boolean;
  U: boolean;
}

const POSIX: Record<string, string> = {
  alnum: '0-9A-Za-z',
  alpha: 'A-Za-z',
  ascii: '\\x00-\\x7f',
  blank: '\\t ',
  cntrl: '\\x00-\\x1f\\x7f',
  digit: '0-9',
  graph: '!-~',
  lower: 'a-z',
  print: ' -~',
  punct: '!-\\/:-@\\[-`{-~',
  space: '\\t\\n\\v\\f\\r ',
  upper: 'A-Z',
  word: '0-9A-Za-z_',
  xdigit: '0-9A-Fa-f',
};

// RE2's Perl classes are ASCII-only (JavaScript's \s is Unicode-wide).
const PERL: Record<string, string> = { d: '0-9', s: '\\t\\n\\f\\r ', w: '0-9A-Za-z_' };

const SYNTAX = new Set('\\^$.|?*+()[]{}/'.split(''));

const err = (code: string, expr: string): RegexError =>
  new RegexError(`error parsing regexp: ${code}: \`${expr}\``);

const isAlnum = (c: string): boolean => /^[0-9A-Za-z]$/.test(c);

function escLit(c: string): string {
  if (SYNTAX.has(c) || c === '-') return '\\' + c;
  const cp = c.codePointAt(0)!;
  if (cp < 0x20 || cp === 0x7f) return `\\x${cp.toString(16).padStart(2, '0')}`;
  return c;
}

function caseVariants(c: string): string[] {
  const out = new Set([c]);
  for (const v of [c.toLowerCase(), c.toUpperCase()]) if ([...v].length === 1) out.add(v);
  return [...out];
}

/** One class item: a JS class fragment matched positively, or one whose complement is wanted. */
interface ClassItem {
  frag: string;
  negated: boolean;
}

class Translator {
  private pos = 0;
  /** Whether an atom that could hold letters was emitted while (?i) was off. */
  sawCaseSensitive = false;
  sawCaseInsensitive = false;

  constructor(
    private readonly src: string,
    /** Expand case-insensitive parts by hand (when (?i) does not cover the whole pattern). */
    private readonly manualFold: boolean,
  ) {}

  translate(): string {
    const out = this.alternation({ i: false, m: false, s: true, U: false }, 0);
    if (this.pos < this.src.length) throw err('unexpected )', this.src);
    return out;
  }

  private peek(off = 0): string | undefined {
    return this.src[this.pos + off];
  }

  private nextChar(): string {
    const cp = this.src.codePointAt(this.pos)!;
    const c = String.fromCodePoint(cp);
    this.pos += c.length;
    return c;
  }

  private noteCase(flags: Flags): void {
    if (flags.i) this.sawCaseInsensitive = true;
    else this.sawCaseSensitive = true;
  }

  /** Parses until `)` (depth > 0) or the end; flags may change inside via `(?i)`. */
  private alternation(outer: Flags, depth: number): string {
    const flags = { ...outer };
    let out = '';
    // Whether the last emitted thing can take a quantifier, and its text for error messages.
    let canRepeat = false;
    let lastRepeat: string | null = null;
    while (this.pos < this.src.length) {
      const start = this.pos;
      const c = this.peek()!;
      if (c === ')') {
        if (depth === 0) throw err('unexpected )', this.src);
        break;
      }
      if (c === '|') {
        this.pos++;
        out += '|';
        canRepeat = false;
        lastRepeat = null;
        continue;
      }
      const rep = this.repeatOp();
      if (rep !== null) {
        if (lastRepeat !== null) throw err('invalid nested repetition operator', lastRepeat + rep.text);
        if (!canRepeat) throw err('missing argument to repetition operator', rep.text);
        let lazy = rep.lazy;
        if (flags.U) lazy = !lazy;
        out += rep.js + (lazy ? '?' : '');
        lastRepeat = rep.text;
        continue;
      }
      lastRepeat = null;
      if (c === '(') {
        const g = this.group(flags, depth);
        if (g === null) {
          canRepeat = false; // a flag directive such as (?i)
          continue;
        }
        out += g;
        canRepeat = true;
        continue;
      }
      out += this.atom(flags);
      canRepeat = true;
      void start;
    }
    return out;
  }

  private repeatOp(): { text: string; js: string; lazy: boolean } | null {
    const c = this.peek();
    let text: string;
    let js: string;
    if (c === '*' || c === '+' || c === '?') {
      text = c;
      js = c;
      this.pos++;
    } else if (c === '{') {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(this.src.slice(this.pos));
      if (m === null) return null;
      const min = Number(m[1]);
      const max = m[3] === undefined || m[3] === '' ? undefined : Number(m[3]);
      if (min > 1000 || (max !== undefined && (max > 1000 || max < min))) throw err('invalid repeat count', m[0]);
      text = m[0];
      js = m[0];
      this.pos += m[0].length;
    } else return null;
    const lazy = this.peek() === '?';
    if (lazy) {
      this.pos++;
      text += '?';
    }
    return { text, js, lazy };
  }

  private group(flags: Flags, depth: number): string | null {
    const start = this.pos;
    this.pos++; // (
    if (this.peek() !== '?') {
      const inner = this.alternation(flags, depth + 1);
      if (this.peek() !== ')') throw err('missing closing )', this.src);
      this.pos++;
      return `(${inner})`;
    }
    const rest = this.src.slice(this.pos);
    const named = /^\?P?<([A-Za-z0-9_]*)>/.exec(rest);
    if (named !== null) {
      if (named[1] === '') throw err('invalid named capture', this.src.slice(start, this.pos + named[0].length));
      this.pos += named[0].length;
      const inner = this.alternation(flags, depth + 1);
      if (this.peek() !== ')') throw err('missing closing )', this.src);
      this.pos++;
      return `(${inner})`;
    }
    // Flag group: (?flags) or (?flags:...)
    const fm = /^\?([imsU]*)(?:-([imsU]*))?([:)])/.exec(rest);
    if (fm === null || (fm[2] !== undefined && fm[2] === '') || (fm[1] === '' && fm[2] === undefined && fm[3] === ')')) {
      const bad = /^\?(?:<[=!]?|[=!]|[^)]?)/.exec(rest)?.[0] ?? '?';
      throw err('invalid or unsupported Perl syntax', '(' + bad);
    }
    this.pos += fm[0].length;
    const next: Flags = { ...flags };
    for (const f of fm[1]!) next[f as keyof Flags] = true;
    for (const f of fm[2] ?? '') next[f as keyof Flags] = false;
    if (fm[3] === ')') {
      Object.assign(flags, next);
      return null;
    }
    const inner = this.alternation(next, depth + 1);
    if (this.peek() !== ')') throw err('missing closing )', this.src);
    this.pos++;
    return `(?:${inner})`;
  }

  private literal(c: string, flags: Flags): string {
    const variants = caseVariants(c);
    if (variants.length > 1) this.noteCase(flags);
    if (flags.i && this.manualFold && variants.length > 1) return `[${variants.map(escLit).join('')}]`;
    return c === '-' ? c : escLit(c);
  }

  private atom(flags: Flags): string {
    const c = this.nextChar();
    switch (c) {
      case '.':
        return flags.s ? '.' : '[^\\n]';
      case '^':
        return flags.m ? '(?:^|(?<=\\n))' : '(?:^)';
      case '$':
        return flags.m ? '(?:$|(?=\\n))' : '(?:$)';
      case '[':
        return this.charClass(flags);
      case '\\':
        return this.escape(flags);
      default:
        return this.literal(c, flags);
    }
  }

  private escape(flags: Flags): string {
    const start = this.pos - 1;
    if (this.pos >= this.src.length) throw err('trailing backslash at end of expression', '');
    const c = this.nextChar();
    switch (c) {
      case 'A':
        return '(?:^)';
      case 'z':
        return '(?:$)';
      case 'b':
        return '(?:\\b)';
      case 'B':
        return '(?:\\B)';
      case 'C':
        throw new RegexError('error parsing regexp: \\C (match any byte) cannot be expressed in JavaScript');
      case 'Q': {
        const end = this.src.indexOf('\\E', this.pos);
        const lit = this.src.slice(this.pos, end < 0 ? undefined : end);
        this.pos = end < 0 ? this.src.length : end + 2;
        return [...lit].map((ch) => `(?:${this.literal(ch, flags)})`).join('');
      }
      case 'E':
        return ''; // \E without \Q is ignored by RE2
    }
    const cls = this.perlOrUnicodeClass(c, start);
    if (cls !== null) {
      this.noteCase(flags);
      return cls.negated ? `[^${cls.frag}]` : `[${cls.frag}]`;
    }
    return this.literal(this.escapedChar(c, start), flags);
  }

  /** `\d \s \w` (and negations) or `\pX \p{Name} \PX \p{^Name}`; null for other escapes. */
  private perlOrUnicodeClass(c: string, start: number): ClassItem | null {
    const lower = c.toLowerCase();
    if (lower in PERL && (c === lower || c === c.toUpperCase())) {
      return { frag: PERL[lower]!, negated: c !== lower };
    }
    if (c === 'p' || c === 'P') {
      let name: string;
      if (this.peek() === '{') {
        const end = this.src.indexOf('}', this.pos);
        if (end < 0) throw err('invalid character class range', this.src.slice(start));
        name = this.src.slice(this.pos + 1, end);
        this.pos = end + 1;
      } else {
        if (this.pos >= this.src.length) throw err('invalid character class range', this.src.slice(start));
        name = this.nextChar();
      }
      let neg = c === 'P';
      if (name.startsWith('^')) {
        neg = !neg;
        name = name.slice(1);
      }
      const text = this.src.slice(start, this.pos);
      let frag: string;
      if (name === 'Any') frag = '\\s\\S';
      else if (/^[A-Z][a-z]?$/.test(name)) frag = `\\p{${name}}`;
      else frag = `\\p{Script=${name}}`;
      try {
        new RegExp(`[${frag}]`, 'u');
      } catch {
        throw err('invalid character class range', text);
      }
      return { frag, negated: neg };
    }
    return null;
  }

  /** The character an escape such as `\n`, `\x41`, `\x{263a}`, `\101` or `\.` stands for. */
  private escapedChar(c: string, start: number): string {
    const simple: Record<string, string> = { a: '\x07', f: '\f', t: '\t', n: '\n', r: '\r', v: '\v' };
    if (c in simple) return simple[c]!;
    if (c >= '0' && c <= '7') {
      // A lone \1-\7 would be a backreference, which RE2 does not have.
      if (c !== '0' && !(this.peek() !== undefined && this.peek()! >= '0' && this.peek()! <= '7')) {
        throw err('invalid escape sequence', this.src.slice(start, this.pos));
      }
      let digits = c;
      while (digits.length < 3 && this.peek() !== undefined && this.peek()! >= '0' && this.peek()! <= '7') digits += this.nextChar();
      return String.fromCodePoint(parseInt(digits, 8));
    }
    if (c === 'x') {
      if (this.peek() === '{') {
        const m = /^\{([0-9A-Fa-f]+)\}/.exec(this.src.slice(this.pos));
        if (m === null || parseInt(m[1]!, 16) > 0x10ffff) throw err('invalid escape sequence', this.src.slice(start, this.pos + 1));
        this.pos += m[0].length;
        return String.fromCodePoint(parseInt(m[1]!, 16));
      }
      const m = /^[0-9A-Fa-f]{2}/.exec(this.src.slice(this.pos));
      if (m === null) throw err('invalid escape sequence', this.src.slice(start, Math.min(this.src.length, this.pos + 2)));
      this.pos += 2;
      return String.fromCodePoint(parseInt(m[0], 16));
    }
    if (c.codePointAt(0)! < 0x80 && !isAlnum(c)) return c;
    throw err('invalid escape sequence', this.src.slice(start, this.pos));
  }

  private charClass(flags: Flags): string {
    const start = this.pos - 1;
    let negate = false;
    if (this.peek() === '^') {
      negate = true;
      this.pos++;
    }
    const items: ClassItem[] = [];
    let first = true;
    for (;;) {
      if (this.pos >= this.src.length) throw err('missing closing ]', this.src.slice(start));
      const c = this.peek()!;
      if (c === ']' && !first) {
        this.pos++;
        break;
      }
      first = false;
      if (c === '[' && this.peek(1) === ':') {
        const m = /^\[:(\^?)([a-z]+):\]/.exec(this.src.slice(this.pos));
        if (m !== null) {
          const set = POSIX[m[2]!];
          if (set === undefined) throw err('invalid character class range', m[0]);
          items.push({ frag: set, negated: m[1] === '^' });
          this.pos += m[0].length;
          this.noteCase(flags);
          continue;
        }
      }
      if (c === '\\') {
        const escStart = this.pos;
        this.pos++;
        if (this.pos >= this.src.length) throw err('missing closing ]', this.src.slice(start));
        const e = this.nextChar();
        const cls = this.perlOrUnicodeClass(e, escStart);
        if (cls !== null) {
          this.noteCase(flags);
          // JS's \S is Unicode-wide, so a negated Perl class needs the complement form.
          items.push(cls);
          continue;
        }
        this.pos = escStart;
      }
      const lo = this.classChar(start);
      if (this.peek() === '-' && this.peek(1) !== ']' && this.peek(1) !== undefined) {
        const rangeStart = this.pos - lo.length;
        this.pos++;
        const hi = this.classChar(start);
        if (hi.codePointAt(0)! < lo.codePointAt(0)!) throw err('invalid character class range', this.src.slice(rangeStart, this.pos));
        items.push({ frag: `${escLit(lo)}-${escLit(hi)}`, negated: false });
        this.foldRange(lo, hi, flags, items);
      } else {
        items.push({ frag: escLit(lo), negated: false });
        if (caseVariants(lo).length > 1) {
          this.noteCase(flags);
          if (flags.i && this.manualFold) for (const v of caseVariants(lo)) items.push({ frag: escLit(v), negated: false });
        }
      }
    }
    const pos = items.filter((x) => !x.negated).map((x) => x.frag).join('');
    const negs = items.filter((x) => x.negated).map((x) => x.frag);
    if (negs.length === 0) return negate ? `[^${pos}]` : `[${pos}]`;
    const parts = [...(pos === '' ? [] : [`[${pos}]`]), ...negs.map((n) => `[^${n}]`)];
    const union = `(?:${parts.join('|')})`;
    return negate ? `(?:(?!${union})[\\s\\S])` : union;
  }

  /** Reads one (possibly escaped) character inside a class. */
  private classChar(classStart: number): string {
    const c = this.nextChar();
    if (c !== '\\') return c;
    if (this.pos >= this.src.length) throw err('missing closing ]', this.src.slice(classStart));
    const start = this.pos - 1;
    return this.escapedChar(this.nextChar(), start);
  }

  private foldRange(lo: string, hi: string, flags: Flags, items: ClassItem[]): void {
    const a = lo.codePointAt(0)!;
    const b = hi.codePointAt(0)!;
    let letters = false;
    const extra = new Set<string>();
    for (let cp = a; cp <= b && cp - a < 512; cp++) {
      const vs = caseVariants(String.fromCodePoint(cp));
      if (vs.length > 1) {
        letters = true;
        for (const v of vs) extra.add(v);
      }
    }
    if (!letters) return;
    this.noteCase(flags);
    if (flags.i && this.manualFold) for (const v of extra) items.push({ frag: escLit(v), negated: false });
  }
}

const cache = new Map<string, RegExp>();

/**
 * Compiles an RE2 pattern, as Prometheus's label matchers read it, into an equivalent JavaScript
 * RegExp anchored at both ends. Throws RegexError for patterns RE2 refuses (with Go's message)
 * or that JavaScript cannot express.
 * @example compileRe2('(?i)api|web').test('API') // true
 */
export function compileRe2(pattern: string): RegExp {
  const hit = cache.get(pattern);
  if (hit !== undefined) return hit;
  let t = new Translator(pattern, false);
  let body = t.translate();
  let flags = 'su';
  if (t.sawCaseInsensitive) {
    if (!t.sawCaseSensitive) flags += 'i';
    else {
      t = new Translator(pattern, true);
      body = t.translate();
    }
  }
  let re: RegExp;
  try {
    re = new RegExp(`^(?:${body})$`, flags);
  } catch (e) {
    throw new RegexError(`error parsing regexp: pattern cannot be expressed in JavaScript: ${(e as Error).message}`);
  }
  if (cache.size > 1000) cache.clear();
  cache.set(pattern, re);
  return re;
}
