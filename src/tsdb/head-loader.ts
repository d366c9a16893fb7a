// Rebuilds the head at start from checkpoint and WAL records. Samples before a tenant's head start
// (the end of its newest block cut from the head) are skipped: that block holds them already.
import type { MetricType } from '../storage/index.js';
import type { Head, TenantHead } from './head.js';
import {
  RECORD_CHUNKS,
  RECORD_METADATA,
  RECORD_SAMPLES,
  RECORD_SERIES,
  RECORD_TOMBSTONES,
  decodeChunks,
  decodeMetadata,
  decodeSamples,
  decodeSeries,
  decodeTombstones,
  type SampleBatch,
} from './wal/index.js';

const METRIC_TYPES = new Set<string>(['counter', 'gauge', 'histogram', 'summary', 'unknown']);

export class HeadLoader {
  private readonly head: Head;
  /** Decoded samples of one WAL record, reused across records. */
  private batch: SampleBatch | undefined;
  // The tenant of the last sample (replay is mostly one tenant).
  private tenantName = '';
  private tenantHead: TenantHead | undefined;

  constructor(head: Head) {
    this.head = head;
  }

  /** Applies one record; returns the samples it added to the head. */
  apply(type: number, payload: Uint8Array): number {
    const head = this.head;
    if (type === RECORD_SERIES) {
      for (const s of decodeSeries(payload)) {
        if (head.byRefOf(s.ref) === undefined) head.create(s.tenant, s.labels, s.ref);
      }
      return 0;
    }
    if (type === RECORD_SAMPLES) {
      const r = (this.batch = decodeSamples(payload, this.batch));
      let n = 0;
      for (let i = 0; i < r.n; i++) {
        const s = head.byRefOf(r.refs[i]!);
        const t = r.ts[i]!;
        // A sample without its series record cannot come from our own writes; skipping it keeps
        // a damaged WAL from stopping the start.
        if (s === undefined) continue;
        const th = this.tenant(s.tenant);
        if (t < th.minValidT) continue;
        // Older than the series' newest: it was accepted as a late sample.
        if (t < s.lastT) s.insertOoo(t, r.vs[i]!);
        else s.append(t, r.vs[i]!);
        if (t < th.minT) th.minT = t;
        if (t > th.maxT) th.maxT = t;
        n++;
      }
      head.samples += n;
      return n;
    }
    if (type === RECORD_CHUNKS) {
      let n = 0;
      for (const e of decodeChunks(payload)) {
        const s = head.byRefOf(e.ref);
        if (s === undefined) continue;
        const th = this.tenant(s.tenant);
        for (const c of e.chunks) {
          if (c.maxT < th.minValidT) continue;
          s.loadChunk(c.data, c.minT, c.maxT, c.count);
          if (c.minT < th.minT) th.minT = Math.max(c.minT, th.minValidT);
          if (c.maxT > th.maxT) th.maxT = c.maxT;
          n += c.count;
        }
      }
      head.samples += n;
      return n;
    }
    if (type === RECORD_TOMBSTONES) {
      for (const d of decodeTombstones(payload)) head.byRefOf(d.ref)?.deleteRange(d.mint, d.maxt);
      return 0;
    }
    if (type === RECORD_METADATA) {
      for (const m of decodeMetadata(payload)) {
        const type = METRIC_TYPES.has(m.type) ? (m.type as MetricType) : 'unknown';
        head.tenant(m.tenant).metadata.set(m.metricName, { type, help: m.help, unit: m.unit });
      }
      return 0;
    }
    return 0;
  }

  private tenant(name: string): TenantHead {
    if (this.tenantHead === undefined || this.tenantName !== name) {
      this.tenantName = name;
      this.tenantHead = this.head.tenant(name);
    }
    return this.tenantHead;
  }
}

