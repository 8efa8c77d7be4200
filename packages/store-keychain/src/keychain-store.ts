import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { type KeyStore, LockedError, type StoredKey, validateKeyStoreEntry, withLock } from '@creds/core';
import { AsyncEntry, type EntryOptions } from '@napi-rs/keyring';
import { decodeIndex, decodeKey, encodeIndex, encodeKey } from './entry-value.js';
import { KeychainError, KeychainErrorCode, mapKeyringError } from './errors.js';
import pLimit from 'p-limit';
import { CHECK_ACCOUNT, INDEX_ACCOUNT, validateKeychainName } from './validate.js';

export interface KeychainStoreOptions {
  /** The keychain "service" every entry is filed under. Default `creds`. */
  service?: string;
  /**
   * The lock file that makes index updates one at a time across processes. Default
   * `<tmpdir>/creds-keychain-<user>-<service>.lock`.
   */
  lockPath?: string;
  /** How long an update waits for another process's lock. Default 10 s. */
  lockTimeoutMs?: number;
}

/**
 * On Linux, pin the Secret Service: the library's default falls back to the kernel keyring,
 * which keeps nothing past logout. Ignored on macOS and Windows.
 */
const ENTRY_OPTIONS: EntryOptions = { linux: { store: 'secret-service' } };

/**
 * A KeyStore on the OS keychain (macOS Keychain, Windows Credential Manager, the Linux Secret
 * Service). One entry per key (service `creds`, account = the entry name, value = the key as one
 * JSON object) plus an index entry (account `creds:index`) listing the names, so `list` works on
 * every platform.
 *
 * The index is updated before a key is written and after it is removed, so it may name a key that
 * is gone (skipped by `list`) but never misses one that exists. Its read-modify-write runs one at a
 * time: in this process by a queue, across processes under a lock file (core's Lock, as the json
 * store's file lock: the keychain itself has no lock, and proper-lockfile records no holder to
 * name and takes over a dead holder's lock only after a timeout).
 */
export function createKeychainStore(options: KeychainStoreOptions = {}): KeyStore {
  const service = options.service ?? 'creds';
  const queue = pLimit(1); // one read-modify-write at a time
  const lockPath = options.lockPath ?? join(tmpdir(), `creds-keychain-${safe(userInfo().username)}-${safe(service)}.lock`);
  const lockTimeoutMs = options.lockTimeoutMs ?? 10_000;

  /** One index update at a time, in this process and across processes. */
  const exclusive = <T>(task: () => Promise<T>): Promise<T> =>
    queue(() =>
      withLock(lockPath, lockTimeoutMs, task).catch((error: unknown) => {
        if (!(error instanceof LockedError) || error.lockPath !== lockPath) throw error;
        throw new KeychainError(`the keychain index is being updated by pid ${error.pid} since ${error.since}`, {
          code: KeychainErrorCode.busy,
          retryable: true,
          hint: `wait for that process to finish; if it is gone, remove ${lockPath}`,
          cause: error,
        });
      }),
    );

  function entry(account: string, action: string): AsyncEntry {
    try {
      return new AsyncEntry(service, account, ENTRY_OPTIONS);
    } catch (error) {
      throw mapKeyringError(error, action);
    }
  }

  async function read(account: string, action: string): Promise<string | null> {
    try {
      return await entry(account, action).getPassword();
    } catch (error) {
      throw mapKeyringError(error, action);
    }
  }

  async function write(account: string, value: string, action: string, secrets: string[]): Promise<void> {
    try {
      await entry(account, action).setPassword(value);
    } catch (error) {
      throw mapKeyringError(error, action, [value, ...secrets]);
    }
  }

  async function remove(account: string, action: string): Promise<boolean> {
    try {
      return await entry(account, action).deleteCredential();
    } catch (error) {
      throw mapKeyringError(error, action);
    }
  }

  const indexWhere = `${service}/${INDEX_ACCOUNT}`;
  const readIndex = async (): Promise<string[]> => decodeIndex(await read(INDEX_ACCOUNT, 'read the creds index'), indexWhere);
  const writeIndex = (names: string[]): Promise<void> => write(INDEX_ACCOUNT, encodeIndex(names), 'update the creds index', []);

  async function getKey(name: string): Promise<StoredKey | undefined> {
    const value = await read(name, `read ${service}/${name}`);
    return value === null ? undefined : decodeKey(value, `${service}/${name}`);
  }

  return {
    type: 'keychain',
    describe: () => `OS keychain, service "${service}"`,

    async get(name: string): Promise<StoredKey | undefined> {
      validateKeychainName(name);
      return getKey(name);
    },

    async put(name: string, key: StoredKey): Promise<void> {
      validateKeychainName(name);
      validateKeyStoreEntry(name, key);
      const secret = key.secretAccessKey.reveal();
      return exclusive(async () => {
        const names = await readIndex();
        if (!names.includes(name)) await writeIndex([...names, name]);
        await write(name, encodeKey(key), `store ${service}/${name}`, [secret]);
      });
    },

    async delete(name: string): Promise<boolean> {
      validateKeychainName(name);
      return exclusive(async () => {
        const existed = await remove(name, `remove ${service}/${name}`);
        const names = await readIndex();
        if (names.includes(name)) await writeIndex(names.filter((n) => n !== name));
        return existed;
      });
    },

    async list(): Promise<string[]> {
      const names = await readIndex();
      const present = await Promise.all(names.map(async (n) => ((await read(n, `read ${service}/${n}`)) === null ? undefined : n)));
      return present.filter((n): n is string => n !== undefined);
    },

    async check(): Promise<void> {
      // Reading proves the service answers; writing proves a keyring is unlocked and writable.
      await readIndex();
      await write(CHECK_ACCOUNT, 'ok', 'write a test entry', []);
      await remove(CHECK_ACCOUNT, 'remove the test entry');
    },
  };
}

/** A name part safe in a file name. */
const safe = (text: string): string => text.replace(/[^A-Za-z0-9._-]/g, '_');
