import { CredsError, type KeyStore, validateKeyStoreEntry, validateKeyStoreName } from '@creds/core';

/** The `type` of the store that keeps nothing (`store: { type: "none" }`). */
export const NO_STORE = 'none';

/**
 * `store: { type: "none" }`: no copy of any key. The workflows keep a new key's secret in the run's
 * memory from CreateAccessKey until it is written to GitHub, and never hand it to this store; so it
 * answers every read with "no entry" and refuses a write, which would otherwise be a key silently
 * dropped. Whether a workflow runs without a store is `store.type === NO_STORE`.
 */
export function createNoStore(): KeyStore {
  return {
    type: NO_STORE,
    describe: () => 'no store (the secret is kept only in GitHub)',
    async get(name) {
      validateKeyStoreName(name);
      return undefined;
    },
    async put(name, key) {
      validateKeyStoreEntry(name, key);
      throw new CredsError(`store type "none" keeps no copy of a key, so it cannot hold ${name}`, {
        code: 'STORE_WRITE_FAILED',
        hint: 'choose a store that keeps keys (store.type json, keychain or 1password) to keep a copy outside GitHub',
      });
    },
    async delete(name) {
      validateKeyStoreName(name);
      return false;
    },
    list: async () => [],
    check: async () => undefined,
  };
}

export const isStoreless = (store: Pick<KeyStore, 'type'>) => store.type === NO_STORE;
