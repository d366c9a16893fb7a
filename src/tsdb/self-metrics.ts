// The engine's own metrics, read at scrape time from every open engine in this process.
import { Counter, Gauge } from 'prom-client';

/** What the gauges read from an engine. */
export interface EngineStatsSource {
  headStats(): { series: number; chunks: number; chunkBytes: number; samples: number };
  walStats(): { bytesWritten: number; records: number; fsyncs: number; segments: number; writes: number } | null;
  blockStats(): { blocks: number; bytes: number; samples: number };
  readonly maintenanceStats: { blocksCut: number; checkpoints: number; compactions: number; retentionDeleted: number; downsampled: number };
  decodedChunkStats(): { hits: number; misses: number; bytes: number; chunks: number };
}

const open = new Set<EngineStatsSource>();

export function trackEngine(e: EngineStatsSource): void {
  open.add(e);
}

export function untrackEngine(e: EngineStatsSource): void {
  open.delete(e);
}

function sumHead(field: 'series' | 'chunks' | 'chunkBytes' | 'samples'): number {
  let n = 0;
  for (const e of open) n += e.headStats()[field];
  return n;
}

function sumWal(field: 'bytesWritten' | 'records' | 'fsyncs' | 'segments' | 'writes'): number {
  let n = 0;
  for (const e of open) n += e.walStats()?.[field] ?? 0;
  return n;
}

new Gauge({
  name: 'metricstream_head_series',
  help: 'Series held in the head',
  collect() {
    this.set(sumHead('series'));
  },
});
new Gauge({
  name: 'metricstream_head_chunks',
  help: 'Chunks held in the head (closed and open)',
  collect() {
    this.set(sumHead('chunks'));
  },
});
new Gauge({
  name: 'metricstream_head_chunk_bytes',
  help: 'Bytes of compressed chunk data in the head',
  collect() {
    this.set(sumHead('chunkBytes'));
  },
});
new Gauge({
  name: 'metricstream_head_samples',
  help: 'Samples held in the head',
  collect() {
    this.set(sumHead('samples'));
  },
});
new Gauge({
  name: 'metricstream_wal_written_bytes',
  help: 'Bytes written to the WAL since start',
  collect() {
    this.set(sumWal('bytesWritten'));
  },
});
new Gauge({
  name: 'metricstream_wal_fsyncs',
  help: 'WAL fsyncs since start',
  collect() {
    this.set(sumWal('fsyncs'));
  },
});
new Gauge({
  name: 'metricstream_wal_records',
  help: 'Records written to the WAL since start (records / writes is the group-commit factor)',
  collect() {
    this.set(sumWal('records'));
  },
});
new Gauge({
  name: 'metricstream_wal_writes',
  help: 'write(2)/writev(2) rounds of the WAL since start, each acknowledging the records it carried',
  collect() {
    this.set(sumWal('writes'));
  },
});
new Gauge({
  name: 'metricstream_wal_segments',
  help: 'WAL segment files',
  collect() {
    this.set(sumWal('segments'));
  },
});

function sumBlocks(field: 'blocks' | 'bytes' | 'samples'): number {
  let n = 0;
  for (const e of open) n += e.blockStats()[field];
  return n;
}

function sumMaintenance(field: 'blocksCut' | 'checkpoints' | 'compactions' | 'retentionDeleted' | 'downsampled'): number {
  let n = 0;
  for (const e of open) n += e.maintenanceStats[field];
  return n;
}

new Gauge({
  name: 'metricstream_tsdb_blocks',
  help: 'Blocks on disk being served',
  collect() {
    this.set(sumBlocks('blocks'));
  },
});
new Gauge({
  name: 'metricstream_tsdb_blocks_bytes',
  help: 'Bytes of the blocks on disk (chunks and index files)',
  collect() {
    this.set(sumBlocks('bytes'));
  },
});
new Gauge({
  name: 'metricstream_tsdb_blocks_samples',
  help: 'Samples held in blocks on disk',
  collect() {
    this.set(sumBlocks('samples'));
  },
});
/** A counter whose value lives in the engines: set from `total()` at scrape time. */
function engineCounter(name: string, help: string, total: () => number): void {
  new Counter({
    name,
    help,
    collect() {
      this.reset();
      this.inc(total());
    },
  });
}

for (const [name, help, field] of [
  ['metricstream_tsdb_head_cuts_total', 'Blocks cut from the head since start', 'blocksCut'],
  ['metricstream_tsdb_checkpoints_total', 'WAL checkpoints written since start', 'checkpoints'],
  ['metricstream_tsdb_compactions_total', 'Block merges (compactions) since start', 'compactions'],
  ['metricstream_tsdb_retention_deleted_blocks_total', 'Blocks deleted by retention since start', 'retentionDeleted'],
  ['metricstream_tsdb_downsampled_blocks_total', 'Downsampled block copies written since start', 'downsampled'],
] as const) {
  engineCounter(name, help, () => sumMaintenance(field));
}

function sumDecoded(field: 'hits' | 'misses' | 'bytes' | 'chunks'): number {
  let n = 0;
  for (const e of open) n += e.decodedChunkStats()[field];
  return n;
}

engineCounter('metricstream_query_chunk_cache_hits_total', 'Reads of a head chunk that found its decoded copy (--query-chunk-cache-size)', () => sumDecoded('hits'));
engineCounter('metricstream_query_chunk_cache_misses_total', 'Head chunks decoded into the chunk cache', () => sumDecoded('misses'));
new Gauge({
  name: 'metricstream_query_chunk_cache_bytes',
  help: 'Memory allocated for decoded copies of head chunks',
  collect() {
    this.set(sumDecoded('bytes'));
  },
});
new Gauge({
  name: 'metricstream_query_chunk_cache_chunks',
  help: 'Head chunks held decoded',
  collect() {
    this.set(sumDecoded('chunks'));
  },
});

let appendedTotal = 0;
let appendedReported = 0;

/** Counts samples appended through a commit (replay excluded); reported at scrape time, off the append path. */
export function noteSamplesAppended(n: number): void {
  appendedTotal += n;
}

new Counter({
  name: 'metricstream_tsdb_samples_appended_total',
  help: 'Samples appended to the engine since start (WAL replay excluded)',
  collect() {
    this.inc(appendedTotal - appendedReported);
    appendedReported = appendedTotal;
  },
});
