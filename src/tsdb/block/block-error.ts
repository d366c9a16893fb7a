// The error a block reader throws when the bytes on disk are not what a block writer wrote.
import { StorageError } from '../../storage/index.js';

/** Malformed or damaged block files: bad magic, version, checksum, or a value out of range. */
export class BlockCorruptionError extends StorageError {
  constructor(message: string) {
    super('block_corrupt', message);
    this.name = 'BlockCorruptionError';
  }
}
