// For tests of the decimal varint chunk (encoding 8): VarintAppender builds one chunk on its own
// row through the same functions the head uses for its series' open chunks (open-chunk.ts).
// Byte layout: docs/format/chunks.md.

import {
  chunkAllocated,
  chunkAppend,
  chunkBytes,
  chunkClose,
  chunkCount,
  chunkMaxT,
  chunkMinT,
  chunkRelease,
  chunkSize,
  chunkStart,
} from './open-chunk.js';
import { rows } from './rows.js';
import { VarintIterator } from './varint-iterator.js';

/**
 * Encodes samples of one series into a decimal varint chunk: no allocation per append but one
 * arena segment per 64 bytes. `close()` (keeping the bytes) or `release()` (dropping them) ends
 * it and gives its row and segments back. Timestamps are integer ms, non-decreasing (equal ones
 * allowed); values are any float64 bit pattern (those without a short decimal form are kept as
 * raw bits).
 *
 * @example
 * const app = new VarintAppender();
 * app.append(1_700_000_000_000, 1.5);
 * app.append(1_700_000_010_000, 2);
 * const it = new VarintIterator(app.bytes());
 * while (it.next()) console.log(it.atT(), it.atV());
 * app.release();
 */
export class VarintAppender {
  private row: number;
  /** Last bytes() result, reused while no sample was appended since. */
  private snap: Uint8Array | null = null;

  constructor() {
    this.row = rows.alloc();
    chunkStart(this.row);
  }

  private live(): number {
    if (this.row < 0) throw new Error('chunk appender used after close() or release()');
    return this.row;
  }

  /** Number of samples appended. */
  get count(): number {
    return chunkCount(this.live());
  }

  /** Timestamp of the first sample; NaN when empty. */
  get minT(): number {
    return chunkMinT(this.live());
  }

  /** Timestamp of the last sample (timestamps never decrease); NaN when empty. */
  get maxT(): number {
    return chunkMaxT(this.live());
  }

  /** Appends a sample; see chunkAppend for the RangeErrors. */
  append(t: number, v: number): void {
    chunkAppend(this.live(), t, v);
    this.snap = null;
  }

  /**
   * The encoded chunk as appended so far (header included): a compact snapshot that later appends
   * never change. Treat it as read-only and `slice()` it to keep it long-term.
   */
  bytes(): Uint8Array {
    return (this.snap ??= chunkBytes(this.live()));
  }

  /** Size of the encoded chunk in bytes, header included. */
  sizeBytes(): number {
    return chunkSize(this.live());
  }

  /** Bytes of the segments held (≥ sizeBytes()). */
  allocatedBytes(): number {
    return chunkAllocated(this.live());
  }

  /** Ends appending: the chunk's bytes to keep; row and segments go back. */
  close(): Uint8Array {
    const out = chunkClose(this.live());
    rows.release(this.row);
    this.row = -1;
    return out;
  }

  /** Ends appending, dropping the bytes. */
  release(): void {
    if (this.row < 0) return;
    chunkRelease(this.row);
    rows.release(this.row);
    this.row = -1;
  }

  /** An iterator over the samples appended so far; reuses `it` when given. */
  iterator(it?: VarintIterator): VarintIterator {
    if (it === undefined) return new VarintIterator(this.bytes());
    it.reset(this.bytes());
    return it;
  }
}
