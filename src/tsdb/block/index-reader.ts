// Reads a block's index file. The whole file is held in one Buffer and every section's CRC is
// checked at open, but only the symbols and the postings offset table are decoded then; series
// and postings lists are decoded on demand.
import type { Label, Labels } from '../../storage/index.js';
import { BlockCorruptionError } from './block-error.js';
import {
  BlockByteReader,
  HEADER_SIZE,
  INDEX_MAGIC,
  INDEX_VERSION,
  SECTIONS,
  SERIES_STRIDE,
  TOC_FIELDS,
  TOC_SIZE,
  checksum,
  hex32,
} from './format.js';
import type { ChunkMeta, IndexInfo } from './index-writer.js';
import type { PostingsSource } from './postings-ops.js';

interface Section {
  readonly start: number; // absolute offset of the content
  readonly bytes: Buffer;
}

interface LabelValues {
  readonly values: string[];
  /** Offset of each value's list in the postings section content. */
  readonly offsets: Float64Array;
}

/** The decoded-on-open part of an index, plus lazy access to the rest. */
export class IndexReader implements PostingsSource {
  readonly info: IndexInfo;
  readonly numSeries: number;
  /** Size of the chunks file the index was written with. */
  readonly chunksFileSize: number;
  private readonly file: string;
  private readonly symbols: string[];
  private readonly series: Section;
  private readonly seriesOffsets: Section;
  private readonly postingsSec: Section;
  private readonly byName = new Map<string, LabelValues>();
  private readonly names: string[];

