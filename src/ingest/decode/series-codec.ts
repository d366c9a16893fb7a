// How a decode worker hands series to the main thread without a string per sample: each worker
// numbers the series it has seen, sends a series' labels once (a compact UTF-8 table in one
// transferable buffer) and afterwards only its number. The main thread maps (worker, number) to
// one shared Labels object per series, so the head's per-Labels-object caches keep hitting
// whichever worker decoded the request.
import type { Label, Labels } from '../../storage/index.js';
import type { SeriesRef } from '../series-batch.js';

/** An unambiguous key of a label set (length-prefixed names and values). */
export function seriesKey(labels: Labels): string {
  let k = '';
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i]!;
    k += `${l.name.length}:${l.name}${l.value.length}:${l.value}`;
  }
  return k;
}

/** The series part of a worker's answer. */
export interface EncodedSeries {
  /** Per entry: the worker's number of its series. */
  readonly ids: Uint32Array;
  /** Series first seen in this batch (id, labels), or null. */
  readonly defs: Uint8Array | null;
  /** The worker forgot its numbering before this batch: the main thread must too. */
  readonly reset: boolean;
}

/**
 * Worker side: numbers series, bounded to `max` numbers (then starts over). Decoders that keep a
 * SeriesRef per cached series (the byte scanners) pass them: in a worker no storage sets them, so
 * the numbering keeps its number there (scoped to the numbering's current generation), and a
 * series seen before costs a field read instead of a WeakMap lookup.
 */
export class SeriesNumbering {
  private byObject = new WeakMap<Labels, number>();
  private byKey = new Map<string, number>();
  private next = 0;
  /** The scope of the numbers kept in SeriesRefs; replaced when the numbering starts over. */
  private scope: object = Object.freeze({ numbering: 0 });
  constructor(private readonly max: number) {}

  encode(labels: readonly Labels[], refs?: readonly SeriesRef[]): EncodedSeries {
    let reset = false;
    if (this.next + labels.length > this.max) {
      this.byObject = new WeakMap();
      this.byKey = new Map();
      this.next = 0;
      this.scope = Object.freeze({ numbering: 0 });
      reset = true;
    }
    const scope = this.scope;
    const ids = new Uint32Array(labels.length);
    let fresh: number[] | null = null;
    for (let k = 0; k < labels.length; k++) {
      const r = refs?.[k];
      if (r !== undefined && r.scope === scope) {
        ids[k] = r.ref;
        continue;
      }
      const ls = labels[k]!;
      let id = this.byObject.get(ls);
      if (id === undefined) {
        const key = seriesKey(ls);
        id = this.byKey.get(key);
        if (id === undefined) {
          id = this.next++;
          this.byKey.set(key, id);
          (fresh ??= []).push(k);
        }
        this.byObject.set(ls, id);
      }
      if (r !== undefined) {
        // Only a numbering scopes SeriesRefs in a worker (an older generation's, or none yet).
        r.ref = id;
        r.scope = scope;
      }
      ids[k] = id;
    }
    return { ids, defs: fresh === null ? null : encodeDefs(labels, ids, fresh), reset };
  }
}

/** [count u32] then per series: id u32, label count u32, per label: name and value as (u32 length, UTF-8 bytes). */
function encodeDefs(labels: readonly Labels[], ids: Uint32Array, entries: readonly number[]): Uint8Array {
  let size = 4;
  for (const k of entries) {
    size += 8;
    for (const l of labels[k]!) size += 8 + Buffer.byteLength(l.name) + Buffer.byteLength(l.value);
  }
  const out = Buffer.allocUnsafeSlow(size);
  let o = out.writeUInt32LE(entries.length, 0);
  for (const k of entries) {
    const ls = labels[k]!;
    o = out.writeUInt32LE(ids[k]!, o);
    o = out.writeUInt32LE(ls.length, o);
    for (const l of ls) {
      const n = out.write(l.name, o + 4);
      out.writeUInt32LE(n, o);
      o += 4 + n;
      const v = out.write(l.value, o + 4);
      out.writeUInt32LE(v, o);
      o += 4 + v;
    }
  }
  return new Uint8Array(out.buffer, out.byteOffset, o);
}

/** A series on the main thread: its one Labels object and where its storage reference is kept. */
interface TableEntry extends SeriesRef {
  readonly labels: Labels;
}

/** Main-thread side: (worker, number) -> the one Labels object (and SeriesRef) of that series. */
export class SeriesTable {
  private readonly byWorker: TableEntry[][] = [];
  /** One entry per series over all workers; bounded: emptied when full. */
  private intern = new Map<string, TableEntry>();
  constructor(private readonly maxInterned: number) {}

  /** The labels of each entry of a worker's batch; with `refs`, each entry's SeriesRef is pushed to it. */
  labels(worker: number, s: EncodedSeries, refs?: SeriesRef[]): Labels[] {
    let table = this.byWorker[worker];
    if (table === undefined || s.reset) this.byWorker[worker] = table = [];
    if (s.defs !== null) this.define(table, s.defs);
    const { ids } = s;
    const out = new Array<Labels>(ids.length);
    for (let k = 0; k < ids.length; k++) {
      const e = table[ids[k]!];
      if (e === undefined) throw new Error(`decode worker ${worker} sent series number ${ids[k]} without its labels`);
      out[k] = e.labels;
      if (refs !== undefined) refs.push(e);
    }
    return out;
  }

  /** Forgets a worker's numbering (it was restarted). */
  forget(worker: number): void {
    this.byWorker[worker] = [];
  }

  private define(table: TableEntry[], defs: Uint8Array): void {
    const b = Buffer.from(defs.buffer, defs.byteOffset, defs.byteLength);
    const count = b.readUInt32LE(0);
    let o = 4;
    for (let i = 0; i < count; i++) {
      const id = b.readUInt32LE(o);
      const n = b.readUInt32LE(o + 4);
      o += 8;
      const ls: Label[] = new Array<Label>(n);
      for (let j = 0; j < n; j++) {
        const nl = b.readUInt32LE(o);
        const name = b.toString('utf8', o + 4, o + 4 + nl);
        o += 4 + nl;
        const vl = b.readUInt32LE(o);
        const value = b.toString('utf8', o + 4, o + 4 + vl);
        o += 4 + vl;
        ls[j] = { name, value };
      }
      const key = seriesKey(ls);
      let shared = this.intern.get(key);
      if (shared === undefined) {
        if (this.intern.size >= this.maxInterned) this.intern = new Map();
        this.intern.set(key, (shared = { labels: ls, ref: 0, scope: null }));
      }
      table[id] = shared;
    }
  }
}
