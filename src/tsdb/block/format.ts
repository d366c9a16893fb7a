// Constants of the block file formats (docs/format/index.md, docs/format/block.md) and the
// bounds-checked reader used to decode them.
import { crc32 } from 'node:zlib';
import { ByteReader } from '../wal/byte-reader.js';
import { BlockCorruptionError } from './block-error.js';

/** "MSIX": first 4 bytes of an index file. */
export const INDEX_MAGIC = 0x4d534958;
/** "MSCK": first 4 bytes of a chunks file. */
export const CHUNKS_MAGIC = 0x4d53434b;
export const INDEX_VERSION = 1;
export const CHUNKS_VERSION = 1;
/** Magic (4 bytes) + version (1 byte). */
export const HEADER_SIZE = 5;
/** Number of 8-byte fields in the index table of contents. */
export const TOC_FIELDS = 7;
/** TOC fields + CRC32. */
export const TOC_SIZE = TOC_FIELDS * 8 + 4;
/** One entry of the series offset table per this many series. */
export const SERIES_STRIDE = 16;
/** Largest chunk the writer accepts and the reader believes (a guard against garbage lengths). */
export const MAX_CHUNK_BYTES = 1 << 30;

export const INDEX_FILE = 'index';
export const CHUNKS_FILE = 'chunks';
export const META_FILE = 'meta.json';
export const TMP_SUFFIX = '.tmp';

/** Index sections in file order; the TOC lists their offsets in this order. */
export const SECTIONS = ['info', 'symbols', 'series', 'series offsets', 'postings', 'postings offsets'] as const;

/** CRC32 (IEEE, as zlib) of some bytes. */
export function checksum(b: Uint8Array): number {
  return crc32(b) >>> 0;
}

export function hex32(v: number): string {
  return '0x' + v.toString(16).padStart(8, '0');
}

/**
 * Decodes one region of a file; every failure is a BlockCorruptionError naming the file, the
 * region and the absolute byte offset.
 */
export class BlockByteReader extends ByteReader {
  private readonly file: string;
  private readonly region: string;
  private readonly base: number;

  /** `bytes` starts at absolute offset `base` of `file`. */
  constructor(bytes: Uint8Array, file: string, region: string, base: number) {
    super(bytes, region);
    this.file = file;
    this.region = region;
    this.base = base;
  }

  override fail(msg: string): never {
    throw new BlockCorruptionError(`${this.file}: ${this.region}: ${msg} (at byte ${this.base + this.pos})`);
  }

  /** An unsigned varint that must be below `limit` (e.g. a symbol count or reference). */
  uvarintBelow(limit: number, what: string): number {
    const start = this.pos;
    const v = this.uvarint();
    if (v >= limit) {
      this.pos = start;
      this.fail(`${what} ${v} is out of range (must be below ${limit})`);
    }
    return v;
  }

  u32be(): number {
    this.need(4);
    const v = this.view.getUint32(this.pos, false);
    this.pos += 4;
    return v;
  }

  /** A big-endian 64-bit unsigned integer that must be below 2^53. */
  u64be(): number {
    this.need(8);
    const hi = this.view.getUint32(this.pos, false);
    const lo = this.view.getUint32(this.pos + 4, false);
    if (hi >= 0x20_0000) this.fail('64-bit offset exceeds 2^53 - 1');
    this.pos += 8;
    return hi * 0x1_0000_0000 + lo;
  }
}
