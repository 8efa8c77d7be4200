export { createKeychainStore } from './keychain-store.js';
export type { KeychainStoreOptions } from './keychain-store.js';
export { KeychainError, KeychainErrorCode, mapKeyringError } from './errors.js';
