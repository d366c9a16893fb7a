// Crash points for the crash tests: with METRICSTREAM_FAILPOINT=<name> in its environment the
// process kills itself with SIGKILL on reaching that point, as kill -9 or a power cut there would.
// Unset (always, outside tests) a failpoint costs one string comparison.
const armed = process.env['METRICSTREAM_FAILPOINT'];

/** Names in use: block-before-rename, cut-before-checkpoint, checkpoint-before-truncate, compaction-before-delete, delete-before-remove. */
export function failpoint(name: string): void {
  if (armed === name) process.kill(process.pid, 'SIGKILL');
}

// A slow disk for the backpressure tests: METRICSTREAM_FAILPOINT_SLOW_WAL=<ms>[,<bytes per second>]
// delays every WAL write by <ms> plus its size at that rate, as a throttled disk would.
const slow = /^(\d+)(?:,(\d+))?$/.exec(process.env['METRICSTREAM_FAILPOINT_SLOW_WAL'] ?? '');
const slowMs = slow === null ? 0 : Number(slow[1]);
const slowRate = slow === null || slow[2] === undefined ? 0 : Number(slow[2]);

/** Milliseconds a WAL write of `bytes` is held back (0 unless the slow-WAL test hook is set). */
export function walWriteDelayMs(bytes: number): number {
  if (slow === null) return 0;
  return slowMs + (slowRate > 0 ? (bytes * 1000) / slowRate : 0);
}
