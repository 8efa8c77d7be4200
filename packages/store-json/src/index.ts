export { createJsonStore } from './json-store.js';
export type { JsonStoreOptions } from './json-store.js';
export { JsonStoreError, JsonStoreErrorCode } from './errors.js';
export { FORMAT_VERSION } from './file-format.js';
