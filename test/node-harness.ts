// Starts MetricStream nodes for tests: in-process (startNode) or as a child process running the
// real `metricstream` binary, each on a fresh temp data dir and a free loopback port.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig, type OptionKey } from '../src/config/index.js';
import { startNode, type RunningNode } from '../src/cli/serve.js';

export const BIN = fileURLToPath(new URL('../../bin/metricstream.js', import.meta.url));

export function tempDir(prefix = 'ms-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export interface TestNode {
  readonly url: string;
  readonly dir: string;
  readonly node: RunningNode;
  stop(): Promise<void>;
}

/**
 * Starts an in-process node (with an optional YAML config file, read again on reload) and waits
 * until it is ready. StatsD is off unless `statsd` is set: then it listens on a free port
 * (node.statsdPort), since tests run side by side.
 */
export async function startTestNode(
  flags: Partial<Record<OptionKey, string>> = {},
  dir = tempDir(),
  opts: { statsd?: boolean; configFile?: string } = {},
): Promise<TestNode> {
  const load = () =>
    loadConfig({
      flags: { port: '0', listen: '127.0.0.1', data_dir: dir, log_level: 'silent', statsd_port: '0', ...flags },
      configFile: opts.configFile,
      env: {},
    });
  const node = await startNode(load(), { ...(opts.statsd === true ? { statsdPort: 0 } : {}), loadAgain: load });
  const url = `http://127.0.0.1:${node.port}`;
  await waitReady(url);
  return {
    url,
    dir,
    node,
    async stop() {
      await node.shutdown('test done');
    },
  };
}

export async function waitReady(url: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const r = await fetch(`${url}/ready`);
      await r.text();
      if (r.status === 200) return;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) throw new Error(`${url} not ready after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

export interface ChildNode {
  readonly child: ChildProcess;
  readonly url: string;
  output(): string;
}

/** Runs the real binary as a child process on a port and waits for /ready. */
export async function startChildNode(dir: string, port: number, extra: string[] = [], env: Record<string, string> = {}): Promise<ChildNode> {
  // StatsD off unless asked for: its default port 8125 would be shared by nodes running side by side.
  const child = spawn(process.execPath, [BIN, 'serve', '--port', String(port), '--listen', '127.0.0.1', '--data-dir', dir, '--statsd-port', '0', ...extra], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const url = `http://127.0.0.1:${port}`;
  const exited = new Promise<never>((_, reject) =>
    child.once('exit', (code) => reject(new Error(`node exited early with ${code}: ${out}`))),
  );
  exited.catch(() => undefined);
  await Promise.race([waitReady(url), exited]);
  return { child, url, output: () => out };
}

/** A free TCP port on loopback. */
export async function freePort(): Promise<number> {
  const net = await import('node:net');
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
    s.on('error', reject);
  });
}

/** POSTs JSON to a path and returns status, headers and parsed body. */
export async function postJson(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Headers; json: any }> {
  const r = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' || body instanceof Uint8Array ? body : JSON.stringify(body),
  });
  const text = await r.text();
  return { status: r.status, headers: r.headers, json: text.length > 0 ? JSON.parse(text) : null };
}

/** GET /api/v1/export as parsed lines. */
export async function exportLines(url: string, match?: string): Promise<{ metric: Record<string, string>; values: (number | string)[]; timestamps: number[] }[]> {
  const q = match ? `?match[]=${encodeURIComponent(match)}` : '';
  const r = await fetch(`${url}/api/v1/export${q}`);
  const text = await r.text();
  if (r.status !== 200) throw new Error(`export answered ${r.status}: ${text}`);
  return text.split('\n').filter((l) => l.length > 0).map((l) => JSON.parse(l));
}
