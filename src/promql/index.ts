// PromQL: for now the series selector parser; the engine comes with its own issue.
export { parseSelector, ParseError } from './selector.js';
