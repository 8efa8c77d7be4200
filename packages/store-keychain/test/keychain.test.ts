import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { Secret, type StoredKey } from '@creds/core';
import { describeKeyStoreConformance } from '@creds/keystore-conformance';
import { describe, expect, it } from 'vitest';
import { createKeychainStore } from '../src/index.js';
import { keyringUnavailableReason, PACKAGES, requireKeyring } from './keyring-available.js';

const run = promisify(execFile);
const unavailable = await keyringUnavailableReason();

if (unavailable !== undefined && !requireKeyring) {
  console.warn(
    `[store-keychain] real-keyring tests SKIPPED: ${unavailable}.\n` +
      `  Install the Debian packages \`${PACKAGES}\` and run them under tools/with-keyring.sh:\n` +
      '  tools/with-keyring.sh npx vitest run --project @creds/store-keychain',
  );
}

describe('a real keyring is present when CREDS_REQUIRE_KEYRING=1', () => {
  it.runIf(requireKeyring)('answers', () => {
    expect(unavailable, `CREDS_REQUIRE_KEYRING=1 but no usable Secret Service: ${unavailable} (needs ${PACKAGES})`).toBeUndefined();
  });
});

const testService = (): string => `creds-test-${randomBytes(4).toString('hex')}`;

describe.skipIf(unavailable !== undefined)('keychain store against the real Secret Service', () => {
  describeKeyStoreConformance('keychain', async () => {
    const service = testService();
    const store = createKeychainStore({ service });
    return {
      store,
      cleanup: async () => {
        for (const name of await store.list()) await store.delete(name);
      },
    };
  });

  const key = (): StoredKey => ({
    accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
    secretAccessKey: new Secret(`wJalr/${randomBytes(12).toString('base64')}`),
    region: 'eu-west-1',
    note: 'github.com/acme/web',
  });

  it.runIf(process.platform === 'linux')('really writes to the Secret Service (read back with secret-tool)', async () => {
    const store = createKeychainStore(); // the default service, "creds", as users get it
    const name = `acme/web-${randomBytes(4).toString('hex')}`;
    const stored = key();
    await store.put(name, stored);
    try {
      // keyring-rs files entries under the attributes `service` and `username` (the account).
      const { stdout } = await run('secret-tool', ['lookup', 'service', 'creds', 'username', name]);
      const value = JSON.parse(stdout);
      expect(value.accessKeyId).toBe(stored.accessKeyId);
      expect(value.secretAccessKey).toBe(stored.secretAccessKey.reveal());
      expect(value.region).toBe('eu-west-1');
      const index = await run('secret-tool', ['lookup', 'service', 'creds', 'username', 'creds:index']);
      expect(JSON.parse(index.stdout)).toContain(name);
    } finally {
      await store.delete(name);
    }
    await expect(run('secret-tool', ['lookup', 'service', 'creds', 'username', name])).rejects.toBeDefined();
  });

  it('keeps the index across store instances, and services apart', async () => {
    const service = testService();
    const name = 'acme/api';
    await createKeychainStore({ service }).put(name, key());
    try {
      expect(await createKeychainStore({ service }).list()).toEqual([name]);
      expect(await createKeychainStore({ service: testService() }).list()).toEqual([]);
    } finally {
      await createKeychainStore({ service }).delete(name);
    }
  });

  it('skips index names whose entry was removed behind its back', async () => {
    const service = testService();
    const store = createKeychainStore({ service });
    await store.put('one', key());
    await store.put('two', key());
    await run('secret-tool', ['clear', 'service', service, 'username', 'one']).catch(() => undefined);
    try {
      expect(await store.list()).toEqual(process.platform === 'linux' ? ['two'] : ['one', 'two']);
    } finally {
      await store.delete('one');
      await store.delete('two');
    }
  });

  it('refuses the reserved index name', async () => {
    await expect(createKeychainStore({ service: testService() }).put('creds:index', key())).rejects.toMatchObject({
      code: 'INVALID_INPUT',
    });
  });

  it('passes check()', async () => {
    await createKeychainStore({ service: testService() }).check?.();
  });
});
