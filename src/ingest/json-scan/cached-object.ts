// Where a flat JSON object (a series' labels) ends, found by comparing it with the series the
// label cache predicts next: senders repeat their series in the same order, so the compare
// usually succeeds and also says which series it is. Shared by the seed and import scanners.
import type { BytesCache } from '../bytes-cache.js';
import { flatObjectEnd } from './json-bytes.js';

/** Set by cachedObjectEnd: the cache entry whose object it matched, or -1. */
export const cached = { entry: -1 };

/**
 * The end of the object starting at b[from] ('{'): the predicted entry's second key range when
 * the bytes equal it (cached.entry is then that entry), else flatObjectEnd's answer (BAIL for an
 * object that is not flat or not valid; the caller skips or refuses it).
 */
export function cachedObjectEnd(cache: BytesCache<unknown>, b: Buffer, from: number, end: number): number {
  const e = cache.predicted();
  const q = e >= 0 ? cache.matchSecond(e, b, from, end) : -1;
  cached.entry = q >= 0 ? e : -1;
  return q >= 0 ? q : flatObjectEnd(b, from, end);
}
