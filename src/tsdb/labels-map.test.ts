import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { labelsFromRecord, labelsKey, type Labels } from '../storage/index.js';
import { labelsHash, LabelsMap } from './labels-map.js';

const labelSet = fc.dictionary(fc.string({ maxLength: 4 }), fc.string({ maxLength: 4 }), { maxKeys: 4 }).map(labelsFromRecord);

test('LabelsMap behaves like a map keyed by the canonical label string', () => {
  fc.assert(
    fc.property(fc.array(labelSet, { maxLength: 60 }), (sets) => {
      const m = new LabelsMap<{ labels: Labels; i: number }>();
      const model = new Map<string, number>();
      sets.forEach((labels, i) => {
        const k = labelsKey(labels);
        assert.equal(m.get(labels)?.i, model.get(k));
        if (!model.has(k)) {
          model.set(k, i);
          m.add({ labels, i });
        }
      });
      assert.equal(m.size, model.size);
    }),
  );
});

test('colliding hashes are told apart by their labels', () => {
  const m = new LabelsMap<{ labels: Labels }>();
  const a = { labels: labelsFromRecord({ a: '1' }) };
  const b = { labels: labelsFromRecord({ b: '2' }) };
  m.add(a, 7);
  m.add(b, 7);
  assert.equal(m.get(a.labels, 7), a);
  assert.equal(m.get(b.labels, 7), b);
  assert.equal(m.get(labelsFromRecord({ c: '3' }), 7), undefined);
  assert.notEqual(labelsHash(labelsFromRecord({ ab: 'c' })), labelsHash(labelsFromRecord({ a: 'bc' })));
});
