import { LockedError, withLock } from '@creds/core';
import { JsonStoreError, JsonStoreErrorCode } from './errors.js';

/** Whether `withFileLock` gave up because another process holds the lock. */
export function isLockedError(error: unknown): boolean {
  return error instanceof JsonStoreError && error.code === JsonStoreErrorCode.locked;
}

/**
 * Holds `<file>.lock` (core's Lock: O_EXCL, holder pid, a killed holder's lock taken over) for the
 * duration of `task`, waiting up to `timeoutMs` for another process to let go.
 */
export async function withFileLock<T>(lockPath: string, timeoutMs: number, task: () => Promise<T>): Promise<T> {
  try {
    return await withLock(lockPath, timeoutMs, task);
  } catch (error) {
    if (!(error instanceof LockedError) || error.lockPath !== lockPath) throw error;
    throw new JsonStoreError(`the key file is being written by pid ${error.pid} since ${error.since}`, {
      code: JsonStoreErrorCode.locked,
      path: lockPath,
      retryable: true,
      hint: `wait for that process to finish; if it is gone, remove ${lockPath}`,
      cause: error,
    });
  }
}
