// Reads chunks from a block's chunks file on demand with positioned reads, verifying each
// chunk's CRC, so a block of any size costs one file descriptor and no resident memory.
import { readSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { BlockCorruptionError } from './block-error.js';
import { CHUNKS_MAGIC, CHUNKS_VERSION, HEADER_SIZE, MAX_CHUNK_BYTES, checksum, hex32 } from './format.js';

type Handle = Awaited<ReturnType<typeof open>>;

// Most chunks (~120 samples) fit in one read of this size: length varint, data, CRC.
const FIRST_READ = 512;

export class ChunksReader {
  readonly size: number;
  private readonly fh: Handle;
  private readonly file: string;
  private readonly scratch = Buffer.allocUnsafe(FIRST_READ);
  private closed = false;

  private constructor(fh: Handle, file: string, size: number) {
    this.fh = fh;
    this.file = file;
    this.size = size;
  }

  /** Opens the file and checks its header and its size against what the index recorded. */
  static async open(file: string, expectedSize: number): Promise<ChunksReader> {
    let fh: Handle;
    try {
      fh = await open(file, 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new BlockCorruptionError(`${file}: file is missing`);
      throw err;
    }
    try {
      const { size } = await fh.stat();
      if (size !== expectedSize) {
        throw new BlockCorruptionError(`${file}: file is ${size} bytes, the index says ${expectedSize}${size < expectedSize ? ' (truncated)' : ''}`);
      }
      const head = Buffer.alloc(HEADER_SIZE);
      const { bytesRead } = await fh.read(head, 0, HEADER_SIZE, 0);
      if (bytesRead < HEADER_SIZE) throw new BlockCorruptionError(`${file}: file is too short for its header (at byte ${bytesRead})`);
      const magic = head.readUInt32BE(0);
      if (magic !== CHUNKS_MAGIC) throw new BlockCorruptionError(`${file}: bad magic ${hex32(magic)}, expected ${hex32(CHUNKS_MAGIC)} (at byte 0)`);
      if (head[4] !== CHUNKS_VERSION) {
        throw new BlockCorruptionError(`${file}: unsupported chunks version ${head[4]}, expected ${CHUNKS_VERSION} (at byte 4)`);
      }
      return new ChunksReader(fh, file, size);
    } catch (err) {
      await fh.close();
      throw err;
    }
  }

  /** The bytes of the chunk whose record starts at `ref`, CRC-checked; a fresh buffer. */
  read(ref: number): Uint8Array {
    if (this.closed) throw new Error('block is closed');
    if (!Number.isSafeInteger(ref) || ref < HEADER_SIZE || ref >= this.size) {
      throw new BlockCorruptionError(`${this.file}: chunk reference ${ref} is outside the file (${this.size} bytes)`);
    }
    const first = this.pread(this.scratch, 0, Math.min(FIRST_READ, this.size - ref), ref);
    let len = 0;
    let mul = 1;
    let i = 0;
    for (;;) {
      if (i >= first || i >= 5) throw new BlockCorruptionError(`${this.file}: malformed chunk length at byte ${ref}`);
      const b = this.scratch[i++]!;
      len += (b & 0x7f) * mul;
      mul *= 128;
      if (b < 0x80) break;
    }
    const total = i + len + 4;
    if (len > MAX_CHUNK_BYTES || ref + total > this.size) {
      throw new BlockCorruptionError(`${this.file}: chunk at byte ${ref} claims ${len} bytes, which run past the end of the file (${this.size} bytes)`);
    }
    const rec = Buffer.allocUnsafe(total);
    if (total <= first) this.scratch.copy(rec, 0, 0, total);
    else {
      this.scratch.copy(rec, 0, 0, first);
      const got = this.pread(rec, first, total - first, ref + first);
      if (got < total - first) throw new BlockCorruptionError(`${this.file}: chunk at byte ${ref} is cut short by the end of the file`);
    }
    const data = rec.subarray(i, i + len);
    const stored = rec.readUInt32BE(i + len);
    const computed = checksum(data);
    if (stored !== computed) {
      throw new BlockCorruptionError(`${this.file}: chunk at byte ${ref} checksum mismatch: stored ${hex32(stored)}, computed ${hex32(computed)}`);
    }
    return data;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.fh.close();
  }

  private pread(buf: Buffer, off: number, len: number, pos: number): number {
    let done = 0;
    while (done < len) {
      const n = readSync(this.fh.fd, buf, off + done, len - done, pos + done);
      if (n === 0) break;
      done += n;
    }
    return done;
  }
}
