import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { createAwsClients, iamUser, TAGS, tagPrincipal } from '@creds/aws-iam';
import { describe, expect, it } from 'vitest';
import { keyHeldByGitHub } from '../src/workflows/github-held-key.js';
import { baseConfig, useWorld } from './harness.js';

// store: { type: "none" }: the secret lives in the run's memory and in GitHub only.

const w = useWorld();
const repo = { owner: 'octo-org', repo: 'demo' };
const config = (extra: Record<string, unknown> = {}) => baseConfig({ store: { type: 'none' }, ...extra });
const keys = () => w.iam.state().users.find((u) => u.userName === 'gh-demo')?.accessKeys ?? [];

/** Whether GitHub's pair authenticates with STS, as a workflow would use it. */
async function githubPairWorks(): Promise<string> {
  const id = w.github.secretValue(repo, 'AWS_ACCESS_KEY_ID');
  const secret = w.github.secretValue(repo, 'AWS_SECRET_ACCESS_KEY');
  if (!id || !secret) throw new Error('GitHub holds no pair');
  const sts = new STSClient({ region: 'eu-west-1', endpoint: w.iam.url, credentials: { accessKeyId: id, secretAccessKey: secret }, maxAttempts: 1 });
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        const out = await sts.send(new GetCallerIdentityCommand({}));
        expect(out.Arn).toMatch(/:user\/gh-demo$/);
        return id;
      } catch (error) {
        // A key made a moment ago is refused while the sandbox propagates it (300 ms here).
        if (attempt > 20 || (error as Error).name !== 'InvalidClientTokenId') throw error;
        await sleep(50);
      }
    }
  } finally {
    sts.destroy();
  }
}

/** Every file creds wrote under the state folder, as text. */
function stateText(dir: string): string {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name));
      else out.push(readFileSync(join(d, e.name), 'utf8'));
    }
  };
  if (existsSync(join(dir, '.creds'))) walk(join(dir, '.creds'));
  return out.join('\n');
}

function expectNoSecretOnDisk(dir: string) {
  const text = stateText(dir);
  expect(text.length).toBeGreaterThan(0);
  for (const secret of w.iam.issuedSecrets()) expect(text).not.toContain(secret);
  expect(existsSync(join(dir, '.creds', 'keys.json'))).toBe(false);
}

/** An admin's IAM client on the sandbox, to set up half-finished states the way a killed run leaves them. */
const adminIam = () =>
  createAwsClients({
    region: 'eu-west-1',
    credentials: { accessKeyId: w.iam.admin.accessKeyId, secretAccessKey: w.iam.admin.secretAccessKey },
    endpoints: { iam: w.iam.url, sts: w.iam.url },
  }).iam;

