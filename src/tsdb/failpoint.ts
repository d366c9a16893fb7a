// Crash points for the crash tests: with METRICSTREAM_FAILPOINT=<name> in its environment the
// process kills itself with SIGKILL on reaching that point, as kill -9 or a power cut there would.
// Unset (always, outside tests) a failpoint costs one string comparison.
const armed = process.env['METRICSTREAM_FAILPOINT'];

/** Names in use: block-before-rename, cut-before-checkpoint, checkpoint-before-truncate, compaction-before-delete, delete-before-remove. */
export function failpoint(name: string): void {
  if (armed === name) process.kill(process.pid, 'SIGKILL');
}
