import { Secret, type StoredKey, ValidationError } from '@creds/core';

const ACCESS_KEY_ID = /^[A-Za-z0-9]{16,128}$/;

/** Checks an entry name and key before anything is read or written. Never echoes the secret. */
export function validateEntry(name: string, key?: StoredKey): void {
  validateName(name);
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

export function validateName(name: string): void {
  if (typeof name !== 'string' || name.length === 0) {
    throw new ValidationError('name', 'must be a non-empty string', { hint: 'name entries after the target, e.g. owner/repo' });
  }
  if (name.length > 256) throw new ValidationError('name', 'must be at most 256 characters');
}
