import { ValidationError, validateKeyStoreName } from '@creds/core';

/** The account of the index entry; no key may take its name. */
export const INDEX_ACCOUNT = 'creds:index';
/** The account the doctor check writes and removes. */
export const CHECK_ACCOUNT = 'creds:check';

export function validateKeychainName(name: string): void {
  validateKeyStoreName(name);
  if (name === INDEX_ACCOUNT || name === CHECK_ACCOUNT) {
    throw new ValidationError('name', `${name} is reserved by the keychain store`);
  }
}
