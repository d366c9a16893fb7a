// Reads one block in a time range through the storage Querier contract: series from the index's
// postings, samples from the chunks that overlap the range.
import { Matcher, type Labels, type Querier, type SampleIterator, type Series } from '../storage/index.js';
import { BlockCorruptionError, isDeleted, type BlockReader, type ChunkMeta } from './block/index.js';
import { BlockChunkDecoder, CorruptChunkError, blockChunkCount } from './chunk/block-chunk.js';

/** Called when a block's bytes turn out damaged while reading; the reader is not used again. */
export type OnCorrupt = (err: Error) => void;

/**
 * The samples of one series' chunks in [mint, maxt]. Each chunk is decoded whole into this
 * iterator's arrays when reached (BlockChunkDecoder), and the part inside the range is found by
 * binary search, so next() is an index increment and atT/atV are array reads: the per-sample
 * work of a raw query over blocks.
 */
class BlockChunksIterator implements SampleIterator {
  private readonly reader: BlockReader;
  private readonly chunks: readonly ChunkMeta[];
  private readonly mint: number;
  private readonly maxt: number;
  private readonly onCorrupt: OnCorrupt;
  private ts: Float64Array = EMPTY;
  private vs: Float64Array = EMPTY;
  /** Index of the chunk whose samples are in ts/vs (-1 before the first). */
  private idx = -1;
  /**
   * Current sample i; samples [i, end) of the decoded chunk's n are in range. There is a current
   * sample exactly when i < end (before the first next() and once exhausted, i = end = 0).
   */
  private i = 0;
  private end = 0;
  private n = 0;
  private done = false;

  constructor(reader: BlockReader, chunks: readonly ChunkMeta[], mint: number, maxt: number, onCorrupt: OnCorrupt) {
    this.reader = reader;
    this.chunks = chunks;
    this.mint = mint;
    this.maxt = maxt;
    this.onCorrupt = onCorrupt;
  }

  /** Decodes chunk idx + 1 and positions before its first sample ≥ from; false when none is left. */
  private load(from: number): boolean {
    const chunks = this.chunks;
    for (;;) {
      if (++this.idx >= chunks.length) return false;
      const meta = chunks[this.idx]!;
      if (meta.maxT < from) continue;
      let n: number;
      try {
        const bytes = this.reader.chunk(meta);
        const need = blockChunkCount(bytes);
        if (this.ts.length < need) {
          this.release();
          const pair = takeArrays(need);
          this.ts = pair[0];
          this.vs = pair[1];
        }
        n = BlockChunkDecoder.shared.decode(bytes, this.ts, this.vs);
      } catch (err) {
        this.n = this.end = 0;
        throw corruption(err, this.reader, this.onCorrupt);
      }
      this.n = n;
      const ts = this.ts;
      const lo = lowerBound(ts, 0, n, from);
      // Samples after maxt end the series: chunks are in time order.
      let hi = n;
      if (n > 0 && ts[n - 1]! > this.maxt) hi = lowerBound(ts, lo, n, this.maxt + 1);
      this.i = lo - 1;
      this.end = hi;
      if (lo < hi) return true;
      if (hi < n) return false;
    }
  }

  next(): boolean {
    const i = this.i + 1;
    if (i < this.end) {
      this.i = i;
      return true;
    }
    return this.nextChunk(this.mint);
  }

  private nextChunk(from: number): boolean {
    if (this.done) return false;
    // Samples after maxt in the decoded chunk (end < n) end the series.
    if (this.end < this.n || !this.load(from)) return this.finish();
    this.i++;
    return true;
  }

  /** Exhausted: the arrays go back to the pool for the next series' iterator. */
  private finish(): boolean {
    this.done = true;
    this.release();
    return false;
  }

  private release(): void {
    if (this.ts !== EMPTY) giveArrays(this.ts, this.vs);
    this.ts = this.vs = EMPTY;
    this.i = this.end = this.n = 0;
  }

  /** next() in a loop, copying whole runs of the decoded chunk into the arrays. */
  fill(ts: Float64Array, vs: Float64Array, off: number): number {
    const max = ts.length;
    while (off < max && this.next()) {
      const i = this.i;
      const k = Math.min(this.end - i, max - off);
      ts.set(this.ts.subarray(i, i + k), off);
      vs.set(this.vs.subarray(i, i + k), off);
      off += k;
      this.i = i + k - 1;
    }
    return off;
  }

  seek(t: number): boolean {
    const i = this.i;
    if (i < this.end && this.ts[i]! >= t) return true;
    if (this.done) return false;
    if (this.end > 0 && this.ts[this.end - 1]! >= t) {
      // Inside the decoded chunk: binary search from the current sample.
      this.i = lowerBound(this.ts, i < 0 ? 0 : i, this.end, t);
      return true;
    }
    return this.nextChunk(t > this.mint ? t : this.mint);
  }

  atT(): number {
    return this.ts[this.i]!;
  }

  atV(): number {
    return this.vs[this.i]!;
  }
}

const EMPTY = new Float64Array(0);

/**
 * Decode arrays of exhausted iterators, reused by the next ones: a query reads series after series,
 * so a few pairs serve all of them instead of two new arrays per series.
 */
const pool: Array<[Float64Array, Float64Array]> = [];
const POOL_MAX = 8;

function takeArrays(n: number): [Float64Array, Float64Array] {
  for (let k = pool.length - 1; k >= 0; k--) {
    const pair = pool[k]!;
    if (pair[0].length >= n) {
      pool[k] = pool[pool.length - 1]!;
      pool.pop();
      return pair;
    }
  }
  // Room for a little more than this chunk, so a pooled pair fits the next series' chunks too.
  const size = n + (n >>> 3);
  return [new Float64Array(size), new Float64Array(size)];
}

function giveArrays(ts: Float64Array, vs: Float64Array): void {
  if (pool.length < POOL_MAX) pool.push([ts, vs]);
}

/** First index in [lo, hi) with ts[index] ≥ t (hi when none): timestamps are sorted. */
function lowerBound(ts: Float64Array, lo: number, hi: number, t: number): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ts[mid]! < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
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
