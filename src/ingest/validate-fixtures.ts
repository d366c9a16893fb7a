// Validation limits for tests and benches: `metricstream serve`'s defaults with a 15-day
// retention, each overridable.
import type { ValidationLimits } from './validate.js';

export function testLimits(o: Partial<ValidationLimits> = {}): ValidationLimits {
  return { maxMetricNameLength: 255, maxLabelNameLength: 128, maxLabelValueLength: 2048, maxLabelsPerSeries: 64, retentionMs: 15 * 86_400_000, maxFutureMs: 600_000, ...o };
}
