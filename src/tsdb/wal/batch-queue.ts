// Records logged but not yet written, framed into shared blocks and grouped into batches: each
// batch goes out in one write(2)/writev(2) and its records' promises resolve together.
import { RECORD_HEADER_BYTES, writeRecord } from './record.js';

// Records are copied into shared blocks so that a write is a few large buffers, not one per
// record; records larger than a quarter block get a buffer of their own.
const BLOCK_BYTES = 256 * 1024;
const LARGE_RECORD = BLOCK_BYTES / 4;

/** Records that go out in one write (and resolve together: one promise, not one per record). */
export interface Batch {
  readonly chunks: Buffer[];
  bytes: number;
  records: number;
  /** Start a new segment before writing this batch. */
  readonly rotate: boolean;
  /** Where this batch's bytes begin in the current block. */
  blockStart: number;
  readonly promise: Promise<void>;
  resolve: () => void;
  reject: (e: Error) => void;
}

/** FIFO of batches; records are added to the newest (open) one until it is taken or sealed. */
export class BatchQueue {
  private readonly queue: Batch[] = [];
  private open: Batch | null = null;
  private block: Buffer | null = null;
  private blockUsed = 0;
  /** Bytes in queued (not yet taken) batches. */
  queuedBytes = 0;

  get length(): number {
    return this.queue.length;
  }

  /** The newest batch, if any. */
  last(): Batch | undefined {
    return this.queue[this.queue.length - 1];
  }

  /** Frames a record into the open batch (a new one after a rotation); returns the batch. */
  add(type: number, payload: Uint8Array, rotate: boolean): Batch {
    let b = this.open;
    if (rotate || b === null) {
      if (b !== null) this.seal(b);
      b = this.newBatch(rotate);
    }
    const need = RECORD_HEADER_BYTES + payload.length;
    if (need > LARGE_RECORD) {
      this.flushBlockRange(b);
      const own = Buffer.allocUnsafeSlow(need);
      writeRecord(own, 0, type, payload);
      b.chunks.push(own);
    } else {
      if (this.block === null || this.blockUsed + need > BLOCK_BYTES) {
        this.flushBlockRange(b);
        // The old block stays alive only while batches being written still view it.
        this.block = Buffer.allocUnsafeSlow(BLOCK_BYTES);
        this.blockUsed = 0;
        b.blockStart = 0;
      }
      writeRecord(this.block, this.blockUsed, type, payload);
      this.blockUsed += need;
    }
    b.bytes += need;
    b.records++;
    this.queuedBytes += need;
    return b;
  }

  /** Removes the oldest batch, closed to further records. */
  take(): Batch | undefined {
    const b = this.queue.shift();
    if (b !== undefined) {
      this.seal(b);
      this.queuedBytes -= b.bytes;
    }
    return b;
  }

  private newBatch(rotate: boolean): Batch {
    let resolve!: () => void;
    let reject!: (e: Error) => void;
    const promise = new Promise<void>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    const b: Batch = { chunks: [], bytes: 0, records: 0, rotate, blockStart: this.blockUsed, promise, resolve, reject };
    this.queue.push(b);
    this.open = b;
    return b;
  }

  /** Moves the batch's bytes in the current block into its chunk list. */
  private flushBlockRange(b: Batch): void {
    if (this.block !== null && this.blockUsed > b.blockStart) {
      b.chunks.push(this.block.subarray(b.blockStart, this.blockUsed));
    }
    b.blockStart = this.blockUsed;
  }

  /** Closes a batch to further records; later records open a new one. */
  private seal(b: Batch): void {
    // A batch sealed earlier (by a rotation) must not take bytes appended since.
    if (this.open !== b) return;
    this.flushBlockRange(b);
    this.open = null;
  }
}
