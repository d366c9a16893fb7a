// PromQL tokens: their kinds, the keyword tables and the character classes of Prometheus's
// lexer, and how "unexpected …" errors describe a token (Prometheus's Item.desc()).
import { goQuote } from './quote.js';

/** Token kinds. Keywords and operators use their lower-case spelling as kind. */
export type TokenKind =
  | 'EOF'
  | 'ERROR'
  | 'COMMENT'
  | 'IDENTIFIER'
  | 'METRIC_IDENTIFIER'
  | 'NUMBER'
  | 'DURATION'
  | 'STRING'
  | '('
  | ')'
  | '{'
  | '}'
  | '['
  | ']'
  | ','
  | '='
  | ':'
  | '::'
  | OperatorKind
  | AggregatorKind
  | KeywordKind
  | 'start'
  | 'end'
  | 'step'
  | 'range';

export type OperatorKind =
  | '+' | '-' | '*' | '/' | '%' | '^' | '==' | '!=' | '<' | '<=' | '>' | '>=' | '=~' | '!~' | '@'
  | 'and' | 'or' | 'unless' | 'atan2';

export type AggregatorKind =
  | 'sum' | 'avg' | 'count' | 'min' | 'max' | 'group' | 'stddev' | 'stdvar' | 'topk' | 'bottomk'
  | 'count_values' | 'quantile' | 'limitk' | 'limit_ratio';

export type KeywordKind =
  | 'offset' | 'smoothed' | 'anchored' | 'by' | 'without' | 'on' | 'ignoring' | 'group_left'
  | 'group_right' | 'fill' | 'fill_left' | 'fill_right' | 'bool';

export interface Token {
  readonly kind: TokenKind;
  /** Start offset (UTF-16 index) in the input. */
  readonly pos: number;
  /** The token's text; for ERROR the error message. */
  readonly val: string;
}

const OPERATOR_WORDS = ['and', 'or', 'unless', 'atan2'] as const;
export const AGGREGATORS: readonly AggregatorKind[] = [
  'sum', 'avg', 'count', 'min', 'max', 'group', 'stddev', 'stdvar', 'topk', 'bottomk', 'count_values',
  'quantile', 'limitk', 'limit_ratio',
];
const KEYWORDS: readonly KeywordKind[] = [
  'offset', 'smoothed', 'anchored', 'by', 'without', 'on', 'ignoring', 'group_left', 'group_right',
  'fill', 'fill_left', 'fill_right', 'bool',
];
const PREPROCESSORS = ['start', 'end', 'step', 'range'] as const;

/** Keywords, aggregators and word operators by their lower-case spelling. */
export const WORDS = new Map<string, TokenKind>();
for (const w of [...OPERATOR_WORDS, ...AGGREGATORS, ...KEYWORDS, ...PREPROCESSORS]) WORDS.set(w, w);

const OPERATORS = new Set<string>([
  '+', '-', '*', '/', '%', '^', '==', '!=', '<', '<=', '>', '>=', '=~', '!~', '@', 'and', 'or', 'unless', 'atan2',
]);
export const isOperatorKind = (k: TokenKind): k is OperatorKind => OPERATORS.has(k);
export const isAggregatorKind = (k: TokenKind): k is AggregatorKind => (AGGREGATORS as readonly string[]).includes(k);
export const isKeywordKind = (k: TokenKind): k is KeywordKind => (KEYWORDS as readonly string[]).includes(k);

export const isSpace = (c: string | undefined): boolean => c === ' ' || c === '\t' || c === '\n' || c === '\r';
export const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';
export const isAlpha = (c: string | undefined): boolean =>
  c !== undefined && (c === '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'));
export const isAlphaNumeric = (c: string | undefined): boolean => isAlpha(c) || isDigit(c);

/** Describes a token for "unexpected …" messages, as Prometheus's Item.desc() does. */
export function describeToken(t: Token): string {
  switch (t.kind) {
    case 'EOF':
      return 'end of input';
    case 'ERROR':
      return 'error';
    case 'COMMENT':
      return 'comment';
    case 'IDENTIFIER':
      return `identifier ${goQuote(t.val)}`;
    case 'METRIC_IDENTIFIER':
      return `metric identifier ${goQuote(t.val)}`;
    case 'NUMBER':
    case 'DURATION':
    case 'STRING': {
      const what = t.kind === 'NUMBER' ? 'number' : t.kind === 'DURATION' ? 'duration' : 'string';
      const chars = [...t.val];
      return chars.length > 10 ? `${what} ${goQuote(chars.slice(0, 10).join(''))}...` : `${what} ${goQuote(t.val)}`;
    }
  }
  if (isKeywordKind(t.kind)) return `<${t.val}>`;
  if (isAggregatorKind(t.kind)) return `<aggr:${t.val}>`;
  if (isOperatorKind(t.kind)) return `<op:${t.val}>`;
  return goQuote(t.val);
}
