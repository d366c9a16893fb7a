// The PromQL evaluator: instant and range queries over the storage contract.
export { Engine, DEFAULT_ENGINE_OPTIONS } from './engine.js';
export type { EngineOptions, QuerierFactory } from './evaluator.js';
export { EvalError, isStaleNaN, type Value, type Sample, type RangeSeries } from './value.js';
export { RangeCache, type CachedRangeSeries } from './range-cache.js';
