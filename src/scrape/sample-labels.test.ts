import { test } from 'node:test';
import assert from 'node:assert/strict';
import { labelsFromRecord, labelsToRecord, type Label } from '../storage/index.js';
import { compileRelabel } from './relabel.js';
import { seriesLabels } from './sample-labels.js';

const limits = { maxMetricNameLength: 255, maxLabelNameLength: 128, maxLabelValueLength: 2048, maxLabelsPerSeries: 4, retentionMs: 0, maxFutureMs: 600_000 };
const target = labelsFromRecord({ instance: 'h:1', job: 'node' });
const exposed = (r: Record<string, string>): Label[] => Object.entries(r).map(([name, value]) => ({ name, value }));

function final(r: Record<string, string>, honor = false, rules: object[] = []) {
  const s = seriesLabels(exposed(r), target, honor, compileRelabel(rules as never), limits);
  return s.labels === null ? s.problem : labelsToRecord(s.labels);
}

test('honor_labels false: clashing exposed labels become exported_, repeatedly while taken', () => {
  assert.deepEqual(final({ __name__: 'm', job: 'x' }), { __name__: 'm', exported_job: 'x', instance: 'h:1', job: 'node' });
  assert.deepEqual(final({ __name__: 'm', job: 'x', exported_job: 'y' }), { __name__: 'm', exported_exported_job: 'x', exported_job: 'y', instance: 'h:1', job: 'node' });
  // An empty exposed value is no label, so no clash.
  assert.deepEqual(final({ __name__: 'm', job: '' }), { __name__: 'm', instance: 'h:1', job: 'node' });
});

test('honor_labels true: exposed labels win, target labels fill the gaps', () => {
  assert.deepEqual(final({ __name__: 'm', job: 'x' }, true), { __name__: 'm', instance: 'h:1', job: 'x' });
});

test('metric relabeling runs after the merge; a dropped series has no problem, an invalid one has one', () => {
  assert.equal(final({ __name__: 'm' }, false, [{ action: 'drop', source_labels: ['job'], regex: 'node', separator: ';', target_label: '', modulus: 0, replacement: '$1' }]), null);
  assert.match(final({ __name__: 'm', a: '1', b: '2', c: '3' }) as string, /series has 5 labels, the limit is 4/);
  assert.match(final({ __name__: 'm', __x: '1' }) as string, /reserved/);
});

test('honor_labels true: an exposed empty label keeps the target label off the series (Pushgateway\'s instance="")', () => {
  assert.deepEqual(final({ __name__: 'm', instance: '' }, true), { __name__: 'm', job: 'node' });
  assert.deepEqual(final({ __name__: 'm', instance: '', job: '' }, true), { __name__: 'm' });
});
