// Block chunks: the immutable, size-optimised chunk encoding of on-disk blocks (decimal values and
// timestamps through an adaptive range coder, with XOR as fallback); its public API in one import.
// Byte layout: docs/format/chunks.md ("Block chunk").

export { BLOCK_MAX_SAMPLES, CorruptChunkError, ENCODING_DECIMAL_RC } from './block-format.js';
export { ENCODING_XOR } from './xor-chunk.js';
export { encodeBlockChunk } from './block-encoder.js';
export { BlockChunkIterator } from './block-iterator.js';
