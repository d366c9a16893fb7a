// Installs a Debian package a test needs when its command is missing (apt-get as root, `sudo -n`
// otherwise), so a fresh machine or CI gets it from `npm test` itself, as bench/ gets wrk.
import { spawnSync } from 'node:child_process';

function has(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

function apt(args: string[]): { ok: boolean; output: string } {
  const root = process.getuid?.() === 0;
  const cmd = root ? 'apt-get' : 'sudo';
  const argv = root ? args : ['-n', 'apt-get', ...args];
  // Waits for the dpkg lock, so two test files installing at once do not fail each other.
  const r = spawnSync(cmd, ['-o', 'DPkg::Lock::Timeout=300', ...argv], {
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    encoding: 'utf8',
    timeout: 600_000,
  });
  return { ok: r.status === 0, output: `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? String(r.error) : ''}` };
}

/**
 * Makes sure `command` exists, installing Debian package `pkg` when it does not. Returns null when
 * the command is there, or the reason it could not be installed (for a test's skip message).
 */
export function ensureDebianPackage(command: string, pkg: string): string | null {
  if (has(command)) return null;
  const install = ['install', '-y', '-qq', '--no-install-recommends', pkg];
  let r = apt(install);
  if (!r.ok) {
    // The package lists may be missing or stale on a fresh machine.
    apt(['update', '-qq']);
    r = apt(install);
  }
  if (r.ok && has(command)) return null;
  return `Debian package ${pkg} could not be installed (${command} not found): ${r.output.trim().split('\n').slice(-3).join(' | ')}`;
}
