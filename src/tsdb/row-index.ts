// The row (rows.ts) of each live head series by ref, for the append path by ref: two typed-array
// reads instead of visiting the series object. Refs only grow (a head with churn goes through
// millions), so the index is paged: a page of 4,096 refs exists while it holds a live series.

const SHIFT = 12;
const PAGE = 1 << SHIFT;
const MASK = PAGE - 1;
// Refs from 2^32 on are not indexed (the append path then looks the series up by labels).

export class RowIndex {
  private readonly pages: (Int32Array | undefined)[] = [];
  /** Live entries per page. */
  private readonly live: number[] = [];

  /** The row of series `ref`, or -1 when it has none here (or `ref` is no integer in [0, 2^32)). */
  get(ref: number): number {
    if (ref >>> 0 !== ref) return -1;
    const page = this.pages[ref >>> SHIFT];
    return page === undefined ? -1 : page[ref & MASK]!;
  }

  /** Notes the row of series `ref`; -1 removes it. */
  set(ref: number, row: number): void {
    if (ref >>> 0 !== ref) return;
    const k = ref >>> SHIFT;
    let page = this.pages[k];
    if (page === undefined) {
      if (row < 0) return;
      page = this.pages[k] = new Int32Array(PAGE).fill(-1);
      this.live[k] = 0;
    }
    const had = page[ref & MASK]! >= 0;
    page[ref & MASK] = row;
    const live = this.live[k]! + (row >= 0 ? 1 : 0) - (had ? 1 : 0);
    this.live[k] = live;
    if (live === 0) this.pages[k] = undefined;
  }

  /** Pages held (for tests). */
  get pageCount(): number {
    let n = 0;
    for (const p of this.pages) if (p !== undefined) n++;
    return n;
  }
}
