import { resolve } from 'node:path';
import type { KeyStore } from '@creds/core';
import type { StoreConfig } from './config/schema.js';
import { statePaths } from './state.js';
import { createNoStore } from './no-store.js';

/** Builds the KeyStore a config names. Backends load lazily: a JSON-store user never loads the keychain addon. */
export async function createStore(config: StoreConfig, configDir: string): Promise<KeyStore> {
  switch (config.type) {
    case 'json': {
      const { createJsonStore } = await import('@creds/store-json');
      return createJsonStore({ path: config.path ? resolve(configDir, config.path) : statePaths(configDir).keys });
    }
    case 'keychain': {
      const { createKeychainStore } = await import('@creds/store-keychain');
      return createKeychainStore(config.service ? { service: config.service } : {});
    }
    case 'none':
      return createNoStore();
    case '1password': {
      const { createOnePasswordStore } = await import('@creds/store-1password');
      return createOnePasswordStore({ vault: config.vault, ...(config.account ? { account: config.account } : {}) });
    }
  }
}
