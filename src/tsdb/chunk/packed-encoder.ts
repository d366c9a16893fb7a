// Encoding 3 of block chunks: the header of encoding 2 (decimal mantissas, raw-value exceptions),
// then each integer stream frame-of-reference bit-packed (packed-stream.ts) instead of range coded.
// It spends a little more than encoding 2 where integers are uniformly spread (a gauge's steps, a
// counter's increments: there bit packing is already near their entropy) and decodes several
// times faster. Layout: docs/format/chunks.md ("Block chunk, packed").

import { ENCODING_DECIMAL_PACKED } from './block-format.js';
import { writeBlockHeader } from './block-header.js';
import { packedStreamSize, writePackedStream } from './packed-stream.js';
import { ByteSink } from './range-coder.js';
import { gridStreams, type Grid } from './timestamp-grid.js';

/** @internal The decimal form of a chunk's values, as the encoder prepared it. */
export interface DecimalChunk {
  scale: number;
  exceptions: number;
  /** Mantissas [0, n); at exceptions, the previous mantissa. */
  mant: Float64Array;
  /** Exception indices [0, exceptions), increasing. */
  exc: Int32Array;
}

let sa = new Float64Array(0);
let sb = new Float64Array(0);
let sc = new Float64Array(0);
let sd = new Float64Array(0);
let se = new Float64Array(0);

/**
 * @internal Encodes samples [0, n) (n ≥ 2, input already checked) as encoding 3, choosing per
 * stream the mode that packs smallest; null when some stream cannot be packed (a block of integers
 * spreading over more than 2^53 − 1).
 */
export function encodePacked(ts: Float64Array, vs: Float64Array, n: number, d: DecimalChunk, grid: Grid | null): Uint8Array | null {
  const m = n - 1;
  if (sa.length < m) {
    const size = Math.max(m, 1024);
    sa = new Float64Array(size);
    sb = new Float64Array(size);
    sc = new Float64Array(size);
    sd = new Float64Array(size);
    se = new Float64Array(size);
  }
  // Values: mantissa deltas (sa) or deltas of deltas (sb).
  const mant = d.mant;
  let prev = 0;
  for (let i = 1; i < n; i++) {
    const delta = mant[i]! - mant[i - 1]!;
    sa[i - 1] = delta;
    sb[i - 1] = i === 1 ? delta : delta - prev;
    prev = delta;
  }
  const deltaBytes = packedStreamSize(sa, m);
  const dodBytes = packedStreamSize(sb, m);
  const valueDod = dodBytes < deltaBytes;
  if (Math.min(deltaBytes, dodBytes) === Infinity) return null;
  // Timestamps: deltas of deltas (sc), or a grid's gaps (sd) and residuals (se).
  let delta = 0;
  for (let i = 1; i < n; i++) {
    const dt = ts[i]! - ts[i - 1]!;
    sc[i - 1] = i === 1 ? dt : dt - delta;
    delta = dt;
  }
  const tsDodBytes = packedStreamSize(sc, m);
  let gridBytes = Infinity;
  if (grid !== null) {
    gridStreams(ts, n, grid, sd, se);
    gridBytes = packedStreamSize(sd, m) + packedStreamSize(se, m);
  }
  const useGrid = gridBytes < tsDodBytes;
  if (Math.min(tsDodBytes, gridBytes) === Infinity) return null;

  const out = new ByteSink(64 + d.exceptions * 9 + (valueDod ? dodBytes : deltaBytes) + (useGrid ? gridBytes : tsDodBytes));
  writeBlockHeader(
    out,
    { encoding: ENCODING_DECIMAL_PACKED, n, t0: ts[0]!, grid: useGrid ? grid : null, valueDod, scale: d.scale, m0: mant[0]!, exceptions: d.exceptions },
    d.exc,
    vs,
  );
  if (useGrid) {
    writePackedStream(out, sd, m);
    writePackedStream(out, se, m);
  } else {
    writePackedStream(out, sc, m);
  }
  writePackedStream(out, valueDod ? sb : sa, m);
  return out.bytes();
}
