export { createOnePasswordStore } from './onepassword-store.js';
export type { OnePasswordStoreOptions } from './onepassword-store.js';
export { OnePasswordError, OnePasswordErrorCode } from './errors.js';
