// Reads one block in a time range through the storage Querier contract: series from the index's
// postings, samples from the chunks that overlap the range.
import { Matcher, type Labels, type Querier, type SampleIterator, type Series } from '../storage/index.js';
import { BlockCorruptionError, isDeleted, type BlockReader, type ChunkMeta } from './block/index.js';
import { BlockChunkIterator, CorruptChunkError } from './chunk/block-chunk.js';

/** Called when a block's bytes turn out damaged while reading; the reader is not used again. */
export type OnCorrupt = (err: Error) => void;

class BlockChunksIterator implements SampleIterator {
  private readonly reader: BlockReader;
  private readonly chunks: readonly ChunkMeta[];
  private readonly mint: number;
  private readonly maxt: number;
  private readonly onCorrupt: OnCorrupt;
  private readonly it = new BlockChunkIterator();
  private idx = -1;
  private loaded = false;
  private cur = false;
  private done = false;

  constructor(reader: BlockReader, chunks: readonly ChunkMeta[], mint: number, maxt: number, onCorrupt: OnCorrupt) {
    this.reader = reader;
    this.chunks = chunks;
    this.mint = mint;
    this.maxt = maxt;
    this.onCorrupt = onCorrupt;
  }

  private nextChunk(): boolean {
    if (++this.idx >= this.chunks.length) return false;
    try {
      this.it.reset(this.reader.chunk(this.chunks[this.idx]!));
    } catch (err) {
      throw corruption(err, this.reader, this.onCorrupt);
    }
    this.loaded = true;
    return true;
  }

  next(): boolean {
    if (this.done) return false;
    for (;;) {
      if (this.loaded && this.advance()) {
        const t = this.it.atT();
        if (t < this.mint) continue;
        if (t > this.maxt) break;
        return (this.cur = true);
      }
      if (!this.nextChunk()) break;
    }
    this.done = true;
    return (this.cur = false);
  }

  // XOR chunks decode as they go: damage may show on any sample.
  private advance(): boolean {
    try {
      return this.it.next();
    } catch (err) {
      throw corruption(err, this.reader, this.onCorrupt);
    }
  }

  /** next() in a loop, writing into the arrays, without a call per sample through this iterator. */
  fill(ts: Float64Array, vs: Float64Array, off: number): number {
    const max = ts.length;
    const it = this.it;
    while (off < max && !this.done) {
      if (this.loaded) {
        try {
          while (off < max && it.next()) {
            const t = it.atT();
            if (t < this.mint) continue;
            if (t > this.maxt) {
              this.done = true;
              this.cur = false;
              return off;
            }
            ts[off] = t;
            vs[off++] = it.atV();
          }
        } catch (err) {
          throw corruption(err, this.reader, this.onCorrupt);
        }
        if (off === max) {
          this.cur = true;
          return off;
        }
      }
      if (!this.nextChunk()) {
        this.done = true;
        this.cur = false;
      }
    }
    return off;
  }

  seek(t: number): boolean {
    if (this.cur && this.it.atT() >= t) return true;
    if (this.done) return false;
    // Skip whole chunks that end before t.
    if (this.idx < 0 || this.chunks[this.idx]!.maxT < t) {
      let k = this.idx + 1;
      while (k < this.chunks.length && this.chunks[k]!.maxT < t) k++;
      this.idx = k - 1;
      this.loaded = false;
    }
    while (this.next()) if (this.it.atT() >= t) return true;
    return false;
  }

  atT(): number {
    return this.it.atT();
  }

  atV(): number {
    return this.it.atV();
  }
}

/** Reports damage to the engine (which quarantines the block) and says so to the caller. */
function corruption(err: unknown, reader: BlockReader, onCorrupt: OnCorrupt): unknown {
  if (!(err instanceof BlockCorruptionError || err instanceof CorruptChunkError)) return err;
  onCorrupt(err);
  return new BlockCorruptionError(
    `block ${reader.meta.ulid} is damaged (${err.message}); it was quarantined, and later queries are answered without it`,
  );
}

/** Hides samples inside deleted ranges. */
class TombstoneFilter implements SampleIterator {
  private readonly it: SampleIterator;
  private readonly deleted: readonly [number, number][];
  constructor(it: SampleIterator, deleted: readonly [number, number][]) {
    this.it = it;
    this.deleted = deleted;
  }
  next(): boolean {
    while (this.it.next()) if (!isDeleted(this.deleted, this.it.atT())) return true;
    return false;
  }
  seek(t: number): boolean {
    if (!this.it.seek(t)) return false;
    return !isDeleted(this.deleted, this.it.atT()) || this.next();
  }
  atT(): number {
    return this.it.atT();
  }
  atV(): number {
    return this.it.atV();
  }
}

