// The embedded storage engine: the only face of tsdb the rest of MetricStream imports.
export { Tsdb, type TsdbOptions, type EngineLogger } from './db.js';
export { DataDirLockedError } from './lock-file.js';
export type { TsdbStatus } from './tsdb-status.js';
