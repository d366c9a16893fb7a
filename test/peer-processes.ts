// Shared by the tests that run real peer programs (Prometheus, node exporter) beside a node:
// starting them with their stderr kept for failures, stopping them all, polling until a
// condition holds, and Prometheus-API instant queries.
import { spawn, type ChildProcess } from 'node:child_process';

/** Child processes started by one test file; `stopAll` in its `after`. */
export class PeerProcesses {
  private readonly children: ChildProcess[] = [];

  /** Starts `cmd`; its last 4 KB of stderr are printed if it exits with an error. */
  run(cmd: string, args: string[]): ChildProcess {
    const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr!.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-4000)));
    child.once('exit', (code, sig) => {
      if (code !== 0 && sig === null) console.error(`${cmd} exited with ${code}: ${err}`);
    });
    this.children.push(child);
    return child;
  }

  /** SIGTERM to every child still running, then waits for them to exit. */
  async stopAll(): Promise<void> {
    for (const c of this.children) if (c.exitCode === null) c.kill('SIGTERM');
    await Promise.all(this.children.map((c) => (c.exitCode === null ? new Promise((r) => c.once('exit', r)) : null)));
  }
}

/** Polls `fn` every 250 ms until it returns a value; throws (with the last error) after timeoutMs. */
export async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** `/api/v1/query` at `time` (seconds) on a Prometheus-API server: the result array. */
export async function query(base: string, q: string, time: number): Promise<any[]> {
  const r = await fetch(`${base}/api/v1/query?query=${encodeURIComponent(q)}&time=${time}`);
  const body = (await r.json()) as any;
  if (r.status !== 200) throw new Error(`${base} answered ${r.status}: ${JSON.stringify(body)}`);
  return body.data.result;
}
