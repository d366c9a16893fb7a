// WAL segment files: naming (00000000, 00000001, …), the 5-byte header that opens each one, and
// the open segment being appended to, written through positional write(2)/writev(2) calls.
import fs from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

/** "MSWL": MetricStream write-ahead log. */
export const SEGMENT_MAGIC = Uint8Array.of(0x4d, 0x53, 0x57, 0x4c);
/** Format version written after the magic; readers refuse versions they do not know. */
export const SEGMENT_VERSION = 1;
export const SEGMENT_HEADER_BYTES = 5;

const SEGMENT_NAME = /^\d{8}$/;

/** The file name of segment `index`: 8 digits, zero-padded. */
export function segmentName(index: number): string {
  return String(index).padStart(8, '0');
}

/** One segment file found in a WAL directory. */
export interface SegmentRef {
  readonly index: number;
  readonly path: string;
  readonly bytes: number;
}

/** The segment files of `dir`, in index order; other names are ignored. */
export async function listSegments(dir: string): Promise<SegmentRef[]> {
  const out: SegmentRef[] = [];
  for (const name of await readdir(dir)) {
    if (!SEGMENT_NAME.test(name)) continue;
    const path = join(dir, name);
    const st = await stat(path);
    if (st.isFile()) out.push({ index: Number(name), path, bytes: st.size });
  }
  return out.sort((a, b) => a.index - b.index);
}

/** The header every segment starts with: magic + version. */
export function segmentHeader(): Buffer {
  const h = Buffer.alloc(SEGMENT_HEADER_BYTES);
  h.set(SEGMENT_MAGIC, 0);
  h[4] = SEGMENT_VERSION;
  return h;
}

/**
 * Checks the first bytes of a segment. 'torn' when they are only a prefix of a header (or all
 * zero: a file created just before a crash); otherwise 'ok' or the reason it is not ours.
 */
export function checkSegmentHeader(head: Uint8Array): 'ok' | 'torn' | string {
  const n = Math.min(head.length, SEGMENT_HEADER_BYTES);
  let prefix = true;
  let zero = true;
  for (let i = 0; i < n; i++) {
    const want = i < 4 ? SEGMENT_MAGIC[i]! : SEGMENT_VERSION;
    if (head[i] !== want) prefix = false;
    if (head[i] !== 0) zero = false;
  }
  if (n < SEGMENT_HEADER_BYTES && (prefix || zero)) return 'torn';
  if (zero) return 'torn';
  for (let i = 0; i < 4; i++) {
    if (head[i] !== SEGMENT_MAGIC[i]) return 'it does not start with the WAL magic "MSWL"; not a MetricStream WAL segment';
  }
  if (head[4] !== SEGMENT_VERSION) {
    return `its format version is ${head[4]}, this build reads version ${SEGMENT_VERSION}`;
  }
  return 'ok';
}

/** Calls fs's callback API as a promise (cheaper per call than FileHandle, measured). */
function call<T>(fn: (cb: (err: NodeJS.ErrnoException | null, v: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => fn((err, v) => (err ? reject(err) : resolve(v))));
}

/** The segment being appended to. One write at a time; syncs may overlap writes. */
export class SegmentFile {
  readonly index: number;
  readonly path: string;
  /** Bytes in the file, header included. */
  size: number;
  private readonly fd: number;

  private constructor(index: number, path: string, fd: number, size: number) {
    this.index = index;
    this.path = path;
    this.fd = fd;
    this.size = size;
  }

  /** Creates segment `index` in `dir` (failing if it exists) and writes its header. */
  static async create(dir: string, index: number): Promise<SegmentFile> {
    const path = join(dir, segmentName(index));
    // 'wx': never write into a segment someone else made, e.g. a second writer on the same dir.
    const fd = await call<number>((cb) => fs.open(path, 'wx', 0o644, cb));
    const seg = new SegmentFile(index, path, fd, 0);
    try {
      await seg.write([segmentHeader()], SEGMENT_HEADER_BYTES);
    } catch (e) {
      await seg.close().catch(() => {});
      throw e;
    }
    return seg;
  }

  /** Writes `chunks` (`total` bytes) at the end of the file, retrying after partial writes. */
  write(chunks: readonly Uint8Array[], total: number): Promise<void> {
    return new Promise((resolve, reject) => {
      let bufs = chunks;
      let done = 0;
      const onWritten = (err: NodeJS.ErrnoException | null, n: number): void => {
        if (err) return reject(err);
        this.size += n;
        done += n;
        if (done >= total) return resolve();
        if (n === 0) return reject(new Error(`write to ${this.path} made no progress`));
        bufs = dropBytes(bufs, n);
        next();
      };
      const next = (): void => {
        if (bufs.length === 1) {
          const b = bufs[0]!;
          fs.write(this.fd, b, 0, b.length, this.size, onWritten);
        } else {
          fs.writev(this.fd, bufs as Uint8Array[], this.size, onWritten);
        }
      };
      next();
    });
  }

  /** fdatasync: the data and the file size reach the disk. */
  sync(): Promise<void> {
    return call<void>((cb) => fs.fdatasync(this.fd, (err) => cb(err, undefined)));
  }

  close(): Promise<void> {
    return call<void>((cb) => fs.close(this.fd, (err) => cb(err, undefined)));
  }
}

/** The buffers that remain after the first `n` bytes of `bufs` were written. */
function dropBytes(bufs: readonly Uint8Array[], n: number): Uint8Array[] {
  let i = 0;
  while (i < bufs.length && n >= bufs[i]!.length) n -= bufs[i++]!.length;
  const rest = bufs.slice(i);
  if (rest.length > 0 && n > 0) rest[0] = rest[0]!.subarray(n);
  return rest;
}

/** fsyncs a directory so that files created or removed in it stay so after a power loss. */
export async function syncDir(dir: string): Promise<void> {
  const fd = await call<number>((cb) => fs.open(dir, 'r', cb));
  try {
    await call<void>((cb) => fs.fsync(fd, (err) => cb(err, undefined)));
  } finally {
    await call<void>((cb) => fs.close(fd, (err) => cb(err, undefined)));
  }
}
