// The XOR chunk encoding (Gorilla: delta-of-delta timestamps, XOR'ed float64 bits), the head's
// per-series chunk: its public API in one import. Byte layout: docs/format/chunks.md.

export { CorruptChunkError, ENCODING_XOR, XOR_HEADER_BYTES, XOR_MAX_SAMPLES } from './xor-format.js';
export { XorAppender } from './xor-appender.js';
export { XorIterator } from './xor-iterator.js';
