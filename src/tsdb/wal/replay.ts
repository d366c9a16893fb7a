// Reading the WAL back: every segment in order, streamed in chunks, each record's length and
// CRC checked. The first bad record ends the WAL: its segment is truncated there and any later
// segments are deleted, so the files again hold exactly the records that were replayed.
import fs from 'node:fs';
import { open, unlink } from 'node:fs/promises';
import { MAX_RECORD_PAYLOAD, RECORD_HEADER_BYTES, recordCrc } from './record.js';
import { checkSegmentHeader, SEGMENT_HEADER_BYTES, segmentName, syncDir, type SegmentRef } from './segment.js';
import { WalCorruptionError } from './wal-error.js';

/** Replay progress, reported after each chunk read and at the end of each segment. */
export interface ReplayProgress {
  /** Ordinal of the segment being read, from 1 to `segments`. */
  segment: number;
  segments: number;
  /** Bytes read so far over all segments. */
  bytes: number;
  totalBytes: number;
  /** Records handed to `onRecord` so far. */
  records: number;
}

/** Where replay stopped early, and what it removed to make the WAL end there. */
export interface ReplayTruncation {
  /** Index (file name) of the segment holding the first bad record. */
  segment: number;
  /** Byte offset of that record in its segment: the file's new size. */
  offset: number;
  reason: string;
  /** Segments deleted: every later one, and this one if not even its header was intact. */
  deletedSegments: number[];
}

export interface ReplayResult {
  records: number;
  truncated: ReplayTruncation | null;
}

export interface ReplayOptions {
  readonly dir: string;
  readonly segments: readonly SegmentRef[];
  readonly onRecord: (type: number, payload: Uint8Array) => void;
  readonly onProgress: ((p: ReplayProgress) => void) | undefined;
  /** fsync truncations and deletions (false with fsync policy 'never'). */
  readonly sync: boolean;
  readonly log: (msg: string, fields?: object) => void;
}

const CHUNK_BYTES = 4 * 1024 * 1024;

/** Replays `segments`; returns the result and the index the next segment should get. */
export async function replaySegments(o: ReplayOptions): Promise<ReplayResult & { nextIndex: number; fsyncs: number }> {
  const segs = o.segments;
  // Refuse foreign files before anything is replayed or changed.
  for (const s of segs) {
    const verdict = checkSegmentHeader(await readHead(s.path));
    if (verdict !== 'ok' && verdict !== 'torn') {
      throw new Error(`WAL segment ${s.path} cannot be read: ${verdict}`);
    }
  }
  let totalBytes = 0;
  for (const s of segs) totalBytes += s.bytes;
  const progress = { segment: 0, segments: segs.length, bytes: 0, totalBytes, records: 0 };
  const report = o.onProgress ? () => o.onProgress!({ ...progress }) : () => {};
  const state = { buf: Buffer.allocUnsafeSlow(CHUNK_BYTES) };
  const onRecord = (type: number, payload: Uint8Array): void => {
    o.onRecord(type, payload);
    progress.records++;
  };

  let bad: { i: number; offset: number; reason: string } | null = null;
  let before = 0;
  for (let i = 0; i < segs.length && bad === null; i++) {
    const s = segs[i]!;
    if (i > 0 && s.index !== segs[i - 1]!.index + 1) {
      const prev = segs[i - 1]!;
      bad = { i: i - 1, offset: prev.bytes, reason: `segment ${segmentName(prev.index + 1)} is missing` };
      break;
    }
    progress.segment = i + 1;
    const r = await scanSegment(s, state, onRecord, (bytes) => {
      progress.bytes = before + bytes;
      report();
    });
    before += s.bytes;
    if (r !== null) bad = { i, ...r };
  }
  progress.bytes = before;
  if (bad === null) {
    report();
    const last = segs[segs.length - 1];
    return { records: progress.records, truncated: null, nextIndex: last ? last.index + 1 : 0, fsyncs: 0 };
  }

  // Cut the WAL at the bad record. Later segments go first, newest first, so that a crash in
  // the middle of this leaves a WAL whose next replay finds the same bad record again.
  const s = segs[bad.i]!;
  let fsyncs = 0;
  const deleted: number[] = [];
  for (const later of segs.slice(bad.i + 1).reverse()) {
    await unlink(later.path);
    deleted.unshift(later.index);
  }
  // Their removal must be on disk before the cut: a cut segment followed by old ones would
  // replay records from both sides of the damage.
  if (o.sync && deleted.length > 0) {
    await syncDir(o.dir);
    fsyncs++;
  }
  const removeWhole = bad.offset < SEGMENT_HEADER_BYTES;
  if (removeWhole) {
    await unlink(s.path);
    deleted.unshift(s.index);
  } else if (bad.offset < s.bytes) {
    const fh = await open(s.path, 'r+');
    try {
      await fh.truncate(bad.offset);
      if (o.sync) {
        await fh.datasync();
        fsyncs++;
      }
    } finally {
      await fh.close();
    }
  }
  if (o.sync && removeWhole) {
    await syncDir(o.dir);
    fsyncs++;
  }
  const truncated: ReplayTruncation = { segment: s.index, offset: bad.offset, reason: bad.reason, deletedSegments: deleted };
  o.log('WAL ends in a torn or corrupt record; truncated it there', { ...truncated });
  report();
  // The next segment follows the last one kept, so that the indexes stay without gaps.
  const nextIndex = removeWhole ? s.index : s.index + 1;
  return { records: progress.records, truncated, nextIndex, fsyncs };
}

