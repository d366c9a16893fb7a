// PromQL: the public face of the folder — parsing, printing, the syntax tree, RE2 regexes.
export type * from './ast.js';
export { children } from './ast.js';
export { parseExpr, parseVectorSelector } from './parser.js';
export { formatExpr, formatMatcher, prettyExpr } from './printer.js';
export { ParseError } from './parse-error.js';
export { parseSelector } from './selector.js';
export { compileRe2, RegexError } from './re2.js';
export { newMatcher } from './matcher.js';
export { FUNCTIONS, getFunction, type FunctionDef } from './functions.js';
export { checkExpr, typeOf, documentedType } from './check.js';
export { formatDigits, formatDuration, formatNumber, parseDuration } from './duration.js';
export { ParseCache } from './parse-cache.js';
