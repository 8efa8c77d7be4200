import { constants } from 'node:fs';
import { access, mkdir, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
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

/** The key file's path names a folder (or another non-file): nothing can be stored there. */
export function notAFile(path: string, folder: boolean): JsonStoreError {
  return new JsonStoreError(`${path} is ${folder ? 'a folder' : 'not a regular file'}, not a key file`, {
    code: JsonStoreErrorCode.notAFile,
    path,
    hint: folder ? `set store.path to a file name, e.g. ${shellQuote(`${path.replace(/\/+$/, '')}/keys.json`)}` : 'set store.path to a regular file (or a name not yet taken)',
  });
}

/** The folder's mode, or undefined when it does not exist; a non-folder there is refused. */
async function folderMode(dir: string): Promise<number | undefined> {
  try {
    const stats = await stat(dir);
    if (!stats.isDirectory()) {
      throw new JsonStoreError(`${dir} is not a folder, so the key file cannot be made in it`, {
        code: JsonStoreErrorCode.notAFile,
        path: dir,
        hint: 'set store.path to a file in a folder',
      });
    }
    return stats.mode;
  } catch (error) {
    if (error instanceof JsonStoreError) throw error;
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw ioError('inspect the folder', dir, error);
  }
}

/**
 * What `ensurePrivateDir` and a write would meet, without making or changing anything: an
 * existing folder must be private (as there) and writable; a missing one must have a writable
 * nearest existing folder above it.
 */
export async function assertWritableDir(dir: string, warn: (message: string) => void): Promise<void> {
  let existing = dir;
  let mode = await folderMode(existing);
  while (mode === undefined && dirname(existing) !== existing) {
    existing = dirname(existing);
    mode = await folderMode(existing);
  }
  if (existing === dir && mode !== undefined) assertPrivateDirMode(dir, mode, warn);
  try {
    await access(existing, constants.W_OK | constants.X_OK);
  } catch (error) {
    throw new JsonStoreError(
      existing === dir
        ? `${dir} cannot be written by this user, so the key file cannot be saved (${(error as NodeJS.ErrnoException).code ?? 'UNKNOWN'})`
        : `${dir} does not exist and ${existing} cannot be written by this user, so it cannot be made (${(error as NodeJS.ErrnoException).code ?? 'UNKNOWN'})`,
      { code: JsonStoreErrorCode.io, path: existing, hint: `check that you own ${existing}, or set store.path to a file in a folder you can write` },
    );
  }
}

function assertPrivateDirMode(dir: string, mode: number, warn: (message: string) => void): void {
  if (!POSIX) return;
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
  assertPrivateDirMode(dir, mode, warn);
}

export function formatMode(mode: number): string {
  return `0${(mode & 0o777).toString(8).padStart(3, '0')}`;
}

/** Quotes a path for a copy-paste shell command (only when it needs quoting). */
export function shellQuote(value: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}