  /** Parses `buf`, the whole index file at path `file`; throws BlockCorruptionError when damaged. */
  constructor(buf: Buffer, file: string) {
    this.file = file;
    if (buf.length < HEADER_SIZE + TOC_SIZE) {
      throw new BlockCorruptionError(`${file}: file is ${buf.length} bytes, too short for an index (at least ${HEADER_SIZE + TOC_SIZE})`);
    }
    const magic = buf.readUInt32BE(0);
    if (magic !== INDEX_MAGIC) {
      throw new BlockCorruptionError(`${file}: bad magic ${hex32(magic)}, expected ${hex32(INDEX_MAGIC)} (at byte 0)`);
    }
    if (buf[4] !== INDEX_VERSION) {
      throw new BlockCorruptionError(`${file}: unsupported index version ${buf[4]}, expected ${INDEX_VERSION} (at byte 4)`);
    }
    const tocStart = buf.length - TOC_SIZE;
    const stored = buf.readUInt32BE(tocStart + TOC_FIELDS * 8);
    const computed = checksum(buf.subarray(tocStart, tocStart + TOC_FIELDS * 8));
    if (stored !== computed) {
      throw new BlockCorruptionError(
        `${file}: table of contents checksum mismatch: stored ${hex32(stored)}, computed ${hex32(computed)} (TOC at byte ${tocStart}; the file may be truncated)`,
      );
    }
    const toc = new BlockByteReader(buf.subarray(tocStart), file, 'table of contents', tocStart);
    const offsets: number[] = [];
    for (let i = 0; i < TOC_FIELDS; i++) offsets.push(toc.u64be());
    this.chunksFileSize = offsets[TOC_FIELDS - 1]!;

    // Sections must tile the file from the header to the TOC, so every byte is under a CRC.
    const sections: Section[] = [];
    let expect = HEADER_SIZE;
    for (let i = 0; i < SECTIONS.length; i++) {
      const name = SECTIONS[i]!;
      const at = offsets[i]!;
      if (at !== expect) {
        throw new BlockCorruptionError(`${file}: ${name} section starts at byte ${at}, expected ${expect} (table of contents is inconsistent)`);
      }
      if (at + 8 > tocStart) throw new BlockCorruptionError(`${file}: ${name} section header at byte ${at} runs into the table of contents`);
      const len = buf.readUInt32BE(at);
      const end = at + 4 + len;
      if (end + 4 > tocStart) {
        throw new BlockCorruptionError(`${file}: ${name} section of ${len} bytes at byte ${at} runs past the table of contents at byte ${tocStart}`);
      }
      const bytes = buf.subarray(at + 4, end);
      const crc = buf.readUInt32BE(end);
      const got = checksum(bytes);
      if (crc !== got) {
        throw new BlockCorruptionError(`${file}: ${name} section checksum mismatch: stored ${hex32(crc)}, computed ${hex32(got)} (section at byte ${at}, ${len} bytes)`);
      }
      sections.push({ start: at + 4, bytes });
      expect = end + 4;
    }
    if (expect !== tocStart) {
      throw new BlockCorruptionError(`${file}: ${tocStart - expect} unaccounted bytes between the last section and the table of contents (at byte ${expect})`);
    }
    const [infoSec, symSec, serSec, soSec, postSec, poSec] = sections as [Section, Section, Section, Section, Section, Section];

    const ir = this.reader(infoSec, 'info section');
    const tenant = ir.string();
    const minTime = ir.varint();
    const maxTime = ir.varint();
    this.numSeries = ir.uvarintBelow(0x1_0000_0000, 'series count');
    this.info = { tenant, minTime, maxTime };
    this.end(ir);

    const sr = this.reader(symSec, 'symbols section');
    const nsym = sr.uvarintBelow(symSec.bytes.length + 1, 'symbol count');
    this.symbols = new Array<string>(nsym);
    for (let i = 0; i < nsym; i++) this.symbols[i] = sr.string();
    this.end(sr);

    this.series = serSec;
    this.seriesOffsets = soSec;
    const groups = Math.ceil(this.numSeries / SERIES_STRIDE);
    if (soSec.bytes.length !== 4 * groups) {
      throw new BlockCorruptionError(`${file}: series offsets section is ${soSec.bytes.length} bytes, expected ${4 * groups} for ${this.numSeries} series (at byte ${soSec.start})`);
    }
    this.postingsSec = postSec;

    const pr = this.reader(poSec, 'postings offsets section');
    const nnames = pr.uvarintBelow(nsym + 1, 'label name count');
    let off = 0;
    for (let i = 0; i < nnames; i++) {
      const name = this.symbols[pr.uvarintBelow(nsym, 'symbol reference')]!;
      const nvals = pr.uvarintBelow(nsym + 1, 'label value count');
      const values = new Array<string>(nvals);
      const offsets = new Float64Array(nvals);
      for (let j = 0; j < nvals; j++) {
        values[j] = this.symbols[pr.uvarintBelow(nsym, 'symbol reference')]!;
        off += pr.uvarint();
        if (off >= postSec.bytes.length) pr.fail(`postings offset ${off} is past the postings section (${postSec.bytes.length} bytes)`);
        offsets[j] = off;
      }
      this.byName.set(name, { values, offsets });
    }
    this.end(pr);
    this.names = [...this.byName.keys()];
  }

  /** Label names present in the block, sorted. */
  labelNames(): string[] {
    return this.names.slice();
  }

  /** Sorted distinct values of a label; the returned array must not be modified. */
  labelValuesOf(name: string): readonly string[] {
    return this.byName.get(name)?.values ?? [];
  }