class BlockSeries implements Series {
  readonly labels: Labels;
  private readonly reader: BlockReader;
  private readonly chunks: readonly ChunkMeta[];
  private readonly mint: number;
  private readonly maxt: number;
  private readonly onCorrupt: OnCorrupt;
  private readonly deleted: readonly [number, number][] | undefined;
  constructor(
    reader: BlockReader,
    labels: Labels,
    chunks: readonly ChunkMeta[],
    mint: number,
    maxt: number,
    onCorrupt: OnCorrupt,
    deleted: readonly [number, number][] | undefined,
  ) {
    this.deleted = deleted;
    this.reader = reader;
    this.labels = labels;
    this.chunks = chunks;
    this.mint = mint;
    this.maxt = maxt;
    this.onCorrupt = onCorrupt;
  }
  iterator(): SampleIterator {
    const it = new BlockChunksIterator(this.reader, this.chunks, this.mint, this.maxt, this.onCorrupt);
    return this.deleted === undefined ? it : new TombstoneFilter(it, this.deleted);
  }
}

const AGGR_LABEL = '__aggr__';

export class BlockQuerier implements Querier {
  private readonly reader: BlockReader;
  private readonly mint: number;
  private readonly maxt: number;
  private readonly onCorrupt: OnCorrupt;
  /** Downsampled block: its series carry `__aggr__`; one aggregate is served without the label. */
  private readonly downsampled: boolean;
  private readonly aggregate: string;

  /** `aggregate`: which `__aggr__` series a downsampled block serves (default `last`). */
  constructor(reader: BlockReader, mint: number, maxt: number, onCorrupt: OnCorrupt = () => {}, aggregate = 'last') {
    this.aggregate = aggregate;
    this.reader = reader;
    this.mint = mint;
    this.maxt = maxt;
    this.onCorrupt = onCorrupt;
    this.downsampled = reader.meta.downsample !== undefined;
  }

  /** Series matching all matchers with a chunk in range, in label order (the index's id order). */
  select(matchers: readonly Matcher[]): Series[] {
    const ids = this.reader.postingsForMatchers(this.downsampled ? [...matchers, new Matcher('=', AGGR_LABEL, this.aggregate)] : matchers);
    const out: Series[] = [];
    const tomb = this.reader.tombstones;
    for (let i = 0; i < ids.length; i++) {
      const { labels: stored, chunks } = this.reader.series(ids[i]!);
      const labels = this.downsampled ? stored.filter((l) => l.name !== AGGR_LABEL) : stored;
      const inRange = chunks.filter((c) => c.maxT >= this.mint && c.minT <= this.maxt);
      if (inRange.length === 0) continue;
      const deleted = tomb.size === 0 ? undefined : tomb.get(ids[i]!);
      if (deleted !== undefined) {
        // A series deleted over all it holds in range is not part of the answer.
        const from = Math.max(this.mint, inRange[0]!.minT);
        const to = Math.min(this.maxt, inRange[inRange.length - 1]!.maxT);
        if (deleted.some(([a, b]) => a <= from && b >= to)) continue;
      }
      out.push(new BlockSeries(this.reader, labels, inRange, this.mint, this.maxt, this.onCorrupt, deleted));
    }
    return out;
  }

  labelNames(matchers: readonly Matcher[] = []): string[] {
    if (matchers.length === 0 && this.covered() && !this.downsampled) return this.reader.labelNames();
    const names = new Set<string>();
    for (const s of this.select(matchers)) for (const l of s.labels) names.add(l.name);
    return [...names].sort();
  }

  labelValues(name: string, matchers: readonly Matcher[] = []): string[] {
    if (matchers.length === 0 && this.covered() && !this.downsampled) return this.reader.labelValues(name);
    const values = new Set<string>();
    for (const s of this.select(matchers)) for (const l of s.labels) if (l.name === name) values.add(l.value);
    return [...values].sort();
  }

  close(): void {}

  // Whether the range covers the whole block, so that the index's lists are exact.
  private covered(): boolean {
    return this.mint <= this.reader.meta.minTime && this.maxt >= this.reader.meta.maxTime - 1;
  }
}
