// The last step every protocol shares: commit an appender and turn storage errors into answers.
import { HttpError } from '../api/index.js';
import { StorageClosedError, StorageError, type Appender, type MetricMetadata, type Storage } from '../storage/index.js';

/** Commits; maps storage refusals to 400 and an unavailable engine to 503. */
export async function commitOrThrow(app: Appender): Promise<void> {
  try {
    await app.commit();
  } catch (e) {
    throw storageHttpError(e);
  }
}

/** The HTTP answer for an error thrown by an appender. */
export function storageHttpError(e: unknown): unknown {
  if (e instanceof StorageClosedError) {
    return new HttpError(503, 'unavailable', e.message, undefined, { 'retry-after': '1' });
  }
  if (e instanceof StorageError) return new HttpError(400, 'bad_data', e.message);
  return e;
}

/** Metadata for a name, keeping stored help/unit where the protocol sent none. */
export function mergeMetadata(
  storage: Storage,
  tenant: string,
  name: string,
  type: MetricMetadata['type'],
  help: string | undefined,
  unit: string | undefined,
): MetricMetadata {
  const have = storage.metadata(tenant).get(name);
  return { type, help: help ?? have?.help ?? '', unit: unit ?? have?.unit ?? '' };
}
