// Block chunks: the immutable chunk encodings of on-disk blocks (decimal values and timestamps,
// bit-packed or through an adaptive range coder, with XOR as fallback); their public API in one
// import. Byte layout: docs/format/chunks.md ("Block chunk").

export { BLOCK_MAX_SAMPLES, CorruptChunkError, ENCODING_DECIMAL_PACKED, ENCODING_DECIMAL_RC } from './block-format.js';
export { ENCODING_XOR } from './xor-chunk.js';
export { encodeBlockChunk } from './block-encoder.js';
export { BlockChunkDecoder, blockChunkCount } from './block-decoder.js';
export { BlockChunkIterator } from './block-iterator.js';