describe('store none', () => {
  it('setup, a second setup, status, rotate and teardown; the secret only ever in GitHub', async () => {
    const { creds } = await w.creds(config());
    expect((await creds.run('setup'))[0]?.error).toBeUndefined();
    const first = await githubPairWorks();
    expect(keys().map((k) => k.accessKeyId)).toEqual([first]);
    expectNoSecretOnDisk(w.dir);

    // A second setup finds the key GitHub holds (no copy to compare): nothing is written.
    const before = w.github.secretNames(repo).map((n) => w.github.secretValue(repo, n));
    const again = (await creds.run('setup'))[0]!;
    expect(again.error).toBeUndefined();
    expect(keys().map((k) => k.accessKeyId)).toEqual([first]);
    expect(w.github.secretNames(repo).map((n) => w.github.secretValue(repo, n))).toEqual(before);

    const [status] = await creds.status();
    expect(status?.store).toMatchObject({ type: 'none', holdsKey: false, copy: false });
    expect(status?.keys.map((k) => [k.accessKeyId, k.inGitHub])).toEqual([[first, true]]);
    expect(status?.drift).toEqual([]);

    const rotated = (await creds.run('rotate', { drainTimeout: '0' }))[0]!;
    expect(rotated.error).toBeUndefined();
    const second = await githubPairWorks();
    expect(second).not.toBe(first);
    expect(keys().map((k) => k.accessKeyId)).toEqual([second]);
    expect((await creds.status())[0]?.drift).toEqual([]);
    expectNoSecretOnDisk(w.dir);

    expect((await creds.run('teardown'))[0]?.error).toBeUndefined();
    expect(w.iam.state().users).toEqual([]);
    expect(w.github.secretNames(repo)).toEqual([]);
  });

  it('rotate --older-than ages the user\'s one key by IAM (no store to name it)', async () => {
    const { creds } = await w.creds(config());
    await creds.run('setup');
    const [young] = await creds.run('rotate', { olderThan: '1d', drainTimeout: '0' });
    expect(young).toMatchObject({ status: 'skipped', error: { code: 'KEY_NOT_OLD' } });
    await sleep(1_100);
    const [old] = await creds.run('rotate', { olderThan: '1s', drainTimeout: '0' });
    expect(old?.status).toBe('succeeded');
  });

  it('status judges keys by IAM and the secrets\' metadata: a key GitHub does not hold, a secret gone', async () => {
    const { creds } = await w.creds(config());
    await creds.run('setup');
    const ours = keys()[0]!.accessKeyId;
    await sleep(1_100);
    const theirs = w.iam.addAccessKey('gh-demo', { ageMs: 0 }).accessKeyId;
    let [status] = await creds.status();
    expect(status?.keys.map((k) => [k.accessKeyId, k.inGitHub])).toEqual([
      [ours, true],
      [theirs, false],
    ]);
    expect(status?.drift.join('\n')).toMatch(/is not the one GitHub holds/);
    w.github.deleteSecretDirectly(repo, 'AWS_SECRET_ACCESS_KEY');
    [status] = await creds.status();
    expect(status?.keys.every((k) => k.inGitHub === false)).toBe(true);
    expect(status?.drift.join('\n')).toMatch(/GitHub's key secrets hold none of the user's keys/);
  });

  it('targets sharing one IAM user: the key is written to every repository, and a rotation reaches them all', async () => {
    const targets = ['api', 'web'].map((name) => ({ name, github: { owner: 'octo-org', repo: name } }));
    for (const repo of ['api', 'web']) w.github.addRepo({ owner: 'octo-org', name: repo });
    const { creds } = await w.creds(config({ github: undefined, targets }));
    expect((await creds.run('setup')).map((r) => r.status)).toEqual(['succeeded', 'skipped']);
    const pairs = () => ['api', 'web'].map((name) => w.github.secretValue({ owner: 'octo-org', repo: name }, 'AWS_SECRET_ACCESS_KEY'));
    const secretOf = () => w.iam.state().users[0]!.accessKeys.map((k) => k.secretAccessKey);
    expect(pairs()).toEqual([secretOf()[0], secretOf()[0]]);
    expect((await creds.status()).flatMap((s) => s.drift)).toEqual([]);
    await sleep(1_100);
    expect((await creds.run('rotate', { drainTimeout: '0' }))[0]?.error).toBeUndefined();
    expect(secretOf()).toHaveLength(1);
    expect(pairs()).toEqual([secretOf()[0], secretOf()[0]]);
  }, 30_000);

  it('store migrate to or from none is refused, naming the field and what to do instead', async () => {
    const { creds } = await w.creds(config());
    await expect(creds.migrateStore({ type: 'json' })).rejects.toThrow(/store\.type: is "none": it keeps no secret, so there is nothing to move out of it/);
    const { creds: json } = await w.creds(baseConfig());
    const refusal = await json.migrateStore({ type: 'none' }).then(
      () => undefined,
      (e: unknown) => e as { message: string; hint?: string; code?: string },
    );
    expect(refusal).toMatchObject({ code: 'INVALID_INPUT', message: expect.stringMatching(/^to\.type: .*delete the only copy of each key outside GitHub/) });
    expect(refusal?.hint).toMatch(/creds run rotate/);
  });
});

/** Setup, then what a rotation killed after CreateAccessKey leaves: the marker naming the old key, and a new key whose secret is gone. */
async function rotationThatLostItsKey() {
  const { creds } = await w.creds(config());
  await creds.run('setup');
  const old = keys()[0]!.accessKeyId;
  await sleep(1_100);
  await tagPrincipal(adminIam(), iamUser('gh-demo'), { [TAGS.keyPending]: old });
  return { old, lost: w.iam.addAccessKey('gh-demo', { ageMs: 0 }).accessKeyId };
}

