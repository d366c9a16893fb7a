// Runs the engine's pausing generators (loading, subquery steps, all-steps evaluation) from
// async code, handing the event loop back once every `sliceMs` of work, so a long query does
// not hold up ingest and other requests.

export class Slicer {
  private sliceStart = performance.now();

  constructor(private readonly sliceMs: number) {}

  /** Runs `g` to its end; at each of its pauses, yields to the event loop if the slice is used up. */
  async run<T>(g: Generator<void, T>): Promise<T> {
    for (;;) {
      const r = g.next();
      if (r.done === true) return r.value;
      await this.pause();
    }
  }

  /** Yields to the event loop (setImmediate) if the slice is used up; else resolves at once. */
  async pause(): Promise<void> {
    if (performance.now() - this.sliceStart <= this.sliceMs) return;
    await new Promise<void>((resolve) => setImmediate(resolve));
    this.sliceStart = performance.now();
  }
}
