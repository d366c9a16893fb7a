// Messages between the decode pool and its workers.
import type { DecodeContext, DecodeExtra, DecodeRefusal } from './decoder.js';
import type { EncodedSeries } from './series-codec.js';

export interface JobRequest {
  readonly id: number;
  readonly protocol: string;
  readonly bytes: Uint8Array;
  readonly ctx: DecodeContext;
}

export type JobAnswer =
  | {
      readonly id: number;
      readonly ok: true;
      readonly series: EncodedSeries;
      readonly start: Uint32Array;
      readonly ts: Float64Array;
      readonly vs: Float64Array;
      readonly extra: DecodeExtra;
    }
  | { readonly id: number; readonly ok: false; readonly refusal: DecodeRefusal }
  | { readonly id: number; readonly ok: false; readonly error: string };
