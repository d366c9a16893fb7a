// Checkpoints: the head's whole state (series, their chunks, metadata) at one moment, written
// atomically as `wal/checkpoint.NNNNNNNN`. It stands for every WAL segment below NNNNNNNN, which
// are deleted once it is durable; replay reads it first, then the segments from NNNNNNNN on.
// Byte layout: docs/format/wal.md ("Checkpoint").
import { open, readdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { StorageError } from '../storage/index.js';
import {
  checkSegmentHeader,
  frameRecord,
  RECORD_HEADER_BYTES,
  recordCrc,
  segmentHeader,
  segmentName,
  syncDir,
} from './wal/index.js';

const PREFIX = 'checkpoint.';
const NAME = /^checkpoint\.(\d{8})$/;
const TMP = '.tmp';

/** A checkpoint file that fails its checks: the data dir needs attention, start-up stops. */
export class CheckpointCorruptionError extends StorageError {
  constructor(message: string) {
    super('checkpoint_corrupt', message);
    this.name = 'CheckpointCorruptionError';
  }
}

/** One record to write: a type and its payload. */
export interface CheckpointRecord {
  readonly type: number;
  readonly payload: Uint8Array;
}

/**
 * The newest complete checkpoint in `walDir` (its index: the first segment it does not cover),
 * after deleting unfinished (`.tmp`) and superseded ones; null when there is none.
 */
export async function findCheckpoint(walDir: string): Promise<{ index: number; path: string } | null> {
  let names: string[];
  try {
    names = await readdir(walDir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  let best = -1;
  for (const n of names) {
    const m = NAME.exec(n);
    if (m) best = Math.max(best, Number(m[1]));
  }
  for (const n of names) {
    const m = NAME.exec(n);
    if (n.startsWith(PREFIX) && (n.endsWith(TMP) || (m && Number(m[1]) < best))) {
      await rm(join(walDir, n), { force: true });
    }
  }
  return best < 0 ? null : { index: best, path: join(walDir, PREFIX + segmentName(best)) };
}

/**
 * Writes checkpoint `index` atomically (temporary file, fsync, rename, directory fsync) and then
 * deletes older checkpoints. Returns the bytes written.
 */
export async function writeCheckpoint(
  walDir: string,
  index: number,
  records: Iterable<CheckpointRecord>,
  sync: boolean,
): Promise<number> {
  const final = join(walDir, PREFIX + segmentName(index));
  const tmp = final + TMP;
  const fh = await open(tmp, 'w');
  let bytes = 0;
  try {
    const parts: Buffer[] = [segmentHeader()];
    let pending = parts[0]!.length;
    const flush = async () => {
      const buf = Buffer.concat(parts);
      parts.length = 0;
      pending = 0;
      await fh.write(buf, 0, buf.length, bytes);
      bytes += buf.length;
    };
    for (const r of records) {
      const f = frameRecord(r.type, r.payload);
      parts.push(f);
      pending += f.length;
      if (pending >= 1 << 22) await flush();
    }
    await flush();
    if (sync) await fh.sync();
  } catch (err) {
    await fh.close();
    await rm(tmp, { force: true });
    throw err;
  }
  await fh.close();
  await rename(tmp, final);
  if (sync) await syncDir(walDir);
  for (const n of await readdir(walDir)) {
    const m = NAME.exec(n);
    if (m && Number(m[1]) < index) await rm(join(walDir, n), { force: true });
  }
  return bytes;
}

/**
 * Reads a checkpoint, handing each record to `onRecord` (the payload is valid during the call).
 * Unlike a WAL segment, a checkpoint was renamed into place complete: any bad byte is corruption
 * and throws CheckpointCorruptionError naming the file and offset.
 */
export async function readCheckpoint(path: string, onRecord: (type: number, payload: Uint8Array) => void): Promise<number> {
  const buf = await readFile(path);
  const verdict = checkSegmentHeader(buf.subarray(0, 5));
  if (verdict !== 'ok') throw new CheckpointCorruptionError(`${path}: bad header (${verdict === 'torn' ? 'file is cut short' : verdict})`);
  let pos = 5;
  let records = 0;
  while (pos < buf.length) {
    if (buf.length - pos < RECORD_HEADER_BYTES) throw new CheckpointCorruptionError(`${path}: record header cut short at byte ${pos}`);
    const type = buf[pos]!;
    const len = buf.readUInt32LE(pos + 1);
    const crc = buf.readUInt32LE(pos + 5);
    const start = pos + RECORD_HEADER_BYTES;
    if (len > buf.length - start) throw new CheckpointCorruptionError(`${path}: record at byte ${pos} runs past the end of the file`);
    const payload = buf.subarray(start, start + len);
    if (recordCrc(type, payload) !== crc) throw new CheckpointCorruptionError(`${path}: record at byte ${pos} fails its checksum`);
    try {
      onRecord(type, payload);
    } catch (err) {
      throw new CheckpointCorruptionError(`${path}: record at byte ${pos}: ${(err as Error).message}`);
    }
    records++;
    pos = start + len;
  }
  return records;
}
