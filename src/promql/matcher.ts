// Builds storage matchers whose regex follows RE2 semantics (see re2.ts) instead of the
// storage Matcher's plain anchored `new RegExp`, which RE2 syntax such as `(?i)` would break.
import { Matcher, type MatchType } from '../storage/index.js';
import { compileRe2 } from './re2.js';

/**
 * A label matcher; for `=~` and `!~` the value is compiled as an RE2 pattern (throws RegexError).
 * @example newMatcher('=~', 'job', '(?i)api.*').matches('API-1') // true
 */
export function newMatcher(type: MatchType, name: string, value: string): Matcher {
  if (type !== '=~' && type !== '!~') return new Matcher(type, name, value);
  return new Matcher(type, name, value, compileRe2(value));
}
