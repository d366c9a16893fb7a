import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { compileRe2, RegexError } from './re2.js';

const yes = (pattern: string, ...inputs: string[]): void => {
  const re = compileRe2(pattern);
  for (const s of inputs) assert.equal(re.test(s), true, `${pattern} should match ${JSON.stringify(s)} (${re})`);
};
const no = (pattern: string, ...inputs: string[]): void => {
  const re = compileRe2(pattern);
  for (const s of inputs) assert.equal(re.test(s), false, `${pattern} should not match ${JSON.stringify(s)} (${re})`);
};

test('patterns are fully anchored and . matches newline', () => {
  yes('ap', 'ap');
  no('ap', 'api', 'xap');
  yes('a|b', 'a', 'b');
  no('a|b', 'ab');
  yes('a.c', 'abc', 'a\nc');
  yes('', '');
  no('', 'x');
  yes('.*', '', 'anything\nat all');
  yes('(?-s:a.c)', 'abc');
  no('(?-s:a.c)', 'a\nc');
  yes('.', '😀');
});

test('inline flags', () => {
  yes('(?i)abc', 'ABC', 'aBc');
  no('(?i)abc', 'abd');
  yes('a(?i)bc', 'aBC');
  no('a(?i)bc', 'ABC');
  yes('(?i:a)b', 'Ab');
  no('(?i:a)b', 'AB');
  yes('x(?i:[a-c]+)y', 'xAbCy');
  no('x(?i:[a-c]+)y', 'XAy');
  yes('(?m)a$\nb', 'a\nb');
  yes('(?U)a+', 'aaa');
  yes('(?i)straße', 'STRASSE'.toLowerCase().replace('ss', 'ß'));
});

test('classes, escapes and quoting', () => {
  yes('[[:alpha:]]+', 'abcXYZ');
  no('[[:alpha:]]+', 'ab1');
  yes('[[:^digit:]x]+', 'abx');
  no('[[:^digit:]]', '5');
  yes('[^[:space:]]+', 'a-b');
  no('[^[:space:]a]', 'a', ' ');
  yes('\\d+\\s\\w', '12 a');
  no('\\s', '\u00a0');
  yes('\\S', '\u00a0');
  yes('\\pL+\\p{Greek}', 'abcα');
  yes('\\PL', '1');
  yes('\\Qa.b*c\\E+', 'a.b*cc');
  no('\\Qa.b\\E', 'axb');
  yes('\\Aab\\z', 'ab');
  yes('\\x41\\x{263a}\\101\\.', 'A☺A.');
  yes('a{2,3}', 'aa', 'aaa');
  no('a{2,3}', 'a', 'aaaa');
  yes('a{,2}', 'a{,2}');
  yes('x]}', 'x]}');
  yes('[]a]+', ']a]');
  yes('[a-]+', 'a-');
  yes('\\-\\_', '-_');
  yes('(?P<name>a)(?<b>b)', 'ab');
  yes('^a$', 'a');
  yes('(a*)*', 'aaa');
});

test('refuses what RE2 refuses, with Go error text', () => {
  const cases: [string, string][] = [
    ['(', 'error parsing regexp: missing closing ): `(`'],
    ['(.*', 'error parsing regexp: missing closing ): `(.*`'],
    ['a)', 'error parsing regexp: unexpected ): `a)`'],
    ['[a', 'error parsing regexp: missing closing ]: `[a`'],
    ['*a', 'error parsing regexp: missing argument to repetition operator: `*`'],
    ['a**', 'error parsing regexp: invalid nested repetition operator: `**`'],
    ['a{1001}', 'error parsing regexp: invalid repeat count: `{1001}`'],
    ['(?=a)', 'error parsing regexp: invalid or unsupported Perl syntax: `(?=`'],
    ['(?<!a)', 'error parsing regexp: invalid or unsupported Perl syntax: `(?<!`'],
    ['\\1', 'error parsing regexp: invalid escape sequence: `\\1`'],
    ['\\q', 'error parsing regexp: invalid escape sequence: `\\q`'],
    ['[z-a]', 'error parsing regexp: invalid character class range: `z-a`'],
    ['a\\', 'error parsing regexp: trailing backslash at end of expression: ``'],
  ];
  for (const [p, msg] of cases) {
    assert.throws(() => compileRe2(p), (e: unknown) => e instanceof RegexError && e.message === msg, p);
  }
  assert.throws(() => compileRe2('\\C'), RegexError);
});

test('agrees with plain RegExp on simple patterns', () => {
  const simple = fc.array(fc.constantFrom('a', 'b', '.', '*', '+', '?', '|', '(a)', '[ab]', 'b{1,2}'), { maxLength: 8 }).map((a) => a.join(''));
  fc.assert(
    fc.property(simple, fc.string({ unit: fc.constantFrom('a', 'b', 'c', '\n'), maxLength: 6 }), (p, s) => {
      let plain: RegExp;
      try {
        plain = new RegExp(`^(?:${p})$`, 's');
      } catch {
        return;
      }
      let ours: RegExp;
      try {
        ours = compileRe2(p);
      } catch (e) {
        assert.ok(e instanceof RegexError);
        return;
      }
      assert.equal(ours.test(s), plain.test(s), `${p} on ${JSON.stringify(s)}`);
    }),
    { numRuns: 2000 },
  );
});

test('never throws anything but RegexError', () => {
  fc.assert(
    fc.property(fc.string({ unit: fc.constantFrom(...'ab()[]{}^$.*+?|\\:-,0123456789PQEpdswzAiLx<>='.split('')), maxLength: 12 }), (p) => {
      try {
        compileRe2(p);
      } catch (e) {
        assert.ok(e instanceof RegexError, `${p}: ${String(e)}`);
      }
    }),
    { numRuns: 5000 },
  );
});
