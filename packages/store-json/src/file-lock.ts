import { setTimeout as sleep } from 'node:timers/promises';
import { Lock, LockedError } from '@creds/core';
import { JsonStoreError, JsonStoreErrorCode } from './errors.js';

/**
 * Holds `<file>.lock` (core's Lock: O_EXCL, holder pid, a killed holder's lock taken over) for the
 * duration of `task`, waiting up to `timeoutMs` for another process to let go.
 */
export async function withFileLock<T>(lockPath: string, timeoutMs: number, task: () => Promise<T>): Promise<T> {
  const lock = new Lock(lockPath);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      lock.acquire();
      break;
    } catch (error) {
      if (!(error instanceof LockedError)) throw error;
      if (Date.now() >= deadline) {
        throw new JsonStoreError(`the key file is being written by pid ${error.pid} since ${error.since}`, {
          code: JsonStoreErrorCode.locked,
          path: lockPath,
          retryable: true,
          hint: `wait for that process to finish; if it is gone, remove ${lockPath}`,
          cause: error,
        });
      }
      await sleep(10 + Math.random() * 40);
    }
  }
  try {
    return await task();
  } finally {
    lock.release();
  }
}
