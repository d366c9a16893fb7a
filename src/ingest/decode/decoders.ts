// Every protocol's decoder by protocol name: the one table the main thread and the decode workers
// both load, so a job names its decoder by protocol. A new protocol adds one line here.
import { decodeImportLines } from '../import/decode-import-lines.js';
import { decodeInflux } from '../influx/decode-influx.js';
import { decodeRemoteWrite } from '../remote-write/decode-remote-write.js';
import { decodeSeedJson } from '../seed-json/decode-seed-json.js';
import type { Decoder } from './decoder.js';

export const DECODERS: ReadonlyMap<string, Decoder> = new Map<string, Decoder>([
  ['json', decodeSeedJson],
  ['import', decodeImportLines],
  ['influx', decodeInflux],
  ['remote_write', decodeRemoteWrite],
]);

/** The decoder of a protocol; throws for an unknown name (a programming error). */
export function decoderOf(protocol: string): Decoder {
  const d = DECODERS.get(protocol);
  if (d === undefined) throw new Error(`no decoder is registered for protocol ${JSON.stringify(protocol)}`);
  return d;
}