  /** Ids of the series with name=value, ascending (empty when none). */
  postings(name: string, value: string): Uint32Array {
    const lv = this.byName.get(name);
    if (lv === undefined) return new Uint32Array(0);
    const values = lv.values;
    let lo = 0;
    let hi = values.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (values[mid]! < value) lo = mid + 1;
      else hi = mid;
    }
    if (lo === values.length || values[lo] !== value) return new Uint32Array(0);
    return this.decodePostings(lv.offsets[lo]!);
  }

  postingsAt(name: string, i: number): Uint32Array {
    const lv = this.byName.get(name);
    if (lv === undefined || i < 0 || i >= lv.values.length) throw new RangeError(`no value ${i} of label ${JSON.stringify(name)}`);
    return this.decodePostings(lv.offsets[i]!);
  }

  /** Labels and chunk metas of series `id` (0 <= id < numSeries). */
  seriesAt(id: number): { labels: Labels; chunks: ChunkMeta[] } {
    if (!Number.isInteger(id) || id < 0 || id >= this.numSeries) {
      throw new RangeError(`series id ${id} is out of range: the block has ${this.numSeries} series`);
    }
    const group = Math.floor(id / SERIES_STRIDE);
    const start = this.seriesOffsets.bytes.readUInt32BE(4 * group);
    const r = this.reader(this.series, 'series section');
    if (start >= this.series.bytes.length) r.fail(`series group ${group} offset ${start} is past the section end`);
    r.pos = start;
    for (let skip = id - group * SERIES_STRIDE; skip > 0; skip--) {
      const len = r.uvarint();
      r.need(len);
      r.pos += len;
    }
    const len = r.uvarint();
    r.need(len);
    const end = r.pos + len;
    const nsym = this.symbols.length;
    const nlabels = r.uvarintBelow(len + 1, 'label count');
    const labels: Label[] = new Array(nlabels);
    for (let i = 0; i < nlabels; i++) {
      const name = this.symbols[r.uvarintBelow(nsym, 'symbol reference')]!;
      const value = this.symbols[r.uvarintBelow(nsym, 'symbol reference')]!;
      labels[i] = { name, value };
    }
    const nchunks = r.uvarintBelow(len + 1, 'chunk count');
    const chunks: ChunkMeta[] = new Array(nchunks);
    let prevMaxT = 0;
    let prevRef = 0;
    for (let i = 0; i < nchunks; i++) {
      const minT = i === 0 ? this.info.minTime + r.uvarint() : prevMaxT + r.varint();
      const maxT = minT + r.uvarint();
      const numSamples = r.uvarint();
      const ref = (i === 0 ? 0 : prevRef) + r.uvarint();
      if (!Number.isSafeInteger(minT) || !Number.isSafeInteger(maxT) || !Number.isSafeInteger(ref)) {
        r.fail('chunk meta value exceeds 2^53 - 1');
      }
      chunks[i] = { minT, maxT, numSamples, ref };
      prevMaxT = maxT;
      prevRef = ref;
    }
    if (r.pos !== end) r.fail(`series entry ${id} is ${len} bytes but its fields take ${r.pos - end + len}`);
    return { labels, chunks };
  }

  private decodePostings(off: number): Uint32Array {
    const r = this.reader(this.postingsSec, 'postings section');
    r.pos = off;
    const n = r.uvarintBelow(this.numSeries + 1, 'postings list length');
    const out = new Uint32Array(n);
    const buf = r.buf;
    const endByte = r.end;
    let pos = r.pos;
    let id = -1;
    for (let i = 0; i < n; i++) {
      // Inlined uvarint: this loop is the hot path of every query.
      let b = pos < endByte ? buf[pos++]! : -1;
      let d = b & 0x7f;
      let shift = 7;
      while (b >= 0x80 && shift < 35) {
        b = pos < endByte ? buf[pos++]! : -1;
        d |= (b & 0x7f) << shift;
        shift += 7;
      }
      d >>>= 0;
      if (b < 0 || b >= 0x80 || (shift === 35 && b > 0x0f) || (i > 0 && d === 0)) {
        r.pos = pos;
        r.fail(`postings list entry ${i} is malformed`);
      }
      id = i === 0 ? d : id + d;
      if (id >= this.numSeries) {
        r.pos = pos;
        r.fail(`postings list holds series id ${id}, the block has ${this.numSeries} series`);
      }
      out[i] = id;
    }
    return out;
  }

  private reader(sec: Section, region: string): BlockByteReader {
    return new BlockByteReader(sec.bytes, this.file, region, sec.start);
  }

  private end(r: BlockByteReader): void {
    if (r.remaining !== 0) r.fail(`${r.remaining} trailing bytes`);
  }
}
