// Constants shared by the block chunk encoder and iterator. Byte layout: docs/format/chunks.md.

export { CorruptChunkError } from './xor-format.js';

/** Encoding byte of block chunks: decimal mantissas and timestamps, range coded. */
export const ENCODING_DECIMAL_RC = 2;
/** Encoding byte of block chunks: decimal mantissas and timestamps, bit-packed (fast to decode). */
export const ENCODING_DECIMAL_PACKED = 3;
/** Most samples one block chunk holds (a bound that keeps corrupt headers from allocating much). */
export const BLOCK_MAX_SAMPLES = 1 << 20;

/** @internal Bit 0 of the modes byte: timestamps on a grid (else delta of delta). */
export const TS_GRID = 1;
/** @internal Bit 1 of the modes byte: mantissas as delta of delta (else delta). */
export const VALUE_DOD = 2;
