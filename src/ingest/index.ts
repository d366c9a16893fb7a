// Ingest: one folder per protocol, all ending in the same validated append path.
export { seedJsonRoute } from './seed-json/handler.js';
export { importRoute } from './import/handler.js';
export { remoteWriteRoute } from './remote-write/handler.js';
export { influxRoutes } from './influx/handler.js';
export { otlpRoute } from './otlp/handler.js';
export { StatsdListener, type StatsdListenerOptions } from './statsd/listener.js';
export { IngestStats } from './stats.js';
export { limitsFromConfig, type IngestDeps } from './deps.js';
export type { ValidationLimits } from './validate.js';
export { checkLabelName, checkLabelValue, checkMetricName, checkTimestamp } from './validate.js';
export { autoDecodeWorkers, DecodePool, type DecodePoolOptions } from './decode/decode-pool.js';
export { DECODERS } from './decode/decoders.js';
export type { Decoder, Decoded, DecodeContext, DecodeSettings } from './decode/decoder.js';
export { IngestGate, type GateLimits } from './backpressure.js';
