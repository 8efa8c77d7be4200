import { rename, stat, unlink } from 'node:fs/promises';
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
      if (error.pid === 0) await removeUnreadableLock(lockPath);
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

/** A lock file nobody could read for this long was left by a holder killed while writing it. */
const UNREADABLE_LOCK_GRACE_MS = 2_000;

/**
 * core's Lock reports pid 0 when the lock file holds no readable holder: its writer was killed
 * between creating and filling it. Core does not recover that case, so it is done here once the
 * file is old enough not to be a holder still writing. Renamed aside first, so of two processes
 * recovering at once only one removes it.
 */
async function removeUnreadableLock(lockPath: string): Promise<void> {
  try {
    const info = await stat(lockPath);
    if (Date.now() - info.mtimeMs < UNREADABLE_LOCK_GRACE_MS || info.size > 0) return;
    const aside = `${lockPath}.unreadable-${process.pid}`;
    await rename(lockPath, aside);
    await unlink(aside);
  } catch {
    // gone already, or another process recovered it: try to acquire again
  }
}
