// Counter, gauge and histogram helpers: each is one series (name + tags) bound to a client.

import type { Metric, MetricKind } from './metric.js';

/** An instrument whose current value the client collects at flush time. */
export interface Collectable {
  collect(): Metric;
}

abstract class Series {
  constructor(
    readonly name: string,
    readonly tags: Readonly<Record<string, string>>,
    readonly help: string | undefined,
  ) {}

  protected metric(type: MetricKind, value: number): Metric {
    const m: { -readonly [K in keyof Metric]: Metric[K] } = { name: this.name, value, type, tags: this.tags, timestamp: Date.now() };
    if (this.help !== undefined) m.help = this.help;
    return m;
  }
}

/** A cumulative count (Prometheus counter semantics: it only goes up). */
export class Counter extends Series implements Collectable {
  private total = 0;
  constructor(private readonly changed: (c: Collectable) => void, name: string, tags: Readonly<Record<string, string>>, help: string | undefined) {
    super(name, tags, help);
  }

  /** Adds `by` (default 1); negative or non-finite amounts are refused. */
  inc(by = 1): void {
    if (!(by >= 0) || !Number.isFinite(by)) throw new RangeError(`a counter only goes up by a finite amount >= 0, got ${by}`);
    this.total += by;
    this.changed(this);
  }

  get value(): number {
    return this.total;
  }

  collect(): Metric {
    return this.metric('counter', this.total);
  }
}

/** A value that goes up and down. */
export class Gauge extends Series implements Collectable {
  private current = 0;
  constructor(private readonly changed: (c: Collectable) => void, name: string, tags: Readonly<Record<string, string>>, help: string | undefined) {
    super(name, tags, help);
  }

  set(v: number): void {
    if (!Number.isFinite(v)) throw new RangeError(`a gauge takes a finite number, got ${v}`);
    this.current = v;
    this.changed(this);
  }

  inc(by = 1): void {
    this.set(this.current + by);
  }

  dec(by = 1): void {
    this.set(this.current - by);
  }

  get value(): number {
    return this.current;
  }

  collect(): Metric {
    return this.metric('gauge', this.current);
  }
}

/** Observations (latencies, sizes): each one is pushed as a `histogram` metric; the server aggregates. */
export class Histogram extends Series {
  constructor(private readonly send: (m: Metric) => void, name: string, tags: Readonly<Record<string, string>>, help: string | undefined) {
    super(name, tags, help);
  }

  observe(v: number): void {
    if (!Number.isFinite(v)) throw new RangeError(`an observation must be a finite number, got ${v}`);
    this.send(this.metric('histogram', v));
  }
}
