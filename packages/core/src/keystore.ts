import { ValidationError } from './errors.js';
import { Secret } from './secret.js';

/** One AWS access key as a store keeps it. */
export interface StoredKey {
  accessKeyId: string;
  secretAccessKey: Secret;
  /** The region the workflows use, kept beside the key for people reading the store. */
  region?: string;
  /** Free text naming what the key is for (e.g. the repository). */
  note?: string;
  /** ISO time the key was stored. */
  createdAt?: string;
}

/**
 * Where the secret half of an access key lives. Entries are named; creds names them after the
 * target (one entry per target, plus a transient one during rotation). A new store is a new package
 * implementing this interface; nothing else changes.
 */
export interface KeyStore {
  /** Short type name: `json`, `keychain`, `1password`, or a custom one. */
  readonly type: string;
  /** Where the keys are, for messages (a path, a vault, a keychain service). Never a secret. */
  describe(): string;
  /** The entry, or undefined when there is none. Never throws for an absent entry. */
  get(name: string): Promise<StoredKey | undefined>;
  /** Create or replace the entry. When it resolves, the key is durably stored. */
  put(name: string, key: StoredKey): Promise<void>;
  /** Remove the entry; resolves false when there was none. */
  delete(name: string): Promise<boolean>;
  /** Names of all entries. */
  list(): Promise<string[]>;
  /**
   * Throws a CredsError saying what to fix (the reason, in its message) when a key could not be
   * stored now: the store cannot be reached, read or written. Writes no key and changes no entry.
   * Workflows that make keys run it in their preflight, before anything else is written; doctor too.
   */
  check?(): Promise<void>;
}

const ACCESS_KEY_ID = /^[A-Za-z0-9]{16,128}$/;

/** The entry-name rule every store shares: 1-256 characters. */
export function validateKeyStoreName(name: string): void {
  if (typeof name !== 'string' || name.length === 0) {
    throw new ValidationError('name', 'must be a non-empty string', { hint: 'name entries after the target, e.g. owner/repo' });
  }
  if (name.length > 256) throw new ValidationError('name', 'must be at most 256 characters');
}

/** Checks an entry name and key before a store reads or writes anything. Never echoes the secret. */
export function validateKeyStoreEntry(name: string, key?: StoredKey): void {
  validateKeyStoreName(name);
  if (key === undefined) return;
  if (typeof key.accessKeyId !== 'string' || !ACCESS_KEY_ID.test(key.accessKeyId)) {
    throw new ValidationError('key.accessKeyId', 'must be 16-128 letters and digits (an AWS access key id)');
  }
  if (!(key.secretAccessKey instanceof Secret) || key.secretAccessKey.reveal().length === 0) {
    throw new ValidationError('key.secretAccessKey', 'must be a non-empty Secret');
  }
  for (const field of ['region', 'note', 'createdAt'] as const) {
    const value = key[field];
    if (value !== undefined && typeof value !== 'string') {
      throw new ValidationError(`key.${field}`, 'must be a string when given');
    }
  }
}
