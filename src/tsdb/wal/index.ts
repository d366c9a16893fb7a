// The write-ahead log of the embedded TSDB: the Wal itself, the record codecs and their errors.
export { Wal, type FsyncPolicy, type WalOptions, type WalStats } from './wal.js';
export type { ReplayProgress, ReplayResult, ReplayTruncation } from './replay.js';
export {
  decodeMetadata,
  decodeSamples,
  decodeSeries,
  encodeMetadata,
  encodeSamples,
  encodeSeries,
  MAX_RECORD_PAYLOAD,
  RECORD_METADATA,
  RECORD_SAMPLES,
  RECORD_SERIES,
  type RefMetadata,
  type RefSeries,
  type SampleBatch,
} from './record.js';
export { WalCorruptionError, WalWriteError } from './wal-error.js';
