import { test } from 'node:test';
import assert from 'node:assert/strict';
import { unescapeName } from './labels.js';

test('unescapeName reverses U__ escaping as Prometheus model.UnescapeName does', () => {
  assert.equal(unescapeName('U__http_2e_method'), 'http.method');
  assert.equal(unescapeName('U__a__b'), 'a_b');
  assert.equal(unescapeName('U___1F600_'), '\u{1F600}');
  assert.equal(unescapeName('U__'), '');
  // Not well-formed escapes: the name as given.
  for (const raw of ['U__a_b', 'U__a_', 'U__x_FFFFFFF_', 'U__x_110000_', 'U__x_D800_', 'U__x_zz_']) assert.equal(unescapeName(raw), raw, raw);
});
