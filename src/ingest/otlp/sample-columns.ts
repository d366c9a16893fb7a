// Growable output columns of a translation: one sample per entry (labels, time, value) and the
// data point row it came from, so a point refused by storage can be left out as a whole.
import type { Labels } from '../../storage/index.js';

export class SampleColumns {
  n = 0;
  readonly labels: Labels[] = [];
  ts: Float64Array;
  /** A Float64Array, which keeps NaN payloads (staleness markers). */
  vs: Float64Array;
  pointOf: Int32Array;

  constructor(capacity: number) {
    this.ts = new Float64Array(capacity);
    this.vs = new Float64Array(capacity);
    this.pointOf = new Int32Array(capacity);
  }

  push(labels: Labels, t: number, v: number, point: number): void {
    if (this.n === this.ts.length) this.grow();
    this.labels.push(labels);
    this.ts[this.n] = t;
    this.vs[this.n] = v;
    this.pointOf[this.n++] = point;
  }

  /** SampleBatch's `start`: entry k is sample k. */
  start(): Uint32Array {
    const s = new Uint32Array(this.n + 1);
    for (let i = 0; i <= this.n; i++) s[i] = i;
    return s;
  }

  private grow(): void {
    const c = this.ts.length * 2;
    const ts = new Float64Array(c);
    ts.set(this.ts);
    const vs = new Float64Array(c);
    vs.set(this.vs);
    const po = new Int32Array(c);
    po.set(this.pointOf);
    this.ts = ts;
    this.vs = vs;
    this.pointOf = po;
  }
}
