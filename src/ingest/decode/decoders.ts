// Every protocol's decoder by protocol name: the one table the main thread and the decode workers
// both load, so a job names its decoder by protocol. A new protocol adds one line here.
import { decodeImportLines } from '../import/decode.js';
import { decodeInflux } from '../influx/decode.js';
import { decodeRemoteWrite } from '../remote-write/decode.js';
import { decodeSeedJson } from '../seed-json/decode.js';
import type { Decoder } from './decoder.js';

export const DECODERS: ReadonlyMap<string, Decoder> = new Map<string, Decoder>([
  ['json', decodeSeedJson],
  ['import', decodeImportLines],
  ['influx', decodeInflux],
  ['remote_write', decodeRemoteWrite],
]);

/**
 * Smallest body each protocol hands to a decode worker with `--ingest-decode-min-bytes auto`,
 * from bench/ingest-workers.sh and bench/decode-offload.ts on the 2-core machine (see
 * docs/ingest-pipeline.md): import lines cost the most per byte and gain from workers at 1000
 * samples (~120 KB); seed JSON and Influx were even and remote write (cheap per byte, label
 * cache) lost at that size, so they go to workers only when a body would hold the main thread
 * for several milliseconds.
 */
export const AUTO_MIN_BYTES: ReadonlyMap<string, number> = new Map([
  ['import', 64 * 1024],
  ['json', 1024 * 1024],
  ['influx', 1024 * 1024],
  ['remote_write', 2 * 1024 * 1024],
]);

/** The decoder of a protocol; throws for an unknown name (a programming error). */
export function decoderOf(protocol: string): Decoder {
  const d = DECODERS.get(protocol);
  if (d === undefined) throw new Error(`no decoder is registered for protocol ${JSON.stringify(protocol)}`);
  return d;
}
