import { Secret, type StoredKey } from '@creds/core';
import { KeychainError, KeychainErrorCode } from './errors.js';

/** One keychain entry's value: the whole key as one JSON object, so id and secret never drift apart. */
export function encodeKey(key: StoredKey): string {
  return JSON.stringify({
    accessKeyId: key.accessKeyId,
    secretAccessKey: key.secretAccessKey.reveal(),
    region: key.region,
    note: key.note,
    createdAt: key.createdAt,
  });
}

/** Parses an entry's value; a damaged one is an error that names the entry, never its text. */
export function decodeKey(value: string, where: string): StoredKey {
  let data: unknown;
  try {
    data = JSON.parse(value);
  } catch {
    throw corrupt(where);
  }
  if (typeof data !== 'object' || data === null) throw corrupt(where);
  const { accessKeyId, secretAccessKey, region, note, createdAt } = data as Record<string, unknown>;
  if (typeof accessKeyId !== 'string' || typeof secretAccessKey !== 'string') throw corrupt(where);
  const key: StoredKey = { accessKeyId, secretAccessKey: new Secret(secretAccessKey) };
  if (typeof region === 'string') key.region = region;
  if (typeof note === 'string') key.note = note;
  if (typeof createdAt === 'string') key.createdAt = createdAt;
  return key;
}

/** The index entry's value: the sorted names, as a JSON array. */
export function decodeIndex(value: string | null, where: string): string[] {
  if (value === null) return [];
  let data: unknown;
  try {
    data = JSON.parse(value);
  } catch {
    throw corrupt(where);
  }
  if (!Array.isArray(data) || !data.every((n) => typeof n === 'string')) throw corrupt(where);
  return data;
}

export function encodeIndex(names: Iterable<string>): string {
  return JSON.stringify([...new Set(names)].sort());
}

function corrupt(where: string): KeychainError {
  return new KeychainError(`the keychain entry ${where} is not one creds wrote`, {
    code: KeychainErrorCode.corrupt,
    hint: `remove it in your keychain app (or with secret-tool clear) and store the key again`,
  });
}
