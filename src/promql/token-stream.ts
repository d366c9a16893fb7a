// The token cursor under the PromQL parser: lookahead, the error list, and Prometheus's
// "unexpected <token> in <context>, expected <what>" messages.
import { describeToken, lex, type Token, type TokenKind } from './lexer.js';

/** Stops the descent after a syntax error (which has been recorded). */
export class Stop extends Error {}

export interface ErrorEntry {
  pos: number;
  msg: string;
}

/** Tokens of one query (comments dropped) and the errors found so far. */
export class TokenStream {
  protected i = 0;
  readonly errors: ErrorEntry[] = [];
  protected readonly contexts: string[] = [];
  protected readonly toks: Token[];

  constructor(readonly input: string) {
    this.toks = lex(input).filter((t) => t.kind !== 'COMMENT');
  }

  protected peek(off = 0): Token {
    return this.toks[Math.min(this.i + off, this.toks.length - 1)]!;
  }
  protected next(): Token {
    const t = this.peek();
    if (this.i < this.toks.length - 1) this.i++;
    return t;
  }
  protected end(t: Token): number {
    return t.pos + t.val.length;
  }
  protected prevEnd(): number {
    const t = this.toks[this.i - 1];
    return t === undefined ? 0 : this.end(t);
  }

  error(pos: number, msg: string): void {
    this.errors.push({ pos, msg });
  }

  /** Records "unexpected <token> [in context][, expected …]" (or the lexer's error) and stops. */
  protected unexpected(t: Token, context?: string, expected?: string): never {
    if (t.kind === 'ERROR') this.error(t.pos, t.val);
    else {
      const ctx = context ?? this.contexts[this.contexts.length - 1];
      let msg = `unexpected ${describeToken(t)}`;
      if (ctx !== undefined && ctx !== '') msg += ` in ${ctx}`;
      if (expected !== undefined) msg += `, expected ${expected}`;
      this.error(t.pos, msg);
    }
    throw new Stop();
  }

  protected expect(kind: TokenKind, context?: string, expected?: string): Token {
    const t = this.peek();
    if (t.kind !== kind) this.unexpected(t, context, expected);
    return this.next();
  }
}
