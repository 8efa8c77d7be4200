import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
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

  it('loses no index update when two processes put at once (the cross-process lock)', async () => {
    const service = testService();
    const putter = fileURLToPath(new URL('./fixtures/putter.mjs', import.meta.url));
    const children = ['a', 'b'].map((prefix) => spawn(process.execPath, [putter, service, prefix, '8'], { stdio: ['ignore', 'ignore', 'inherit'] }));
    const codes = await Promise.all(children.map(async (child) => (await once(child, 'exit'))[0]));
    expect(codes).toEqual([0, 0]);
    const store = createKeychainStore({ service });
    const names = await store.list();
    expect(names.sort()).toEqual([...Array.from({ length: 8 }, (_, i) => `a-${i}`), ...Array.from({ length: 8 }, (_, i) => `b-${i}`)].sort());
    for (const name of names) await store.delete(name);
    expect(await store.list()).toEqual([]);
  }, 120_000);

  it('says who holds the lock when another process keeps it past the timeout', async () => {
    const { mkdtemp, rm, writeFile } = await import('node:fs/promises');
    const { hostname, tmpdir } = await import('node:os');
    const dir = await mkdtemp(join(tmpdir(), 'creds-keychain-lock-'));
    try {
      const lockPath = join(dir, 'index.lock');
      await writeFile(lockPath, JSON.stringify({ pid: process.ppid, since: '2026-01-01T00:00:00.000Z', host: hostname() }));
      const store = createKeychainStore({ service: testService(), lockPath, lockTimeoutMs: 200 });
      await expect(store.put('acme/web', key())).rejects.toMatchObject({ code: 'KEYCHAIN_BUSY', message: expect.stringContaining(`pid ${process.ppid}`) });
      expect(await store.list()).toEqual([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('passes check()', async () => {
    await createKeychainStore({ service: testService() }).check?.();
  });
});
