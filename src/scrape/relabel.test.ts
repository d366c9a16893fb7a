import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { scrapeConfigsSchema, type RelabelConfig } from '../config/scrape-schema.js';
import { captureGroupNames, compileRelabel, expandTemplate, hashMod, relabel } from './relabel.js';

/** Rules as written in YAML, with Prometheus's defaults filled in by the config schema. */
function rules(written: object[]): RelabelConfig[] {
  const r = scrapeConfigsSchema.safeParse([{ job_name: 'j', relabel_configs: written }]);
  if (!r.success) throw new Error(r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
  return r.data[0]!.relabel_configs;
}

function apply(labels: Record<string, string>, written: object[]): Record<string, string> | null {
  const m = new Map(Object.entries(labels));
  if (!relabel(m, compileRelabel(rules(written)))) return null;
  return Object.fromEntries([...m].sort());
}

test('replace: defaults regex (.*), replacement $1, separator ;', () => {
  assert.deepEqual(apply({ a: 'x', b: 'y' }, [{ source_labels: ['a', 'b'], target_label: 'c' }]), { a: 'x', b: 'y', c: 'x;y' });
  assert.deepEqual(
    apply({ a: 'foo-bar' }, [{ source_labels: ['a'], regex: '(f\\w+)-(?P<second>.*)', target_label: 'c', replacement: '${second}/$1/$$/${1}x' }]),
    { a: 'foo-bar', c: 'bar/foo/$/foox' },
  );
  // Go reads `$1x` as the group named "1x", which does not exist: empty.
  assert.deepEqual(apply({ a: 'v' }, [{ source_labels: ['a'], target_label: 'c', replacement: '$1x' }]), { a: 'v' });
  // No match: nothing changes.
  assert.deepEqual(apply({ a: 'v' }, [{ source_labels: ['a'], regex: 'w', target_label: 'c', replacement: 'z' }]), { a: 'v' });
  // The regex is fully anchored.
  assert.deepEqual(apply({ a: 'xvx' }, [{ source_labels: ['a'], regex: 'v', target_label: 'c', replacement: 'z' }]), { a: 'xvx' });
  // An empty result deletes the target label.
  assert.deepEqual(apply({ a: 'v', c: 'old' }, [{ source_labels: ['missing'], target_label: 'c' }]), { a: 'v' });
  // The target label may use the groups; an invalid result name is skipped.
  assert.deepEqual(apply({ a: 'name_x' }, [{ source_labels: ['a'], regex: 'name_(.*)', target_label: 'l_$1', replacement: 'v' }]), { a: 'name_x', l_x: 'v' });
  assert.deepEqual(apply({ a: '1' }, [{ source_labels: ['a'], target_label: '$1', replacement: 'v' }]), { a: '1' });
  // Case-insensitive action names and RE2 inline flags.
  assert.deepEqual(apply({ a: 'ABC' }, [{ action: 'Replace', source_labels: ['a'], regex: '(?i)a(b)c', target_label: 'c' }]), { a: 'ABC', c: 'B' });
});

test('keep and drop', () => {
  const l = { __name__: 'up', job: 'node' };
  assert.deepEqual(apply(l, [{ action: 'keep', source_labels: ['job'], regex: 'node|db' }]), l);
  assert.equal(apply(l, [{ action: 'keep', source_labels: ['job'], regex: 'no' }]), null);
  assert.equal(apply(l, [{ action: 'drop', source_labels: ['__name__', 'job'], regex: 'up;node' }]), null);
  assert.deepEqual(apply(l, [{ action: 'drop', source_labels: ['__name__'], regex: 'u' }]), l);
  // A missing label is the empty string.
  assert.equal(apply(l, [{ action: 'keep', source_labels: ['nope'], regex: '.+' }]), null);
  assert.deepEqual(apply(l, [{ action: 'drop', source_labels: ['nope'], regex: '.+' }]), l);
});

test('labelmap, labeldrop, labelkeep', () => {
  const l = { __meta_x_a: '1', __meta_x_b: '2', job: 'j' };
  assert.deepEqual(apply(l, [{ action: 'labelmap', regex: '__meta_x_(.+)' }]), { ...l, a: '1', b: '2' });
  assert.deepEqual(apply(l, [{ action: 'labelmap', regex: '__meta_(x)_(.+)', replacement: '${1}_$2' }]), { ...l, x_a: '1', x_b: '2' });
  assert.deepEqual(apply(l, [{ action: 'labeldrop', regex: '__meta_.*' }]), { job: 'j' });
  assert.deepEqual(apply(l, [{ action: 'labelkeep', regex: '__meta_x_a|job' }]), { __meta_x_a: '1', job: 'j' });
});

test('hashmod: the last 8 bytes of MD5 as an integer, modulo', () => {
  // md5("foo") = acbd18db4cc2f85cedef654fccc4a4d8; low 8 bytes 0xedef654fccc4a4d8.
  assert.equal(hashMod('foo', 1000), Number(0xedef654fccc4a4d8n % 1000n));
  assert.deepEqual(apply({ a: 'foo' }, [{ action: 'hashmod', source_labels: ['a'], modulus: 1000, target_label: 'h' }]), { a: 'foo', h: String(0xedef654fccc4a4d8n % 1000n) });
  fc.assert(fc.property(fc.string(), fc.integer({ min: 1, max: 1e6 }), (s, m) => {
    const h = hashMod(s, m);
    return Number.isInteger(h) && h >= 0 && h < m;
  }));
});

test('lowercase, uppercase, keepequal, dropequal', () => {
  assert.deepEqual(apply({ a: 'MiX' }, [{ action: 'lowercase', source_labels: ['a'], target_label: 'b' }]), { a: 'MiX', b: 'mix' });
  assert.deepEqual(apply({ a: 'MiX' }, [{ action: 'uppercase', source_labels: ['a'], target_label: 'b' }]), { a: 'MiX', b: 'MIX' });
  assert.deepEqual(apply({ a: '1', b: '1' }, [{ action: 'keepequal', source_labels: ['a'], target_label: 'b' }]), { a: '1', b: '1' });
  assert.equal(apply({ a: '1', b: '2' }, [{ action: 'keepequal', source_labels: ['a'], target_label: 'b' }]), null);
  assert.equal(apply({ a: '1', b: '1' }, [{ action: 'dropequal', source_labels: ['a'], target_label: 'b' }]), null);
});

test('rules apply in order, each seeing the previous result', () => {
  assert.deepEqual(
    apply({ __address__: 'h:9100' }, [
      { source_labels: ['__address__'], regex: '([^:]+):.*', target_label: 'host' },
      { source_labels: ['host'], target_label: 'copy' },
      { action: 'labeldrop', regex: 'host' },
    ]),
    { __address__: 'h:9100', copy: 'h' },
  );
});

test('config validation: the messages Prometheus gives', () => {
  const bad = (r: object, msg: RegExp) => assert.throws(() => rules([r]), msg);
  bad({ action: 'hashmod', source_labels: ['a'], target_label: 'h' }, /hashmod requires non-zero modulus/);
  bad({ source_labels: ['a'] }, /replace action requires 'target_label' value/);
  bad({ source_labels: ['a'], target_label: '0bad' }, /"0bad" is invalid 'target_label' for replace action/);
  bad({ action: 'labeldrop', regex: 'a', source_labels: ['x'] }, /labeldrop action requires only 'regex', and no other fields/);
  bad({ action: 'nope' }, /action/);
  bad({ regex: '(' }, /invalid regex: error parsing regexp: missing closing \)/);
  bad({ regex: 'a', unknown_key: 1 }, /Unrecognized key/);
});

test('capture group names are numbered as RE2 numbers groups', () => {
  assert.deepEqual([...captureGroupNames('(a)(?:b)(?P<x>c)[(](?<y>d)\\((e)')], [['x', 2], ['y', 3]]);
  const m = /^(a)(b)?$/.exec('a')!;
  assert.equal(expandTemplate('[$1][$2][$3][$]', m, new Map()), '[a][][][$]');
});
