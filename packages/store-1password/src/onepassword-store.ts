import { type KeyStore, type StoredKey, validateKeyStoreEntry, validateKeyStoreName } from '@creds/core';
import { OnePasswordError, OnePasswordErrorCode } from './errors.js';
import { itemTemplate, type ListedItem, nameFromTitle, parseItem, parseItemList, TAG, titleFor } from './item-template.js';
import { createOpRunner } from './run-op.js';
import pLimit from 'p-limit';

export interface OnePasswordStoreOptions {
  /** The vault (name or id) that holds creds's items. */
  vault: string;
  /** The op binary. Default `op` (found on PATH). */
  opPath?: string;
  /** An account shorthand, sign-in address or id, passed as `--account` when several are signed in. */
  account?: string;
  /** Environment for op. Default process.env (OP_SERVICE_ACCOUNT_TOKEN, OP_CONNECT_* pass through). */
  env?: NodeJS.ProcessEnv;
  /** How long one op call may take (the app may be waiting for a biometric prompt). Default 60 s. */
  timeoutMs?: number;
}

/**
 * A KeyStore on 1Password through the `op` CLI (2.x): one "API Credential" item per entry, titled
 * `creds: <name>`, tagged `creds`, in the configured vault. The secret reaches op only on stdin.
 * A put creates the new item before it deletes the old one, so an interruption leaves two items
 * (the newest wins on read, the next put or delete removes the rest), never none.
 */
export function createOnePasswordStore(options: OnePasswordStoreOptions): KeyStore {
  const { vault } = options;
  const op = createOpRunner({
    opPath: options.opPath ?? 'op',
    vault,
    account: options.account,
    env: options.env ?? process.env,
    timeoutMs: options.timeoutMs ?? 60_000,
  });
  const queues = new Map<string, ReturnType<typeof pLimit>>();
  const perName = <T>(name: string, task: () => Promise<T>): Promise<T> => {
    let queue = queues.get(name);
    if (queue === undefined) {
      queue = pLimit(1);
      queues.set(name, queue);
    }
    return queue(task);
  };

  async function listItems(): Promise<ListedItem[]> {
    const stdout = await op(['item', 'list', '--vault', vault, '--tags', TAG, '--format', 'json'], { action: `list items in vault ${vault}` });
    return parseItemList(stdout);
  }

  /** This entry's items, newest first. */
  async function itemsFor(name: string): Promise<ListedItem[]> {
    const title = titleFor(name);
    return (await listItems())
      .filter((i) => i.title === title)
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.updatedAt.localeCompare(a.updatedAt));
  }

  async function deleteItem(id: string, name: string): Promise<boolean> {
    try {
      await op(['item', 'delete', id, '--vault', vault], { action: `delete the item for ${name}` });
      return true;
    } catch (error) {
      if (error instanceof OnePasswordError && error.code === OnePasswordErrorCode.itemNotFound) return false;
      throw error;
    }
  }

  return {
    type: '1password',
    describe: () => `1Password vault "${vault}"${options.account ? ` (account ${options.account})` : ''}`,

    async get(name: string): Promise<StoredKey | undefined> {
      validateKeyStoreName(name);
      const newest = (await itemsFor(name))[0];
      if (newest === undefined) return undefined;
      try {
        const stdout = await op(['item', 'get', newest.id, '--vault', vault, '--format', 'json', '--reveal'], {
          action: `read the item for ${name}`,
        });
        return parseItem(stdout);
      } catch (error) {
        // deleted between list and get: absent, not an error
        if (error instanceof OnePasswordError && error.code === OnePasswordErrorCode.itemNotFound) return undefined;
        throw error;
      }
    },

    async put(name: string, key: StoredKey): Promise<void> {
      validateKeyStoreEntry(name, key);
      const secret = key.secretAccessKey.reveal();
      const stored: StoredKey = { ...key, createdAt: key.createdAt ?? new Date().toISOString() };
      await perName(name, async () => {
        const old = await itemsFor(name);
        await op(['item', 'create', '--vault', vault, '--format', 'json', '-'], {
          action: `store the item for ${name}`,
          stdin: itemTemplate(name, stored),
          secrets: [secret],
        });
        // Only now that the new item exists do the old ones go.
        for (const item of old) await deleteItem(item.id, name);
      });
    },

    async delete(name: string): Promise<boolean> {
      validateKeyStoreName(name);
      return perName(name, async () => {
        let deleted = false;
        for (const item of await itemsFor(name)) deleted = (await deleteItem(item.id, name)) || deleted;
        return deleted;
      });
    },

    async list(): Promise<string[]> {
      const names = (await listItems()).map((i) => nameFromTitle(i.title)).filter((n): n is string => n !== undefined);
      return [...new Set(names)];
    },

    async check(): Promise<void> {
      await op(['whoami', '--format', 'json'], { action: 'find a signed-in 1Password account' });
      await op(['vault', 'get', vault, '--format', 'json'], { action: `open vault ${vault}` });
    },
  };
}
