import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { goQuote, isValidLabelName, unquote } from './quote.js';

test('unquote decodes \\x and octal escapes as UTF-8 bytes, as Go does', () => {
  assert.equal(unquote('"\\xc3\\xa9"'), 'é');
  assert.equal(unquote('"\\303\\251"'), 'é');
  assert.equal(unquote('"\\xe2\\x82\\xac!"'), '€!');
  assert.equal(unquote('"a\\x41\\u00e9"'), 'aAé');
  // A byte that is not valid UTF-8 is kept, as a lone surrogate.
  assert.equal(unquote('"\\xff"'), '\udcff');
  assert.equal(unquote('"\\xc3x"'), '\udcc3x');
  assert.equal(unquote('"\\xed\\xa0\\x80"'), '\udced\udca0\udc80'); // an encoded surrogate is invalid UTF-8
  assert.equal(unquote('"\\xe0\\x80\\x80"'), '\udce0\udc80\udc80'); // overlong
  assert.equal(unquote('`\\xff`'), '\\xff');
});

test('label names must be non-empty valid UTF-8', () => {
  assert.equal(isValidLabelName('dst'), true);
  assert.equal(isValidLabelName('ünïcode 🙂'), true);
  assert.equal(isValidLabelName(''), false);
  assert.equal(isValidLabelName(unquote('"\\xff"')), false);
});

test('goQuote prints bytes of invalid UTF-8 as \\x escapes', () => {
  assert.equal(goQuote(unquote('"a\\xffb"')), '"a\\xffb"');
});

test('unquote(goQuote(s)) gives s back, invalid bytes included', () => {
  // Bytes that can never start or continue valid UTF-8 on their own: continuation bytes and 0xf8-0xff.
  const badByte = fc.oneof(fc.integer({ min: 0x80, max: 0xbf }), fc.integer({ min: 0xf8, max: 0xff })).map((b) => String.fromCharCode(0xdc00 + b));
  const piece = fc.oneof(fc.string({ unit: 'binary', maxLength: 4 }), badByte);
  fc.assert(
    fc.property(fc.array(piece, { maxLength: 8 }), (parts) => {
      const s = parts.join('');
      assert.equal(unquote(goQuote(s)), s);
    }),
  );
});
