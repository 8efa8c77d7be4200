import { mkdir, stat } from 'node:fs/promises';
import { JsonStoreError, JsonStoreErrorCode, ioError } from './errors.js';

/** File modes mean nothing on Windows (ACLs decide); the checks below are POSIX only. */
export const POSIX = process.platform !== 'win32';

/** Refuses a key file that anyone but its owner can read or write, saying how to fix it. */
export function assertPrivateFile(path: string, mode: number): void {
  if (!POSIX || (mode & 0o077) === 0) return;
  throw new JsonStoreError(
    `${path} is readable or writable by other users (mode ${formatMode(mode)}); creds will not use it`,
    {
      code: JsonStoreErrorCode.fileInsecure,
      path,
      hint: `run: chmod 600 ${shellQuote(path)} (and consider rotating the keys in it)`,
    },
  );
}

/**
 * Makes sure the folder exists. A folder creds creates is 0700. An existing folder that others
 * can write to is refused (they could replace the key file); one that others can only read or
 * list is allowed with a warning (the file itself is 0600, but its name is visible).
 */
export async function ensurePrivateDir(dir: string, warn: (message: string) => void): Promise<void> {
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
  } catch (error) {
    throw ioError('create the folder', dir, error);
  }
  if (!POSIX) return;
  let mode: number;
  try {
    mode = (await stat(dir)).mode;
  } catch (error) {
    throw ioError('inspect the folder', dir, error);
  }
  if ((mode & 0o022) !== 0) {
    throw new JsonStoreError(`${dir} can be written by other users (mode ${formatMode(mode)}); they could replace the key file`, {
      code: JsonStoreErrorCode.dirInsecure,
      path: dir,
      hint: `run: chmod 700 ${shellQuote(dir)}, or keep the key file in a private folder such as ~/.config/creds`,
    });
  }
  if ((mode & 0o055) !== 0) {
    warn(`${dir} can be listed by other users (mode ${formatMode(mode)}); run chmod 700 ${shellQuote(dir)} to hide it`);
  }
}

export function formatMode(mode: number): string {
  return `0${(mode & 0o777).toString(8).padStart(3, '0')}`;
}

/** Quotes a path for a copy-paste shell command (only when it needs quoting). */
export function shellQuote(value: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}
