import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Secret, type StoredKey } from '@creds/core';
import { everythingAbout } from '@creds/keystore-conformance';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createOnePasswordStore } from '../src/index.js';
import { FAKE_OP, type FakeOp, startFakeOp } from './fake-op.js';

const keyWith = (secret: string, extra: Partial<StoredKey> = {}): StoredKey => ({
  accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
  secretAccessKey: new Secret(secret),
  region: 'eu-west-1',
  note: 'github.com/acme/web',
  ...extra,
});
const randomSecret = (): string => `wJalr/${randomBytes(18).toString('base64')}`;

describe('1Password store through the op CLI', () => {
  let fake: FakeOp;
  beforeEach(async () => {
    fake = await startFakeOp(['Private', 'Team']);
  });
  afterEach(() => fake.cleanup());

  it('never puts a secret on the command line', async () => {
    const store = createOnePasswordStore({ vault: 'Private', env: fake.env });
    const secrets = Array.from({ length: 4 }, randomSecret);
    await store.put('acme/web', keyWith(secrets[0]!));
    await store.put('acme/web', keyWith(secrets[1]!)); // overwrite
    await store.put('acme/api', keyWith(secrets[2]!, { note: secrets[3] }));
    await store.get('acme/web');
    await store.list();
    await store.delete('acme/api');
    const calls = await fake.calls();
    expect(calls.length).toBeGreaterThan(8);
    const argvText = calls.map((c) => c.argv.join('\u0000')).join('\n');
    for (const s of secrets) expect(argvText).not.toContain(s);
    // the secret went through stdin instead
    expect(calls.filter((c) => c.argv.includes('create')).every((c) => c.stdinBytes > 0)).toBe(true);
  });

  it('stores an API Credential item titled and tagged for creds, the secret concealed', async () => {
    const store = createOnePasswordStore({ vault: 'Team', env: fake.env });
    const secret = randomSecret();
    await store.put('acme/web', keyWith(secret, { createdAt: '2026-01-01T00:00:00.000Z' }));
    const items = (await fake.state()).vaults['Team']!.items;
    expect(items).toHaveLength(1);
    const item = items[0] as { title: string; category: string; tags: string[]; fields: Array<Record<string, string>> };
    expect(item.title).toBe('creds: acme/web');
    expect(item.category).toBe('API_CREDENTIAL');
    expect(item.tags).toEqual(['creds']);
    const field = (id: string) => item.fields.find((f) => f['id'] === id);
    expect(field('username')).toMatchObject({ type: 'STRING', value: 'AKIAIOSFODNN7EXAMPLE' });
    expect(field('credential')).toMatchObject({ type: 'CONCEALED', value: secret });
    expect(field('region')).toMatchObject({ value: 'eu-west-1' });
    expect(field('notesPlain')).toMatchObject({ purpose: 'NOTES', value: 'github.com/acme/web' });
    expect((await fake.state()).vaults['Private']!.items).toHaveLength(0);
  });

  it('replaces an item by creating the new one before deleting the old', async () => {
    const store = createOnePasswordStore({ vault: 'Private', env: fake.env });
    await store.put('acme/web', keyWith(randomSecret()));
    const newer = randomSecret();
    const before = (await fake.calls()).length;
    await store.put('acme/web', keyWith(newer));
    const verbs = (await fake.calls()).slice(before).map((c) => c.argv.slice(0, 2).join(' '));
    expect(verbs.indexOf('item create')).toBeGreaterThanOrEqual(0);
    expect(verbs.indexOf('item create')).toBeLessThan(verbs.indexOf('item delete'));
    expect((await fake.state()).vaults['Private']!.items).toHaveLength(1);
    expect((await store.get('acme/web'))?.secretAccessKey.reveal()).toBe(newer);
  });

  it('after an interrupted replace (two items) reads the newest and cleans up on the next put', async () => {
    const store = createOnePasswordStore({ vault: 'Private', env: fake.env });
    const older = randomSecret();
    const newer = randomSecret();
    await store.put('acme/web', keyWith(older));
    // a second store whose old-item deletion "never happened": create directly through op
    const { execFile } = await import('node:child_process');
    await new Promise<void>((resolve, reject) => {
      const child = execFile(FAKE_OP, ['item', 'create', '--vault', 'Private', '--format', 'json', '-'], { env: fake.env }, (e) =>
        e ? reject(e) : resolve(),
      );
      child.stdin?.end(
        JSON.stringify({
          title: 'creds: acme/web',
          category: 'API_CREDENTIAL',
          tags: ['creds'],
          fields: [
            { id: 'username', type: 'STRING', value: 'AKIAIOSFODNN7EXAMPLE' },
            { id: 'credential', type: 'CONCEALED', value: newer },
          ],
        }),
      );
    });
    expect((await fake.state()).vaults['Private']!.items).toHaveLength(2);
    expect(await store.list()).toEqual(['acme/web']);
    expect((await store.get('acme/web'))?.secretAccessKey.reveal()).toBe(newer);
    await store.put('acme/web', keyWith(randomSecret()));
    expect((await fake.state()).vaults['Private']!.items).toHaveLength(1);
  });

  it('answers undefined for an absent item and false for deleting it', async () => {
    const store = createOnePasswordStore({ vault: 'Private', env: fake.env });
    expect(await store.get('nobody/here')).toBeUndefined();
    expect(await store.delete('nobody/here')).toBe(false);
  });

  it('says how to install op when it is missing', async () => {
    const store = createOnePasswordStore({ vault: 'Private', env: fake.env, opPath: join(fake.dir, 'no-such-op') });
    await expect(store.list()).rejects.toMatchObject({ code: 'OP_NOT_INSTALLED', hint: expect.stringContaining('install 1Password CLI') });
  });

  it('says to sign in when op is signed out', async () => {
    const store = createOnePasswordStore({ vault: 'Private', env: { ...fake.env, FAKE_OP_SIGNED_OUT: '1' } });
    await expect(store.get('acme/web')).rejects.toMatchObject({ code: 'OP_NOT_SIGNED_IN', hint: expect.stringContaining('op signin') });
    await expect(store.check?.()).rejects.toMatchObject({ code: 'OP_NOT_SIGNED_IN' });
  });

  it('names the vault when it does not exist', async () => {
    const store = createOnePasswordStore({ vault: 'Nope', env: fake.env });
    await expect(store.list()).rejects.toMatchObject({ code: 'OP_VAULT_NOT_FOUND', hint: expect.stringContaining('"Nope"') });
    await expect(store.put('acme/web', keyWith(randomSecret()))).rejects.toMatchObject({ code: 'OP_VAULT_NOT_FOUND' });
    await expect(store.check?.()).rejects.toMatchObject({ code: 'OP_VAULT_NOT_FOUND' });
  });

  it('passes check() when signed in and the vault exists', async () => {
    await createOnePasswordStore({ vault: 'Team', env: fake.env }).check?.();
  });

  it('redacts a secret that op echoes back in an error, and keeps the old item', async () => {
    const env = { ...fake.env, FAKE_OP_FAIL_CREATE: '2', FAKE_OP_ECHO_TEMPLATE_ON_ERROR: '1' };
    const store = createOnePasswordStore({ vault: 'Private', env });
    const first = randomSecret();
    await store.put('acme/web', keyWith(first));
    const second = randomSecret();
    const error = await store.put('acme/web', keyWith(second)).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ code: 'OP_ERROR' });
    expect(everythingAbout(error)).toContain('invalid item template');
    expect(everythingAbout(error)).not.toContain(second);
    expect((await store.get('acme/web'))?.secretAccessKey.reveal()).toBe(first);
  });

  it('passes a service account token and Connect settings through the environment, and --account on argv', async () => {
    const env = { ...fake.env, FAKE_OP_SIGNED_OUT: '1', OP_SERVICE_ACCOUNT_TOKEN: 'ops_fake', OP_CONNECT_HOST: 'http://127.0.0.1:1', OP_CONNECT_TOKEN: 'c' };
    const store = createOnePasswordStore({ vault: 'Private', env, account: 'my.1password.com' });
    await store.put('acme/web', keyWith(randomSecret()));
    const calls = await fake.calls();
    expect(calls.every((c) => c.serviceAccount && c.connect)).toBe(true);
    expect(calls.every((c) => c.argv.at(-2) === '--account' && c.argv.at(-1) === 'my.1password.com')).toBe(true);
    expect(calls.flatMap((c) => c.argv).join(' ')).not.toContain('ops_fake');
  });
});
