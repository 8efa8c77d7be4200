import { AttachUserPolicyCommand, IAMClient, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import { readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { baseConfig, POLICY, useWorld } from './harness.js';

const w = useWorld();

const repo = { owner: 'octo-org', repo: 'demo' };
const user = () => w.iam.state().users.find((u) => u.userName === 'gh-demo');

/** Every file under dir, concatenated (journals, key files excluded by the caller). */
function readAll(dir: string, skip: (path: string) => boolean): string {
  let out = '';
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (skip(path)) continue;
    out += statSync(path).isDirectory() ? readAll(path, skip) : readFileSync(path, 'utf8');
  }
  return out;
}

describe('setup → status → setup again → rotate → teardown, against the sandbox', () => {
  it('keeps every promise of the key route', async () => {
    const { creds } = await w.creds(baseConfig());
    // setup
    const [setup] = await creds.run('setup');
    expect(setup?.error).toBeUndefined();
    expect(setup?.status).toBe('succeeded');
    const u = user()!;
    expect(u.accessKeys).toHaveLength(1);
    expect(u.attachedPolicies).toEqual(['arn:aws:iam::aws:policy/ReadOnlyAccess']);
    const keyId = u.accessKeys[0]!.accessKeyId;
    expect(w.github.secretValue(repo, 'AWS_ACCESS_KEY_ID')).toBe(keyId);
    expect(w.github.secretValue(repo, 'AWS_SECRET_ACCESS_KEY')).toBe(u.accessKeys[0]!.secretAccessKey);
    expect(w.github.secretValue(repo, 'AWS_DEFAULT_REGION')).toBe('eu-west-1');
    expect(statSync(join(w.dir, '.creds')).mode & 0o777).toBe(0o700);
    expect(readFileSync(join(w.dir, '.creds', '.gitignore'), 'utf8')).toMatch(/^\*$/m);

    // status in sync
    const [status] = await creds.status();
    expect(status?.drift).toEqual([]);
    expect(status?.inSync).toBe(true);
    expect(status?.keys.map((k) => k.inStore)).toEqual([true]);

    // setup again writes nothing (I1)
    w.iam.calls.reset();
    w.github.resetLog();
    const [again] = await creds.run('setup');
    expect(again?.status).toBe('succeeded');
    expect(w.iam.calls.writes).toBe(0);
    expect(w.github.counts().writes).toBe(0);

    // rotate: new key in the secrets, old key gone, never more than 2 keys
    const [rotate] = await creds.run('rotate');
    expect(rotate?.error).toBeUndefined();
    const after = user()!;
    expect(after.accessKeys).toHaveLength(1);
    const newKey = after.accessKeys[0]!;
    expect(newKey.accessKeyId).not.toBe(keyId);
    expect(w.github.secretValue(repo, 'AWS_ACCESS_KEY_ID')).toBe(newKey.accessKeyId);
    expect(w.github.secretValue(repo, 'AWS_SECRET_ACCESS_KEY')).toBe(newKey.secretAccessKey);
    const [afterRotate] = await creds.status();
    expect(afterRotate?.drift).toEqual([]);

    // teardown: nothing left
    const [teardown] = await creds.run('teardown');
    expect(teardown?.error).toBeUndefined();
    expect(user()).toBeUndefined();
    expect(w.github.secretNames(repo)).toEqual([]);

    // no secret the sandbox issued appears in any state file but the key file
    const state = readAll(join(w.dir, '.creds'), (p) => p.endsWith('keys.json'));
    for (const secret of w.iam.issuedSecrets()) expect(state.includes(secret)).toBe(false);
  });

  it('rolls back a setup completely, and a rotation safely', async () => {
    const { creds } = await w.creds(baseConfig());
    await creds.run('setup');
    const before = user()!.accessKeys[0]!.accessKeyId;
    // A finished rotation is not undone: its old key is gone, so the new one stays in place.
    await creds.run('rotate');
    const [undoRotate] = await creds.rollback();
    expect(undoRotate?.status).toBe('succeeded');
    const kept = user()!.accessKeys;
    expect(kept).toHaveLength(1);
    expect(kept[0]!.accessKeyId).not.toBe(before);
    expect(w.github.secretValue(repo, 'AWS_ACCESS_KEY_ID')).toBe(kept[0]!.accessKeyId);
    const [status] = await creds.status();
    expect(status?.drift).toEqual([]);
    // Then the setup: nothing creds created remains, the rotated key's store entry included.
    const [undoSetup] = await creds.rollback();
    expect(undoSetup?.error).toBeUndefined();
    expect(user()).toBeUndefined();
    expect(await (await import('@creds/store-json')).createJsonStore({ path: join(w.dir, '.creds', 'keys.json') }).list()).toEqual([]);
    expect(w.github.secretNames(repo)).toEqual([]);
  });

  it('rolls back a rotation that failed before the old key was deleted, back to the old key', async () => {
    const { creds } = await w.creds(baseConfig());
    await creds.run('setup');
    // GitHub's updated_at has one-second resolution: the rollback's writes must be visibly later
    // than setup's, or a status measuring against setup's record would not see them as changes.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const old = user()!.accessKeys[0]!;
    w.iam.injectFault({ action: 'UpdateAccessKey', code: 'AccessDenied', status: 403, times: 10 });
    const [rotate] = await creds.run('rotate');
    expect(rotate?.status).toBe('failed');
    expect(rotate?.error?.stepId).toBe('rotate-deactivate-old');
    expect(user()!.accessKeys).toHaveLength(2);
    w.iam.clearFaults();
    const [again] = await creds.run('rotate');
    expect(again?.error?.code).toBe('UNFINISHED_RUN');
    expect(again?.error?.hint).toMatch(/--resume.*rollback/);
    const [rollback] = await creds.rollback();
    expect(rollback?.error).toBeUndefined();
    expect(user()!.accessKeys.map((k) => k.accessKeyId)).toEqual([old.accessKeyId]);
    expect(w.github.secretValue(repo, 'AWS_ACCESS_KEY_ID')).toBe(old.accessKeyId);
    expect(w.github.secretValue(repo, 'AWS_SECRET_ACCESS_KEY')).toBe(old.secretAccessKey);
    // The undo wrote the old key back to the secrets and journaled GitHub's new updated_at: status
    // measures against that write, so creds' own undo is not reported as a change made outside creds.
    const [status] = await creds.status();
    expect(status?.secrets.filter((s) => s.drifted)).toEqual([]);
    expect(status?.drift).toEqual([]);
  });

  it('tears down from the config and ownership tags alone, with no journal (a new laptop)', async () => {
    const { creds } = await w.creds(baseConfig());
    await creds.run('setup');
    rmSync(join(w.dir, '.creds', 'journal'), { recursive: true });
    const [teardown] = await creds.run('teardown');
    expect(teardown?.error).toBeUndefined();
    expect(user()).toBeUndefined();
    expect(w.github.secretNames(repo)).toEqual([]);
  });

  it('teardown refuses before any delete when the user holds what creds did not make; plan teardown names each', async () => {
    const { creds } = await w.creds(baseConfig());
    await creds.run('setup');
    const client = new IAMClient({ region: 'us-east-1', endpoint: w.iam.url, credentials: w.iam.admin, maxAttempts: 1 });
    const handMade = w.iam.addPolicy({ policyName: 'hand-made' });
    await client.send(new AttachUserPolicyCommand({ UserName: 'gh-demo', PolicyArn: handMade }));
    await client.send(new PutUserPolicyCommand({ UserName: 'gh-demo', PolicyName: 'by-hand', PolicyDocument: JSON.stringify(POLICY) }));
    w.iam.addToUser('gh-demo', { loginProfile: true, mfaDevices: ['arn:aws:iam::123456789012:mfa/gh-demo'], sshPublicKeys: ['APKAEXAMPLE'], groups: ['ops'] });
    const before = JSON.stringify({ user: user(), secrets: w.github.secretNames(repo) });
    const [plan] = await creds.plan('teardown');
    const planned = plan!.errors.map((e) => e.message).join('\n');
    for (const blocker of [handMade, 'inline policy by-hand', 'console password', 'MFA device', 'SSH public key APKAEXAMPLE', 'group ops']) {
      expect(planned).toContain(blocker);
    }
    expect(planned).not.toContain('ReadOnlyAccess');
    const [teardown] = await creds.run('teardown');
    expect(teardown?.status).toBe('failed');
    expect(teardown?.error).toMatchObject({ code: 'TEARDOWN_BLOCKED', stepId: 'iam-teardown-check' });
    expect(teardown?.error?.message).toContain(handMade);
    expect(JSON.stringify({ user: user(), secrets: w.github.secretNames(repo) })).toBe(before);
  });

  it('leaves a same-named user that creds did not create alone, and says how to adopt it', async () => {
    w.iam.addUser({ userName: 'gh-demo' });
    const { creds } = await w.creds(baseConfig());
    const [setup] = await creds.run('setup');
    expect(setup?.status).toBe('failed');
    expect(setup?.error?.hint).toMatch(/adopt/);
    expect(user()!.accessKeys).toEqual([]);
    // The refusal came from the preflight, which writes nothing: its rollback undoes nothing, and it blocks nothing.
    const [rollback] = await creds.rollback();
    expect(rollback?.error).toBeUndefined();
    expect(user()).toBeDefined();
    expect(creds.blocked()).toEqual([]);
    const [again] = await creds.run('setup');
    expect(again?.error?.code).toBe('NOT_OWNED');
  });
});

describe('blocked()', () => {
  it('names a target whose last run did not finish', async () => {
    const { creds } = await w.creds(baseConfig());
    expect(creds.blocked()).toEqual([]);
    w.iam.injectFault({ action: 'PutUserPolicy', code: 'AccessDenied', status: 403, times: 10 });
    await creds.run('setup');
    expect(creds.blocked()).toEqual([{ target: 'demo', unfinished: { kind: 'run', workflow: 'setup', runId: expect.any(String) } }]);
  });
});

describe('rollback after teardown', () => {
  it('peels back a rotation whose user a teardown already removed, without failing', async () => {
    const { creds } = await w.creds(baseConfig());
    await creds.run('setup');
    await creds.run('rotate');
    await creds.run('teardown');
    const results = [await creds.rollback(), await creds.rollback(), await creds.rollback()].flat();
    expect(results.map((r) => [r.workflow, r.status, r.error?.code])).toEqual([
      ['rollback', 'succeeded', undefined],
      ['rollback', 'succeeded', undefined],
      ['rollback', 'succeeded', undefined],
    ]);
    expect(user()).toBeUndefined();
    expect(w.github.secretNames(repo)).toEqual([]);
  });
});

describe('GitHub preflight (I8)', () => {
  it('stops a token that may only read secrets before the first IAM write', async () => {
    w.github.addToken({ token: 'ghp_readonly', permissions: { secrets: 'read', metadata: 'read' } });
    const { creds } = await w.creds(baseConfig(), { github: { token: 'ghp_readonly', baseUrl: w.github.url, timeScale: 0.001 } });
    const [setup] = await creds.run('setup');
    expect(setup?.status).toBe('failed');
    expect(setup?.error?.stepId).toBe('github-write-access');
    expect(`${setup?.error?.message} ${setup?.error?.hint}`).toMatch(/secrets/i);
    expect(w.iam.calls.byAction('writes')).toEqual({});
    expect(w.github.counts().writes - w.github.requests.filter((r) => r.method === 'DELETE').length).toBe(0);
  });
});
