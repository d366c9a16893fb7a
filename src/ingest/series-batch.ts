// The shape every push decoder hands to the append step: samples in columns, so a decoder is a
// pure function from bytes to data (it can run in a worker and hand typed arrays back) and
// appending is one loop, with no object per sample.
import type { Appender, Labels } from '../storage/index.js';

/**
 * Entries of (labels, samples): entry k's samples are indices [start[k], start[k + 1]) of `ts`
 * and `vs` (so `start` has one more element than `labels`). Timestamps in ms. Values that may be
 * NaN with a payload (Prometheus's staleness marker) must be in a Float64Array, which keeps the
 * payload bits (a number[] may not).
 */
export interface SampleBatch {
  readonly labels: readonly Labels[];
  readonly start: ArrayLike<number>;
  readonly ts: ArrayLike<number>;
  readonly vs: ArrayLike<number>;
  /**
   * Per entry (when the decoder keeps them): where the series' storage reference is remembered
   * between requests. A decoder whose label cache hands out the same Labels object for a series
   * hands out the same SeriesRef with it, so appends of a repeated series start from its
   * reference instead of the engine's lookup by labels.
   */
  readonly refs?: readonly SeriesRef[];
}

/**
 * A series' reference in the storage, and the scope (one tenant of one storage, see refScope)
 * it belongs to: a reference means nothing in another scope. Only ever a hint: an engine given
 * a reference it no longer knows (e.g. after a head cut dropped the series) goes by the labels.
 */
export interface SeriesRef {
  ref: number;
  scope: object | null;
}

const scopes = new WeakMap<object, Map<string, object>>();

/** The scope of series references of one tenant of one storage: the same object every time. */
export function refScope(storage: object, tenant: string): object {
  let byTenant = scopes.get(storage);
  if (byTenant === undefined) scopes.set(storage, (byTenant = new Map()));
  let scope = byTenant.get(tenant);
  if (scope === undefined) byTenant.set(tenant, (scope = Object.freeze({ tenant })));
  return scope;
}

/**
 * Appends entry k's samples; throws whatever the appender throws. With `scope` (that of the
 * appender's storage and tenant), the entry's SeriesRef, if the batch has one, is used and kept.
 */
export function appendEntry(app: Appender, b: SampleBatch, k: number, scope: object | null = null): void {
  const labels = b.labels[k]!;
  const { ts, vs } = b;
  const end = b.start[k + 1]!;
  const slot = scope === null ? undefined : b.refs?.[k];
  // The first sample finds the series by its reference from an earlier request, or its labels;
  // the rest go by reference.
  let ref = slot !== undefined && slot.scope === scope ? slot.ref : 0;
  for (let i = b.start[k]!; i < end; i++) ref = app.appendRef(ref, labels, ts[i]!, vs[i]!);
  if (slot !== undefined && ref > 0) {
    slot.ref = ref;
    slot.scope = scope;
  }
}

/** The batch as one object per entry (for tests and debugging, not for hot paths). */
export function batchEntries(b: SampleBatch): { labels: Labels; ts: number[]; vs: number[] }[] {
  return b.labels.map((labels, k) => {
    const from = b.start[k]!;
    const to = b.start[k + 1]!;
    return { labels, ts: Array.from({ length: to - from }, (_, i) => b.ts[from + i]!), vs: Array.from({ length: to - from }, (_, i) => b.vs[from + i]!) };
  });
}
