// The write-ahead log of the embedded TSDB: the Wal itself, the record codecs and their errors.
export { Wal, type FsyncPolicy, type WalOptions, type WalStats } from './wal.js';
export type { ReplayProgress, ReplayResult, ReplayTruncation } from './replay.js';
export {
  decodeChunks,
  decodeMetadata,
  decodeSamples,
  decodeSeries,
  decodeTombstones,
  encodeChunks,
  encodeMetadata,
  encodeSamples,
  encodeSeries,
  encodeTombstones,
  MAX_RECORD_PAYLOAD,
  RECORD_CHUNKS,
  RECORD_METADATA,
  RECORD_SAMPLES,
  RECORD_SERIES,
  RECORD_TOMBSTONES,
  type RefChunk,
  type RefChunks,
  type RefMetadata,
  type RefSeries,
  type RefTombstone,
  type SampleBatch,
} from './record.js';
export { WalCorruptionError, WalWriteError } from './wal-error.js';
export { listSegments, segmentHeader, checkSegmentHeader, segmentName, syncDir } from './segment.js';
export { recordCrc, frameRecord, RECORD_HEADER_BYTES } from './record.js';
