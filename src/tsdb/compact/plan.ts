// Which blocks of one tenant to merge next, as Prometheus plans it: first any blocks whose time
// ranges overlap (from backfill), then adjacent blocks that together fill an aligned window of
// the next size up (2h -> 6h -> 24h -> ...), once the head has moved past that window.
import type { BlockMeta } from '../block/index.js';

/** Window sizes: the block duration times 3^i, capped at `maxRange` (retention / 10). */
export function compactionRanges(blockDuration: number, maxRange: number): number[] {
  const out: number[] = [];
  for (let r = blockDuration * 3; r <= maxRange; r *= 3) out.push(r);
  return out;
}

/**
 * The next group to merge (two or more blocks, by minTime), or null. `headStart`: blocks wholly
 * before it can receive no more data from the head. `mergeOverlaps` false (downsampled copies,
 * whose aggregates of one window cannot be merged sample by sample): overlapping blocks are
 * never grouped.
 */
export function planCompaction(
  blocks: readonly BlockMeta[],
  ranges: readonly number[],
  headStart: number,
  withTombstones: ReadonlySet<string> = new Set(),
  mergeOverlaps = true,
): BlockMeta[] | null {
  const sorted = [...blocks].sort((a, b) => a.minTime - b.minTime || a.maxTime - b.maxTime);
  // Overlaps first: a run of blocks each starting before the furthest end so far.
  for (let i = 0; i < sorted.length && mergeOverlaps; i++) {
    let end = sorted[i]!.maxTime;
    let j = i + 1;
    while (j < sorted.length && sorted[j]!.minTime < end) {
      end = Math.max(end, sorted[j]!.maxTime);
      j++;
    }
    if (j - i >= 2) return sorted.slice(i, j);
  }
  // A block with deleted series is rewritten on its own, without them.
  for (const b of sorted) if (withTombstones.has(b.ulid)) return [b];
  for (const r of ranges) {
    let i = 0;
    while (i < sorted.length) {
      const w = Math.floor(sorted[i]!.minTime / r) * r;
      let j = i;
      while (j < sorted.length && sorted[j]!.maxTime <= w + r && sorted[j]!.minTime >= w) j++;
      if (j === i) {
        i++;
        continue;
      }
      const group = sorted.slice(i, j);
      if (group.length >= 2 && w + r <= headStart && (mergeOverlaps || disjoint(group))) return group;
      i = j;
    }
  }
  return null;
}

/** Whether blocks sorted by minTime have no time in common. */
function disjoint(sorted: readonly BlockMeta[]): boolean {
  for (let i = 1; i < sorted.length; i++) if (sorted[i]!.minTime < sorted[i - 1]!.maxTime) return false;
  return true;
}
