// Constants and helpers shared by the XOR chunk's appender and iterator: the header layout, the
// corruption error, and float64 <-> uint32-halves conversion. Byte layout: docs/format/chunks.md.

import { StorageError } from '../../storage/interface.js';

/** Encoding byte of XOR chunks: every encoded chunk starts with a byte naming its encoding. */
export const ENCODING_XOR = 1;
/** Bytes before the bitstream: encoding (1) + big-endian sample count (2). */
export const XOR_HEADER_BYTES = 3;
/** Most samples one XOR chunk holds (the count field has 16 bits). */
export const XOR_MAX_SAMPLES = 0xffff;

/** A chunk's bytes do not decode: wrong encoding, truncated, or bits no encoder writes. */
export class CorruptChunkError extends StorageError {
  constructor(message: string) {
    super('corrupt_chunk', message);
    this.name = 'CorruptChunkError';
  }
}

/**
 * The sample count of a chunk with the 3-byte header of head chunks (encoding byte, big-endian
 * count), after checking length and encoding; `name` names the encoding in the error.
 */
export function headerCount(bytes: Uint8Array, encoding: number, name: string): number {
  if (bytes.length < XOR_HEADER_BYTES) {
    throw new CorruptChunkError(`chunk is ${bytes.length} bytes, its header alone has ${XOR_HEADER_BYTES}`);
  }
  if (bytes[0] !== encoding) {
    throw new CorruptChunkError(`chunk encoding is ${bytes[0]}, this iterator reads ${name} chunks (${encoding})`);
  }
  return (bytes[1]! << 8) | bytes[2]!;
}

/** @internal No value window written yet (the first XOR must use the explicit `11` form). */
export const NO_WINDOW = 0xff;
/** @internal */
export const TWO_32 = 4294967296;

// Float64 <-> two 32-bit halves without BigInt: one shared 8-byte scratch, the half indices chosen
// for the platform's byte order. Typed-array stores and loads keep NaN payloads bit for bit; V8's
// double arrays (number[]) and Maps do not (they quiet signalling NaNs), so values stay out of them.
/** @internal */
export const scratchF64 = new Float64Array(1);
/** @internal */
export const scratchU32 = new Uint32Array(scratchF64.buffer);
/** @internal The same halves as int32: V8 keeps those as small integers, never heap numbers. */
export const scratchI32 = new Int32Array(scratchF64.buffer);
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
/** @internal Index of the high (sign, exponent) half in scratchU32 / scratchI32. */
export const HI = LITTLE_ENDIAN ? 1 : 0;
/** @internal Index of the low half in scratchU32 / scratchI32. */
export const LO = LITTLE_ENDIAN ? 0 : 1;

/** @internal Float64 whose bits are hi·2^32 + lo (int32 or uint32 halves), built without arithmetic. */
export function fromBits(hi: number, lo: number): number {
  scratchU32[HI] = hi;
  scratchU32[LO] = lo;
  return scratchF64[0]!;
}
