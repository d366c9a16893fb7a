// Parsed queries kept by their text: a dashboard sends the same few queries on every refresh,
// and parsing and type-checking one costs more than answering a small one (a raw series over an
// hour). The engine only reads a syntax tree, never changes it, so one tree serves every request
// with that text.
import type { Expr } from './ast.js';
import { parseExpr } from './parser.js';

/** A bounded map from query text to its parsed tree, least recently used dropped first. */
export class ParseCache {
  /** Trees by text, least recently used first (Map keeps insertion order). */
  private readonly trees = new Map<string, Expr>();

  /** Holds at most `max` trees, of texts up to `maxTextLength` characters (longer ones are parsed every time). */
  constructor(
    private readonly max = 512,
    private readonly maxTextLength = 4096,
  ) {}

  /** Trees held now. */
  get size(): number {
    return this.trees.size;
  }

  /**
   * `parseExpr(text)`, from the cache when the same text was parsed before; errors (ParseError)
   * are thrown every time, never kept.
   */
  parse(text: string): Expr {
    const held = this.trees.get(text);
    if (held !== undefined) {
      this.trees.delete(text);
      this.trees.set(text, held);
      return held;
    }
    const e = parseExpr(text);
    if (text.length <= this.maxTextLength && this.max > 0) {
      this.trees.set(text, e);
      if (this.trees.size > this.max) this.trees.delete(this.trees.keys().next().value!);
    }
    return e;
  }
}
