import { Secret, type StoredKey } from '@creds/core';
import { JsonStoreError, JsonStoreErrorCode } from './errors.js';

/** The version this code writes. A file with a higher version was written by a newer creds. */
export const FORMAT_VERSION = 1;

interface FileEntry {
  accessKeyId: string;
  secretAccessKey: string;
  region?: string;
  note?: string;
  createdAt?: string;
}

/** Entries by name. A Map, so names like `__proto__` are plain keys. */
export type Entries = Map<string, StoredKey>;

/**
 * Parses the file's text. Errors name the entry and field that are wrong but never quote the
 * text: JSON.parse's own message includes a snippet of the input, which may be a secret.
 */
export function parseKeyFile(text: string, path: string): Entries {
  const entries: Entries = new Map();
  if (text.trim() === '') return entries;
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw corrupt(path, 'is not valid JSON');
  }
  if (!isObject(data)) throw corrupt(path, 'is not a JSON object');
  const version = data['version'];
  if (typeof version !== 'number') throw corrupt(path, 'has no "version"');
  if (version > FORMAT_VERSION) {
    throw new JsonStoreError(`${path} has format version ${version}; this creds reads version ${FORMAT_VERSION}`, {
      code: JsonStoreErrorCode.tooNew,
      path,
      hint: 'upgrade creds to read this file',
    });
  }
  if (version !== FORMAT_VERSION) throw corrupt(path, `has unknown format version ${version}`);
  const keys = data['keys'];
  if (!isObject(keys)) throw corrupt(path, 'has no "keys" object');
  for (const [name, raw] of Object.entries(keys)) {
    entries.set(name, parseEntry(raw, name, path));
  }
  return entries;
}

function parseEntry(raw: unknown, name: string, path: string): StoredKey {
  if (!isObject(raw)) throw corrupt(path, `entry ${JSON.stringify(name)} is not an object`);
  const { accessKeyId, secretAccessKey, region, note, createdAt } = raw;
  if (typeof accessKeyId !== 'string') throw corrupt(path, `entry ${JSON.stringify(name)} has no string accessKeyId`);
  if (typeof secretAccessKey !== 'string') {
    throw corrupt(path, `entry ${JSON.stringify(name)} has no string secretAccessKey`);
  }
  const key: StoredKey = { accessKeyId, secretAccessKey: new Secret(secretAccessKey) };
  for (const [field, value] of [
    ['region', region],
    ['note', note],
    ['createdAt', createdAt],
  ] as const) {
    if (value === undefined) continue;
    if (typeof value !== 'string') throw corrupt(path, `entry ${JSON.stringify(name)} has a non-string ${field}`);
    key[field] = value;
  }
  return key;
}

/** The file's text: `{ "version": 1, "keys": { name: { accessKeyId, secretAccessKey, ... } } }`. */
export function serializeKeyFile(entries: Entries): string {
  const keys: Record<string, FileEntry> = {};
  for (const name of [...entries.keys()].sort()) {
    const key = entries.get(name)!;
    const entry: FileEntry = { accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey.reveal() };
    if (key.region !== undefined) entry.region = key.region;
    if (key.note !== undefined) entry.note = key.note;
    if (key.createdAt !== undefined) entry.createdAt = key.createdAt;
    Object.defineProperty(keys, name, { value: entry, enumerable: true, writable: true, configurable: true });
  }
  return `${JSON.stringify({ version: FORMAT_VERSION, keys }, null, 2)}\n`;
}

function corrupt(path: string, what: string): JsonStoreError {
  return new JsonStoreError(`${path} ${what}`, {
    code: JsonStoreErrorCode.corrupt,
    path,
    hint: 'fix the file by hand or move it away (creds starts a new one); it must look like {"version":1,"keys":{}}',
  });
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
