// The errors of the WAL: malformed bytes met while reading, and a failed write or fsync.

/** Malformed WAL bytes: a record or payload that our encoders cannot have produced. */
export class WalCorruptionError extends Error {
  readonly code = 'wal_corruption';

  constructor(message: string) {
    super(message);
    this.name = 'WalCorruptionError';
  }
}

/**
 * A write or fsync of the WAL failed. The WAL accepts no record after it (the file may end in a
 * partial record), so every pending and later `log()` rejects with this error until a restart.
 */
export class WalWriteError extends Error {
  readonly code = 'wal_write_failed';

  constructor(message: string, cause: unknown) {
    super(message, { cause });
    this.name = 'WalWriteError';
  }
}
