// The storage contract: the only face of storage that the rest of MetricStream imports.
export * from './interface.js';
export * from './labels.js';
export * from './change-feed.js';
