import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { KeyStore } from '@creds/core';
import { createKeychainStore } from '@creds/store-keychain';
import { createOnePasswordStore } from '@creds/store-1password';
import { describe, expect, it } from 'vitest';
import { baseConfig, useWorld } from './harness.js';

const w = useWorld();

const repo = { owner: 'octo-org', repo: 'demo' };

/** setup → rotate → teardown with a store; the secrets always decrypt to the key the store holds. */
async function keyRoute(store: KeyStore) {
  const { creds } = await w.creds(baseConfig(), { store });
  expect((await creds.run('setup'))[0]?.error).toBeUndefined();
  const first = await store.get('demo');
  expect(first?.accessKeyId).toBe(w.github.secretValue(repo, 'AWS_ACCESS_KEY_ID'));
  expect(first?.secretAccessKey.reveal()).toBe(w.github.secretValue(repo, 'AWS_SECRET_ACCESS_KEY'));
  expect((await creds.run('rotate'))[0]?.error).toBeUndefined();
  const second = await store.get('demo');
  expect(second?.accessKeyId).not.toBe(first?.accessKeyId);
  expect(second?.secretAccessKey.reveal()).toBe(w.github.secretValue(repo, 'AWS_SECRET_ACCESS_KEY'));
  expect(await store.get('demo.next')).toBeUndefined();
  expect((await creds.run('teardown'))[0]?.error).toBeUndefined();
  expect(await store.get('demo')).toBeUndefined();
  expect(w.iam.state().users.filter((u) => u.userName === 'gh-demo')).toEqual([]);
}

describe('the key route with each store', () => {
  it('json (the default)', async () => {
    const { createJsonStore } = await import('@creds/store-json');
    await keyRoute(createJsonStore({ path: join(w.dir, 'keys', 'keys.json') }));
  });

  it('1password (through a fake op that follows the documented CLI)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'creds-op-'));
    try {
      const state = join(dir, 'state.json');
      writeFileSync(state, JSON.stringify({ vaults: { CI: { id: 'vault0', items: [] } }, creates: 0 }));
      writeFileSync(join(dir, 'argv.log'), '');
      const opPath = fileURLToPath(import.meta.resolve('@creds/store-1password/fake-op'));
      await keyRoute(
        createOnePasswordStore({ vault: 'CI', opPath, env: { ...process.env, FAKE_OP_STATE: state, FAKE_OP_LOG: join(dir, 'argv.log') } }),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    // Every `op` call starts a Node process (the fake op) and the route makes dozens of them: on a
    // busy two-core machine that took over 30 s. A bound against a hang, not a speed target.
  }, 120_000);

  const bus = process.platform !== 'linux' || process.env['DBUS_SESSION_BUS_ADDRESS'];
  it.runIf(bus || process.env['CREDS_REQUIRE_KEYRING'] === '1')('keychain (a real Secret Service)', async () => {
    await keyRoute(createKeychainStore({ service: `creds-test-${process.pid}-${Date.now()}` }));
  });
});
