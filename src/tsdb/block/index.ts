// Immutable on-disk blocks: writing them atomically and reading them back.
export { BlockCorruptionError } from './block-error.js';
export { isBlockId, newBlockId } from './block-id.js';
export type { BlockMeta } from './block-meta.js';
export { intersectPostings, subtractPostings, unionPostings } from './postings-ops.js';
export { BlockReader, listBlocks } from './block-reader.js';
export { removeTmpBlocks, writeBlock } from './block-writer.js';
export type { BlockChunkInput, BlockSeriesInput, WriteBlockOptions } from './block-writer.js';
export type { ChunkMeta } from './index-writer.js';
export { isDeleted, type Tombstones } from './tombstones.js';