async function readHead(path: string): Promise<Buffer> {
  const fh = await open(path, 'r');
  try {
    const b = Buffer.alloc(SEGMENT_HEADER_BYTES);
    const { bytesRead } = await fh.read(b, 0, SEGMENT_HEADER_BYTES, 0);
    return b.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

/**
 * Hands every valid record of one segment to `onRecord`; returns null when the whole segment
 * is valid, else the offset of the first bad record and why it is bad.
 */
async function scanSegment(
  seg: SegmentRef,
  state: { buf: Buffer },
  onRecord: (type: number, payload: Uint8Array) => void,
  onChunk: (bytes: number) => void,
): Promise<{ offset: number; reason: string } | null> {
  const fd = await new Promise<number>((res, rej) => fs.open(seg.path, 'r', (e, fd) => (e ? rej(e) : res(fd))));
  try {
    // The size listed before replay: bytes beyond it (another writer) are not ours to judge.
    let size = seg.bytes;
    let buf = state.buf;
    let start = 0; // buf[start, end) holds file bytes [off, off + end - start)
    let end = 0;
    let off = 0;
    let filePos = 0;

    // Reads more of the file after compacting; false at the end of the file.
    const fill = async (need: number): Promise<boolean> => {
      if (filePos >= size) return false;
      if (need > buf.length) {
        const bigger = Buffer.allocUnsafeSlow(Math.max(need, buf.length * 2));
        buf.copy(bigger, 0, start, end);
        buf = state.buf = bigger;
      } else if (start > 0) {
        buf.copy(buf, 0, start, end);
      }
      end -= start;
      start = 0;
      const want = Math.min(buf.length - end, size - filePos);
      const n = await new Promise<number>((res, rej) =>
        fs.read(fd, buf, end, want, filePos, (e, n) => (e ? rej(e) : res(n))),
      );
      if (n === 0) {
        size = filePos; // shrank under us
        return false;
      }
      end += n;
      filePos += n;
      onChunk(off);
      return true;
    };

    while (end - start < SEGMENT_HEADER_BYTES && (await fill(SEGMENT_HEADER_BYTES)));
    if (checkSegmentHeader(buf.subarray(start, end)) !== 'ok') {
      return { offset: 0, reason: 'segment header is incomplete' };
    }
    start += SEGMENT_HEADER_BYTES;
    off = SEGMENT_HEADER_BYTES;

    for (;;) {
      if (end - start < RECORD_HEADER_BYTES) {
        if (await fill(RECORD_HEADER_BYTES)) continue;
        if (end === start) break; // clean end
        return { offset: off, reason: `record header is cut off after ${end - start} bytes (torn write)` };
      }
      const type = buf[start]!;
      const len = buf.readUInt32LE(start + 1);
      const crc = buf.readUInt32LE(start + 5);
      if (type === 0) return { offset: off, reason: 'zero bytes where a record should start' };
      if (len > MAX_RECORD_PAYLOAD) return { offset: off, reason: `record length ${len} exceeds the maximum ${MAX_RECORD_PAYLOAD}` };
      const total = RECORD_HEADER_BYTES + len;
      if (off + total > size) {
        return { offset: off, reason: `record of ${total} bytes runs past the end of the segment (torn write)` };
      }
      if (end - start < total) {
        await fill(total);
        continue;
      }
      const payload = buf.subarray(start + RECORD_HEADER_BYTES, start + total);
      if (recordCrc(type, payload) !== crc) return { offset: off, reason: 'CRC mismatch' };
      try {
        onRecord(type, payload);
      } catch (e) {
        // A payload that passed its CRC but cannot be decoded is treated like a bad CRC.
        if (e instanceof WalCorruptionError) return { offset: off, reason: e.message };
        throw e;
      }
      start += total;
      off += total;
    }
    onChunk(off);
    return null;
  } finally {
    await new Promise<void>((res) => fs.close(fd, () => res()));
  }
}
