// Keeps a second MetricStream process out of a data dir: a `lock` file holding the owner's PID,
// taken over only when that process no longer exists (e.g. after kill -9).
import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/** The data dir is held by another live process. */
export class DataDirLockedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DataDirLockedError';
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export class LockFile {
  readonly path: string;
  /** PID of a dead owner whose lock was taken over, if any. */
  readonly staleOwner: number | null;

  private constructor(path: string, staleOwner: number | null) {
    this.path = path;
    this.staleOwner = staleOwner;
  }

  /** Takes the lock of `dir` or throws DataDirLockedError naming the owner. */
  static acquire(dir: string): LockFile {
    const path = join(dir, 'lock');
    let stale: number | null = null;
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const fd = openSync(path, 'wx');
        writeSync(fd, `${process.pid}\n`);
        closeSync(fd);
        return new LockFile(path, stale);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
      let owner = NaN;
      try {
        owner = Number.parseInt(readFileSync(path, 'utf8'), 10);
      } catch {
        // Vanished between open and read: try again.
      }
      if (Number.isInteger(owner) && owner !== process.pid && alive(owner)) {
        throw new DataDirLockedError(
          `data dir ${dir} is in use by process ${owner} (lock file ${path}); stop that process or choose another --data-dir`,
        );
      }
      stale = Number.isInteger(owner) ? owner : null;
      try {
        unlinkSync(path);
      } catch {
        // Someone else removed it first; the next attempt decides.
      }
    }
    throw new DataDirLockedError(`could not take the lock file ${path}; another process is starting on the same data dir`);
  }

  release(): void {
    try {
      unlinkSync(this.path);
    } catch {
      // Already gone: nothing to release.
    }
  }
}