describe('store none: a half-finished rotation repaired from AWS and GitHub alone (no journal)', () => {
  it('two keys, the secrets written after the newer one was made: GitHub holds it; the rotation finishes', async () => {
    const { creds } = await w.creds(config());
    await creds.run('setup');
    const old = keys()[0]!.accessKeyId;
    await sleep(1_100);
    const made = w.iam.addAccessKey('gh-demo', { ageMs: 0 });
    await sleep(1_100);
    w.github.setSecretValue(repo, 'AWS_ACCESS_KEY_ID', made.accessKeyId);
    w.github.setSecretValue(repo, 'AWS_SECRET_ACCESS_KEY', made.secretAccessKey);
    await tagPrincipal(adminIam(), iamUser('gh-demo'), { [TAGS.keyPending]: old });

    const fresh = await w.creds(config(), {}, join(w.dir, 'fresh'));
    const [result] = await fresh.creds.run('rotate', { drainTimeout: '0' });
    expect(result?.error).toBeUndefined();
    expect(keys().map((k) => k.accessKeyId)).toEqual([made.accessKeyId]);
    expect(await githubPairWorks()).toBe(made.accessKeyId);
    expect(w.iam.state().users[0]?.tags.map((t) => t.Key)).not.toContain(TAGS.keyPending);
  });

  it('two keys, the secrets older than the newer one and the marker on: its secret is lost; deleted, and a fresh key made', async () => {
    const { old, lost } = await rotationThatLostItsKey();

    const fresh = await w.creds(config(), {}, join(w.dir, 'fresh'));
    const [result] = await fresh.creds.run('rotate', { drainTimeout: '0' });
    expect(result?.error).toBeUndefined();
    const now = keys().map((k) => k.accessKeyId);
    expect(now).toHaveLength(1);
    expect(now).not.toContain(lost);
    expect(now).not.toContain(old);
    expect(await githubPairWorks()).toBe(now[0]);
  });

  it('setup in a fresh folder after a rotation lost its new key: deletes it, keeps the key GitHub holds, writes nothing', async () => {
    const { old, lost } = await rotationThatLostItsKey();
    const before = w.github.secret(repo, 'AWS_SECRET_ACCESS_KEY')?.updatedAt;

    const fresh = await w.creds(config(), {}, join(w.dir, 'fresh'));
    expect((await fresh.creds.run('setup'))[0]?.error).toBeUndefined();
    expect(keys().map((k) => k.accessKeyId)).toEqual([old]);
    expect(w.iam.state().users[0]?.tags.map((t) => t.Key)).not.toContain(TAGS.keyPending);
    expect(w.github.secret(repo, 'AWS_SECRET_ACCESS_KEY')?.updatedAt).toBe(before);
    expect(await githubPairWorks()).toBe(old);
    expect(keys().map((k) => k.accessKeyId)).not.toContain(lost);
  });

  it('two keys, the newer not in GitHub and no marker: someone else\'s key, left alone and the run refused', async () => {
    const { creds } = await w.creds(config());
    await creds.run('setup');
    await sleep(1_100);
    const theirs = w.iam.addAccessKey('gh-demo', { ageMs: 0 }).accessKeyId;
    const fresh = await w.creds(config(), {}, join(w.dir, 'fresh'));
    const [result] = await fresh.creds.run('rotate', { drainTimeout: '0' });
    expect(result?.error?.code).toBe('TOO_MANY_KEYS');
    expect(keys().map((k) => k.accessKeyId)).toContain(theirs);
    expect(keys()).toHaveLength(2);
  });
});

describe('keyHeldByGitHub', () => {
  const key = (accessKeyId: string, at: string) => ({ accessKeyId, status: 'Active' as const, createDate: new Date(at) });
  const o = key('OLD', '2026-01-01T00:00:00Z');
  const n = key('NEW', '2026-01-01T00:01:00Z');
  const at = (updatedAt: string) => ({ updatedAt });
  it.each([
    ['both written after the new key', [o, n], [at('2026-01-01T00:01:05Z'), at('2026-01-01T00:01:05Z')], 'NEW'],
    ['written in the second the new key was made', [o, n], [at('2026-01-01T00:01:00Z'), at('2026-01-01T00:01:00Z')], 'NEW'],
    ['both written before the new key', [o, n], [at('2026-01-01T00:00:30Z'), at('2026-01-01T00:00:30Z')], 'OLD'],
    ['the id after, the secret before (a mixed pair): not the new key', [o, n], [at('2026-01-01T00:01:05Z'), at('2026-01-01T00:00:30Z')], 'OLD'],
    ['a key secret missing', [o], [at('2026-01-01T00:01:05Z'), undefined], undefined],
    ['written before every key', [n], [at('2026-01-01T00:00:30Z'), at('2026-01-01T00:00:30Z')], undefined],
  ] as const)('%s', (_label, keyList, secrets, held) => {
    expect(keyHeldByGitHub(keyList, secrets)).toBe(held);
  });
});
