// Reads chunks from a block's chunks file on demand with positioned reads, verifying each
// chunk's CRC, so a block of any size costs one file descriptor and little resident memory (one
// read-ahead window, at most MAX_AHEAD).
import { readSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { BlockCorruptionError } from './block-error.js';
import { CHUNKS_MAGIC, CHUNKS_VERSION, HEADER_SIZE, MAX_CHUNK_BYTES, checksum, hex32 } from './format.js';

type Handle = Awaited<ReturnType<typeof open>>;

// Most chunks fit in one read of this size (length varint, data, CRC): block chunks of a 2 h range
// at a 10 s interval take ~0.8 KB, of a compacted 6 h range ~2.3 KB. A syscall costs more than
// copying a few KB from the page cache, so one read per chunk is the aim.
const FIRST_READ = 4096;
/**
 * Reads that follow each other in the file (a query or a compaction walking series in index order,
 * which is chunk order) double the read-ahead window up to this, so a scan costs one syscall per
 * window instead of one per chunk; a read elsewhere starts again at FIRST_READ.
 */
const MAX_AHEAD = 256 * 1024;
const NO_BYTES = Buffer.alloc(0);

export class ChunksReader {
  readonly size: number;
  private readonly fh: Handle;
  private readonly file: string;
  /**
   * The last window read: file bytes [winStart, winStart + win.length). Each window is a new
   * buffer, never written again, so the chunks returned as views of it stay valid.
   */
  private win: Buffer = NO_BYTES;
  private winStart = 0;
  private ahead = FIRST_READ;
  /** Where the last chunk record read ended (-1: none yet). */
  private lastEnd = -1;
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

  /** The bytes of the chunk whose record starts at `ref`, CRC-checked: a view of a buffer that is never written again. */
  read(ref: number): Uint8Array {
    if (this.closed) throw new Error('block is closed');
    if (!Number.isSafeInteger(ref) || ref < HEADER_SIZE || ref >= this.size) {
      throw new BlockCorruptionError(`${this.file}: chunk reference ${ref} is outside the file (${this.size} bytes)`);
    }
    // The length varint (≤ 5 bytes), then the whole record: length, data, CRC.
    let off = this.window(ref, 5);
    let buf = this.win;
    const avail = buf.length - off;
    let len = 0;
    let mul = 1;
    let i = 0;
    for (;;) {
      if (i >= avail || i >= 5) throw new BlockCorruptionError(`${this.file}: malformed chunk length at byte ${ref}`);
      const b = buf[off + i++]!;
      len += (b & 0x7f) * mul;
      mul *= 128;
      if (b < 0x80) break;
    }
    const total = i + len + 4;
    if (len > MAX_CHUNK_BYTES || ref + total > this.size) {
      throw new BlockCorruptionError(`${this.file}: chunk at byte ${ref} claims ${len} bytes, which run past the end of the file (${this.size} bytes)`);
    }
    off = this.window(ref, total);
    buf = this.win;
    if (buf.length - off < total) throw new BlockCorruptionError(`${this.file}: chunk at byte ${ref} is cut short by the end of the file`);
    this.lastEnd = ref + total;
    const data = buf.subarray(off + i, off + i + len);
    const stored = buf.readUInt32BE(off + i + len);
    const computed = checksum(data);
    if (stored !== computed) {
      throw new BlockCorruptionError(`${this.file}: chunk at byte ${ref} checksum mismatch: stored ${hex32(stored)}, computed ${hex32(computed)}`);
    }
    return data;
  }

  /**
   * Makes the window hold file bytes [ref, ref + need) (fewer at the end of the file) and returns
   * ref's offset in it, reading a new window at ref when the current one does not cover them.
   */
  private window(ref: number, need: number): number {
    const off = ref - this.winStart;
    if (off >= 0 && off + need <= this.win.length) return off;
    this.ahead = ref === this.lastEnd ? Math.min(this.ahead * 2, MAX_AHEAD) : FIRST_READ;
    const size = Math.min(Math.max(need, this.ahead), this.size - ref);
    const win = Buffer.allocUnsafe(size);
    const got = this.pread(win, 0, size, ref);
    this.win = got < size ? win.subarray(0, got) : win;
    this.winStart = ref;
    return 0;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.win = NO_BYTES;
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
