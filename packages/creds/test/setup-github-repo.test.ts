import { statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SetupGitHubRepo } from '../src/index.js';
import { POLICY, TOKEN, useWorld } from './harness.js';

const w = useWorld();

const repo = { owner: 'octo-org', repo: 'demo' };

function make(extra: Partial<ConstructorParameters<typeof SetupGitHubRepo>[0]> = {}) {
  return new SetupGitHubRepo({
    awsRegion: 'us-east-1',
    iamUserName: 'gh-demo',
    tags: { team: 'platform' },
    policyDocument: POLICY,
    attachedPolicyArnList: ['arn:aws:iam::aws:policy/ReadOnlyAccess'],
    pathAccessKeyJson: join(w.dir, 'keys', 'access-key.json'),
    githubUserName: 'octo-org',
    githubRepoName: 'demo',
    githubToken: TOKEN,
    github: { baseUrl: w.github.url, timeScale: 0.001 },
    aws: {
      credentials: { accessKeyId: w.iam.admin.accessKeyId, secretAccessKey: w.iam.admin.secretAccessKey },
      endpoints: { iam: w.iam.url, sts: w.iam.url },
    },
    verifyTimeoutMs: 10_000,
    ...extra,
  });
}

const user = () => w.iam.state().users.find((u) => u.userName === 'gh-demo');

describe('SetupGitHubRepo: the Python original’s test sequence, against the sandbox', () => {
  it('runs each setup step twice, each teardown step twice, then teardown again', async () => {
    const setup = make();
    await setup.s11CreateIamUser();
    await setup.s11CreateIamUser();
    expect(user()?.tags).toEqual(expect.arrayContaining([{ Key: 'team', Value: 'platform' }]));

    await setup.s12PutIamPolicy();
    await setup.s12PutIamPolicy();
    expect(Object.keys(user()!.inlinePolicies)).toEqual(['iam-user-us-east-1-gh-demo-inline-policy']);
    expect(user()!.attachedPolicies).toEqual(['arn:aws:iam::aws:policy/ReadOnlyAccess']);

    const [id1, secret1] = await setup.s13CreateOrGetAccessKey();
    const [id2, secret2] = await setup.s13CreateOrGetAccessKey();
    expect(id2).toBe(id1);
    expect(secret2.equals(secret1)).toBe(true);
    expect(String(secret1)).toBe('[REDACTED]');
    expect(user()!.accessKeys.map((k) => k.accessKeyId)).toEqual([id1]);
    expect(statSync(join(w.dir, 'keys', 'access-key.json')).mode & 0o777).toBe(0o600);

    await setup.s14SetupGithubSecrets();
    w.iam.calls.reset();
    w.github.resetLog();
    await setup.s14SetupGithubSecrets();
    expect(w.github.counts().writes).toBe(0);
    expect(w.github.secretValue(repo, 'AWS_ACCESS_KEY_ID')).toBe(id1);
    expect(w.github.secretValue(repo, 'AWS_SECRET_ACCESS_KEY')).toBe(secret1.reveal());
    expect(w.github.secretValue(repo, 'AWS_DEFAULT_REGION')).toBe('us-east-1');

    for (let round = 0; round < 2; round++) {
      await setup.s21DeleteGithubSecrets();
      await setup.s21DeleteGithubSecrets();
      expect(w.github.secretNames(repo)).toEqual([]);
      await setup.s22DeleteAccessKey();
      await setup.s22DeleteAccessKey();
      expect(user()?.accessKeys ?? []).toEqual([]);
      await setup.s23DeleteIamPolicy();
      await setup.s23DeleteIamPolicy();
      expect(user()?.inlinePolicies ?? {}).toEqual({});
      expect(user()?.attachedPolicies ?? []).toEqual([]);
      await setup.s24DeleteIamUser();
      await setup.s24DeleteIamUser();
      expect(user()).toBeUndefined();
    }
  });

  it('setupAll and teardownAll are idempotent too, and leave a user creds does not own alone', async () => {
    w.iam.addUser({ userName: 'someone-else' });
    const setup = make();
    await setup.setupAll();
    await setup.setupAll();
    expect(user()!.accessKeys).toHaveLength(1);
    await setup.teardownAll();
    await setup.teardownAll();
    expect(user()).toBeUndefined();
    expect(w.iam.state().users.map((u) => u.userName)).toEqual(['someone-else']);
  });

  it('checks every input before the first write', async () => {
    w.iam.calls.reset();
    const bad = make({ iamUserName: 'not a name', githubSecretNameAwsAccessKeyId: 'GITHUB_KEY' });
    const error = await bad.s11CreateIamUser().catch((e: unknown) => e);
    expect(String((error as Error).message)).toMatch(/iam\.userName/);
    expect(String((error as Error).message)).toMatch(/GITHUB_/);
    expect(w.iam.calls.writes).toBe(0);
    expect(w.github.counts().writes).toBe(0);
  });
});
