// Memory for the head's open chunks: fixed 64-byte segments in large shared pages, chained per
// chunk. A chunk that grows takes one more segment instead of moving to a buffer twice as large,
// so nothing is copied and no smaller buffer is left behind; a closed chunk's segments go back
// to a free list for the next chunks. Each open chunk costing its own ArrayBuffer was the largest
// part of head memory per series: a buffer above 64 bytes is an off-heap allocation with some
// 200 bytes of bookkeeping, and the buffers outgrown on the way were left behind as fragments.

/** Bytes per segment. */
export const SEGMENT_BYTES = 64;
const SEGMENT_SHIFT = 6;
/** Segments per page (128 KiB pages). */
const PAGE_SHIFT = 11;
const PAGE_SEGMENTS = 1 << PAGE_SHIFT;

export class SegmentArena {
  private readonly pages: Uint8Array[] = [];
  /** Per segment: the next segment of its chunk, or -1. */
  private nextOf = new Int32Array(PAGE_SEGMENTS);
  private freeList = new Int32Array(1024);
  private nFree = 0;
  /** Segments ever handed out of the pages (the rest of the last page is untouched). */
  private used = 0;

  /** A segment for a chunk; `after` (≥ 0) is the chunk's current last segment, linked to it. */
  alloc(after: number): number {
    let id: number;
    if (this.nFree > 0) id = this.freeList[--this.nFree]!;
    else {
      if (this.used === this.pages.length * PAGE_SEGMENTS) this.addPage();
      id = this.used++;
    }
    this.nextOf[id] = -1;
    if (after >= 0) this.nextOf[after] = id;
    return id;
  }

  /** Gives back the chain of segments starting at `first`. */
  release(first: number): void {
    for (let id = first; id >= 0; ) {
      const next = this.nextOf[id]!;
      if (this.nFree === this.freeList.length) {
        const grown = new Int32Array(this.freeList.length * 2);
        grown.set(this.freeList);
        this.freeList = grown;
      }
      this.freeList[this.nFree++] = id;
      this.nextOf[id] = -1;
      id = next;
    }
  }

  next(id: number): number {
    return this.nextOf[id]!;
  }

  /** The page holding a segment (shared with other chunks: write only inside the segment). */
  page(id: number): Uint8Array {
    return this.pages[id >>> PAGE_SHIFT]!;
  }

  /** Where a segment starts in its page. */
  offset(id: number): number {
    return (id & (PAGE_SEGMENTS - 1)) << SEGMENT_SHIFT;
  }

  /** Copies the first `n` bytes of the chain starting at `first` into `out` at 0. */
  gather(first: number, n: number, out: Uint8Array): void {
    let done = 0;
    for (let id = first; done < n; id = this.nextOf[id]!) {
      const len = Math.min(SEGMENT_BYTES, n - done);
      const off = this.offset(id);
      out.set(this.page(id).subarray(off, off + len), done);
      done += len;
    }
  }

  private addPage(): void {
    this.pages.push(new Uint8Array(PAGE_SEGMENTS * SEGMENT_BYTES));
    const cap = this.pages.length * PAGE_SEGMENTS;
    if (this.nextOf.length < cap) {
      const grown = new Int32Array(Math.max(cap, this.nextOf.length * 2));
      grown.set(this.nextOf);
      this.nextOf = grown;
    }
  }
}

/** The arena of every head's open chunks in this process. */
export const openChunks = new SegmentArena();
