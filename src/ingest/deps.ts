// What every ingest handler needs from the node it runs in.
import type { Config } from '../config/index.js';
import type { Storage } from '../storage/index.js';
import type { IngestGate } from './backpressure.js';
import type { DecodePool } from './decode/decode-pool.js';
import type { IngestStats } from './stats.js';
import type { ValidationLimits } from './validate.js';

export interface IngestDeps {
  readonly config: Config;
  readonly storage: Storage;
  readonly stats: IngestStats;
  readonly limits: ValidationLimits;
  /** The decode stage (worker threads or the main thread). */
  readonly decoder: DecodePool;
  /** Bounds between the stages; a request past one is answered 503. */
  readonly gate: IngestGate;
}

/** The validation limits a config sets. */
export function limitsFromConfig(c: Config): ValidationLimits {
  return {
    maxMetricNameLength: c.max_metric_name_length,
    maxLabelNameLength: c.max_label_name_length,
    maxLabelValueLength: c.max_label_value_length,
    maxLabelsPerSeries: c.max_labels_per_series,
    retentionMs: c.retention,
    maxFutureMs: c.max_future,
  };
}
