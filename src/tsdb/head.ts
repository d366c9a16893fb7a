// The head: every series of every tenant in memory, found by label set or through the
// per-tenant inverted index, with interned label strings.
import type { Label, Labels, MetricMetadata } from '../storage/index.js';
import { DecodedChunks } from './chunk/decoded-chunks.js';
import { LabelsMap, labelsHash } from './labels-map.js';
import { MemSeries } from './mem-series.js';
import { PostingsIndex } from './postings.js';
import { RowIndex } from './row-index.js';

let nextTenantId = 0;

/** One tenant's part of the head. */
export class TenantHead {
  /** Unique in the process: head series rows carry it, so appendRef checks a ref's tenant without visiting the series. */
  readonly id = nextTenantId++;
  readonly byLabels = new LabelsMap<MemSeries>();
  postings = new PostingsIndex();
  readonly metadata = new Map<string, MetricMetadata>();
  /**
   * Appends before this time are refused: the range below it was cut (or is being cut) into a
   * block. -Infinity until the first cut.
   */
  minValidT = -Infinity;
  /** Reads of the head start here: older samples are served by blocks. */
  readMinT = -Infinity;
  /** Oldest and newest sample timestamps appended since the last cut (for deciding the next one). */
  minT = Infinity;
  maxT = -Infinity;
}

/** Default memory for decoded copies of closed chunks that queries read (Head.decoded). */
export const DEFAULT_DECODED_CHUNKS_BYTES = 32 * 1024 * 1024;

export class Head {
  private readonly tenants = new Map<string, TenantHead>();
  /** Decoded copies of closed chunks queries read; chunks the head lets go of are forgotten. */
  readonly decoded: DecodedChunks;
  /** Series by ref; refs are dense from 1. */
  private readonly byRef: (MemSeries | undefined)[] = [];
  /**
   * The ref last resolved for a Labels object (any tenant): callers that hand the same object
   * again skip hashing and the lookup. Weak, so label sets no one holds are collected.
   */
  readonly refOfLabels = new WeakMap<Labels, number>();
  /** Row (rows.ts) of each live series by ref: appendRef reads only typed arrays. */
  private readonly rowByRef = new RowIndex();
  private nextRef = 1;
  // Label strings are interned: thousands of series share each name and most values, and a
  // request's freshly parsed strings should not each stay alive in the head.
  private readonly symbols = new Map<string, string>();
  private readonly pairs = new Map<string, Map<string, Label>>();
  samples = 0;
  seriesCount = 0;
  /**
   * Bumped by whatever can change what an appender checked its samples against (a commit, a
   * series leaving the head, the head's start moving, a deletion): a batch whose appender saw
   * the same epoch from its first sample to its commit needs no second check (see HeadAppender).
   */
  epoch = 0;

  /** `decodedBytes`: memory for decoded copies of closed chunks (0: queries decode every time). */
  constructor(decodedBytes = DEFAULT_DECODED_CHUNKS_BYTES) {
    this.decoded = new DecodedChunks(decodedBytes);
  }

  tenant(name: string): TenantHead {
    let t = this.tenants.get(name);
    if (t === undefined) this.tenants.set(name, (t = new TenantHead()));
    return t;
  }

  existingTenant(name: string): TenantHead | undefined {
    return this.tenants.get(name);
  }

  tenantNames(): IterableIterator<string> {
    return this.tenants.keys();
  }

  /** The series of a tenant with exactly these labels, if any. */
  get(tenant: string, labels: Labels, hash: number = labelsHash(labels)): MemSeries | undefined {
    return this.tenants.get(tenant)?.byLabels.get(labels, hash);
  }

  byRefOf(ref: number): MemSeries | undefined {
    return this.byRef[ref];
  }

  /** The row of the live series `ref` (an integer >= 0), or -1 when unknown. */
  rowOf(ref: number): number {
    return this.rowByRef.get(ref);
  }

  /**
   * Creates a series; `ref` is given on WAL replay and chosen here otherwise. `logged`: whether
   * the WAL holds its series record already (appenders create series unlogged; commit logs them).
   */
  create(tenant: string, labels: Labels, ref = this.nextRef, hash: number = labelsHash(labels), logged = true): MemSeries {
    const t = this.tenant(tenant);
    const interned = labels.map((l) => this.internLabel(l));
    const s = new MemSeries(ref, this.intern(tenant), interned, logged, t.id);
    t.byLabels.add(s, hash);
    t.postings.add(ref, interned);
    this.byRef[ref] = s;
    this.rowByRef.set(ref, s.rowIndex);
    if (ref >= this.nextRef) this.nextRef = ref + 1;
    this.seriesCount++;
    return s;
  }

  /**
   * Drops series of a tenant from the head (their samples live in blocks now, or they never
   * held any) and takes them out of the tenant's postings.
   */
  remove(tenant: string, gone: readonly MemSeries[]): void {
    if (gone.length === 0) return;
    const t = this.tenants.get(tenant);
    if (t === undefined) return;
    this.epoch++;
    for (const s of gone) {
      s.dropped = true;
      s.retire();
      t.byLabels.delete(s);
      this.byRef[s.ref] = undefined;
      this.rowByRef.set(s.ref, -1);
      this.seriesCount--;
    }
    // A few series (a refused batch's new ones) leave the index one by one; many, as after a
    // head cut, rebuild it.
    if (gone.length <= 64) {
      for (const s of gone) t.postings.delete(s.ref, s.labels);
      return;
    }
    const postings = new PostingsIndex();
    for (const ref of t.postings.all) {
      const s = this.byRef[ref];
      if (s !== undefined) postings.add(ref, s.labels);
    }
    t.postings = postings;
  }

  /** Removes those of `series` that hold no sample and are not in the WAL (left by a batch that stored nothing for them). */
  removeIfEmpty(tenant: string, series: readonly MemSeries[]): void {
    let gone: MemSeries[] | undefined;
    for (const s of series) if (!s.dropped && !s.logged && s.empty) (gone ??= []).push(s);
    if (gone !== undefined) this.remove(tenant, gone);
  }

  /** The one shared Label object for a name/value pair (series share most pairs: job, region, ...). */
  private internLabel(l: Label): Label {
    let values = this.pairs.get(l.name);
    if (values === undefined) this.pairs.set(this.intern(l.name), (values = new Map()));
    const have = values.get(l.value);
    if (have !== undefined) return have;
    const pair = Object.freeze({ name: this.intern(l.name), value: this.intern(l.value) });
    values.set(pair.value, pair);
    return pair;
  }

  private intern(s: string): string {
    const have = this.symbols.get(s);
    if (have !== undefined) return have;
    this.symbols.set(s, s);
    return s;
  }

  /** Chunk bytes and chunk count over all series. */
  chunkStats(): { bytes: number; chunks: number; samples: number } {
    let bytes = 0;
    let chunks = 0;
    let samples = 0;
    for (const s of this.byRef) {
      if (s === undefined) continue;
      bytes += s.chunkBytes;
      chunks += s.chunks.length + (s.openCount > 0 ? 1 : 0);
      samples += s.sampleCount;
    }
    return { bytes, chunks, samples };
  }
}
