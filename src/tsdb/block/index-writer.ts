// Encodes the index file of a block from its series, already sorted by labels
// (docs/format/index.md).
import type { Labels } from '../../storage/index.js';
import { ByteWriter } from '../wal/byte-writer.js';
import { HEADER_SIZE, INDEX_MAGIC, INDEX_VERSION, SERIES_STRIDE, TOC_FIELDS, checksum } from './format.js';

/** Where one chunk lives in the chunks file, and what it covers. Times in ms, inclusive. */
export interface ChunkMeta {
  readonly minT: number;
  readonly maxT: number;
  readonly numSamples: number;
  /** Byte offset of the chunk's record (its length varint) in the chunks file. */
  readonly ref: number;
}

/** One series as the index stores it. */
export interface IndexSeries {
  readonly labels: Labels;
  readonly chunks: readonly ChunkMeta[];
}

/** Block-wide facts the index repeats, so a swapped or damaged meta.json is noticed. */
export interface IndexInfo {
  readonly tenant: string;
  readonly minTime: number;
  readonly maxTime: number;
}

/** The index file as a list of buffers to write in order. `series` must be sorted and unique. */
export function encodeIndex(info: IndexInfo, series: readonly IndexSeries[], chunksFileSize: number): Buffer[] {
  const header = Buffer.alloc(HEADER_SIZE);
  header.writeUInt32BE(INDEX_MAGIC, 0);
  header[4] = INDEX_VERSION;
  const parts: Buffer[] = [header];
  const toc: number[] = [];
  let pos = HEADER_SIZE;
  const add = (content: Buffer): void => {
    toc.push(pos);
    const len = Buffer.alloc(4);
    len.writeUInt32BE(content.length, 0);
    if (content.length > 0xffff_ffff) throw new RangeError('index section larger than 4 GiB');
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(checksum(content), 0);
    parts.push(len, content, crc);
    pos += content.length + 8;
  };

  const w = new ByteWriter(64);
  w.string(info.tenant, 'tenant');
  w.varint(info.minTime);
  w.varint(info.maxTime);
  w.uvarint(series.length);
  add(w.finish());

  // Symbols: every label name and value, sorted as JS compares strings (UTF-16 code units, the
  // order compareLabels uses), so symbol order is value order and refs can stand in for strings.
  const symSet = new Set<string>();
  for (const s of series) {
    for (const l of s.labels) {
      symSet.add(l.name);
      symSet.add(l.value);
    }
  }
  const symbols = [...symSet].sort();
  const symRef = new Map<string, number>();
  const sw = new ByteWriter(1 << 16);
  sw.uvarint(symbols.length);
  for (let i = 0; i < symbols.length; i++) {
    symRef.set(symbols[i]!, i);
    sw.string(symbols[i]!, 'label string');
  }
  add(sw.finish());

  // Series, and the postings lists gathered on the way (ids ascend because series are sorted).
  const postings = new Map<number, Map<number, number[]>>();
  const ser = new ByteWriter(1 << 16);
  const body = new ByteWriter(256);
  const groupOffsets: number[] = [];
  for (let id = 0; id < series.length; id++) {
    const s = series[id]!;
    if (id % SERIES_STRIDE === 0) {
      if (ser.pos > 0xffff_ffff) throw new RangeError('index series section larger than 4 GiB');
      groupOffsets.push(ser.pos);
    }
    body.reset();
    body.uvarint(s.labels.length);
    for (const l of s.labels) {
      const n = symRef.get(l.name)!;
      const v = symRef.get(l.value)!;
      body.uvarint(n);
      body.uvarint(v);
      let byValue = postings.get(n);
      if (byValue === undefined) postings.set(n, (byValue = new Map()));
      const list = byValue.get(v);
      if (list === undefined) byValue.set(v, [id]);
      else list.push(id);
    }
    body.uvarint(s.chunks.length);
    let prevMaxT = 0;
    let prevRef = 0;
    for (let i = 0; i < s.chunks.length; i++) {
      const c = s.chunks[i]!;
      if (i === 0) {
        // Relative to the block start: small where absolute times would take 6 bytes.
        body.uvarint(c.minT - info.minTime);
        body.uvarint(c.maxT - c.minT);
        body.uvarint(c.numSamples);
        body.uvarint(c.ref);
      } else {
        body.varint(c.minT - prevMaxT);
        body.uvarint(c.maxT - c.minT);
        body.uvarint(c.numSamples);
        body.uvarint(c.ref - prevRef);
      }
      prevMaxT = c.maxT;
      prevRef = c.ref;
    }
    ser.uvarint(body.pos);
    ser.bytes(body.finish());
  }
  add(ser.finish());

  const so = Buffer.alloc(4 * groupOffsets.length);
  for (let i = 0; i < groupOffsets.length; i++) so.writeUInt32BE(groupOffsets[i]!, 4 * i);
  add(so);

  // Postings in (name, value) symbol order, each list delta-coded; the offset table records
  // where each list starts.
  const pw = new ByteWriter(1 << 16);
  const ow = new ByteWriter(1 << 12);
  const names = [...postings.keys()].sort((a, b) => a - b);
  ow.uvarint(names.length);
  let prevOff = 0;
  for (const n of names) {
    const byValue = postings.get(n)!;
    const values = [...byValue.keys()].sort((a, b) => a - b);
    ow.uvarint(n);
    ow.uvarint(values.length);
    for (const v of values) {
      const ids = byValue.get(v)!;
      ow.uvarint(v);
      ow.uvarint(pw.pos - prevOff);
      prevOff = pw.pos;
      pw.uvarint(ids.length);
      let prev = 0;
      for (const id of ids) {
        pw.uvarint(id - prev);
        prev = id;
      }
    }
  }
  add(pw.finish());
  add(ow.finish());

  toc.push(chunksFileSize);
  if (toc.length !== TOC_FIELDS) throw new Error('index writer produced a wrong number of sections');
  const t = Buffer.alloc(TOC_FIELDS * 8 + 4);
  for (let i = 0; i < TOC_FIELDS; i++) {
    const v = toc[i]!;
    t.writeUInt32BE(Math.floor(v / 0x1_0000_0000), 8 * i);
    t.writeUInt32BE(v >>> 0, 8 * i + 4);
  }
  t.writeUInt32BE(checksum(t.subarray(0, TOC_FIELDS * 8)), TOC_FIELDS * 8);
  parts.push(t);
  return parts;
}
