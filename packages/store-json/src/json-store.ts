import { constants } from 'node:fs';
import { open, readdir, rm } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { type KeyStore, type StoredKey, validateKeyStoreEntry, validateKeyStoreName } from '@creds/core';
import writeFileAtomic from 'write-file-atomic';
import { ioError } from './errors.js';
import { type Entries, parseKeyFile, serializeKeyFile } from './file-format.js';
import { isLockedError, withFileLock } from './file-lock.js';
import { assertGitIgnored } from './git-ignore.js';
import { assertPrivateFile, assertWritableDir, ensurePrivateDir, notAFile, POSIX } from './permissions.js';
import pLimit from 'p-limit';

export interface JsonStoreOptions {
  /** The key file. Its folder is created 0700 when missing. */
  path: string;
  /** Said once per store when the folder is listable by others. Default: process.emitWarning. */
  onWarning?: (message: string) => void;
  /** How long a write waits for another process's lock on the file. Default 10 s. */
  lockTimeoutMs?: number;
}

/**
 * A KeyStore on one local JSON file holding several keys, one per entry name:
 * `{ "version": 1, "keys": { "<name>": { accessKeyId, secretAccessKey, region?, note?, createdAt? } } }`.
 *
 * Writes are atomic (temp file, fsync, rename; the folder fsync'd after), 0600, in a 0700 folder,
 * and serialized: in this process by a queue, across processes by `<file>.lock`. Reading refuses a
 * file others can read; writing refuses a file a git work tree would not ignore. The first use of
 * a store removes the temp files a writer killed mid-write left beside the file (they hold keys).
 */
export function createJsonStore(options: JsonStoreOptions): KeyStore {
  const path = resolve(options.path);
  const dir = dirname(path);
  const lockTimeoutMs = options.lockTimeoutMs ?? 10_000;
  const queue = pLimit(1); // one read-modify-write at a time
  let warned = false;
  const warn = (message: string): void => {
    if (warned) return;
    warned = true;
    if (options.onWarning) options.onWarning(message);
    else process.emitWarning(message, { code: 'CREDS_STORE_DIR_VISIBLE' });
  };

  /**
   * write-file-atomic writes `<file>.<32-bit number>` and renames it over the file; a writer killed
   * in between leaves it behind, secrets and all. Removed under the file lock (so never a live
   * writer's), once per store; when another process holds the lock, a later store does it.
   */
  let swept: Promise<void> | undefined;
  /** check's git answer once it passed (writes still ask git each time). */
  let ignored: Promise<void> | undefined;
  const sweep = (): Promise<void> => {
    swept ??= (async () => {
      if ((await tempFiles(path)).length === 0) return;
      await withFileLock(`${path}.lock`, 0, async () => {
        for (const temp of await tempFiles(path)) {
          await rm(temp, { force: true }).catch((error: unknown) => {
            throw ioError('remove the temp file', temp, error);
          });
        }
      }).catch((error: unknown) => {
        if (!isLockedError(error)) throw error;
      });
    })().catch((error: unknown) => {
      swept = undefined; // try again next time
      throw error;
    });
    return swept;
  };

  async function readEntries(): Promise<Entries> {
    let handle: Awaited<ReturnType<typeof open>>;
    try {
      handle = await open(path, constants.O_RDONLY | (POSIX ? constants.O_NOFOLLOW : 0));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
      throw ioError('open', path, error);
    }
    try {
      // Checked on the open descriptor, so the file cannot be swapped between check and read.
      const stats = await handle.stat();
      if (!stats.isFile()) throw notAFile(path, stats.isDirectory());
      assertPrivateFile(path, stats.mode);
      return parseKeyFile(await handle.readFile('utf8'), path);
    } finally {
      await handle.close();
    }
  }

  async function writeEntries(entries: Entries): Promise<void> {
    try {
      await writeFileAtomic(path, serializeKeyFile(entries), { mode: 0o600, fsync: true });
    } catch (error) {
      throw ioError('write', path, error);
    }
    await fsyncDir(dir);
  }

  /** Read, change, write — one at a time in this process, under the file lock across processes. */
  function update<T>(change: (entries: Entries) => { result: T; changed: boolean }): Promise<T> {
    return queue(async () => {
      await assertGitIgnored(path);
      await ensurePrivateDir(dir, warn);
      return withFileLock(`${path}.lock`, lockTimeoutMs, async () => {
        const entries = await readEntries();
        const { result, changed } = change(entries);
        if (changed) await writeEntries(entries);
        return result;
      });
    });
  }

  return {
    type: 'json',
    describe: () => path,

    async get(name: string): Promise<StoredKey | undefined> {
      validateKeyStoreName(name);
      await sweep();
      const key = (await readEntries()).get(name);
      return key === undefined ? undefined : { ...key };
    },

    async put(name: string, key: StoredKey): Promise<void> {
      validateKeyStoreEntry(name, key);
      const stored: StoredKey = { ...key, createdAt: key.createdAt ?? new Date().toISOString() };
      await sweep();
      await update((entries) => {
        entries.set(name, stored);
        return { result: undefined, changed: true };
      });
    },

    async delete(name: string): Promise<boolean> {
      validateKeyStoreName(name);
      await sweep();
      if (!(await readEntries()).has(name)) return false;
      return update((entries) => {
        const existed = entries.delete(name);
        return { result: existed, changed: existed };
      });
    },

    async list(): Promise<string[]> {
      await sweep();
      return [...(await readEntries()).keys()];
    },

    /**
     * Whether a key could be written now, writing nothing: the file (if any) is a private
     * regular file that parses, git would ignore it, and its folder is private and writable (or
     * the nearest existing folder above it is writable, so it can be made).
     */
    async check(): Promise<void> {
      await readEntries();
      // git runs as two child processes; a fleet's targets share one store, so one passed answer serves them all.
      ignored ??= assertGitIgnored(path).catch((error: unknown) => {
        ignored = undefined;
        throw error;
      });
      await ignored;
      await assertWritableDir(dir, warn);
    },
  };
}

/** Makes the rename itself durable (POSIX; Windows cannot open folders). */
async function fsyncDir(dir: string): Promise<void> {
  if (!POSIX) return;
  try {
    const handle = await open(dir, constants.O_RDONLY);
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch (error) {
    throw ioError('sync the folder', dir, error);
  }
}

/** The temp files write-file-atomic names `<file>.<unsigned 32-bit integer>` beside `path`. */
async function tempFiles(path: string): Promise<string[]> {
  const dir = dirname(path);
  const prefix = `${basename(path)}.`;
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw ioError('list', dir, error);
  }
  return names.filter((n) => n.startsWith(prefix) && /^\d{1,10}$/.test(n.slice(prefix.length))).map((n) => join(dir, n));
}
