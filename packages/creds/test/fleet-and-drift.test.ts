import { DeleteUserCommand } from '@aws-sdk/client-iam';
import { createAwsClients, deleteInlinePolicy, detachPolicy, iamUser, retireAccessKey, tagPrincipal } from '@creds/aws-iam';
import { describe, expect, it } from 'vitest';
import { createStore } from '../src/index.js';
import { baseConfig, useWorld } from './harness.js';

const REPOS = ['api', 'web', 'worker', 'docs', 'infra'];

const w = useWorld({ repos: REPOS.map((name) => ({ owner: 'octo-org', name })) });

describe('a fleet of 5 targets', () => {
  it('sets up, reports and tears down every target, each with its own user, key and journal', async () => {
    const targets = REPOS.map((name) => ({ name, github: { owner: 'octo-org', repo: name }, iam: { userName: `gh-${name}` } }));
    const { creds, config } = await w.creds(baseConfig({ github: undefined, targets }));
    expect(creds.targets).toEqual(REPOS);
    const results = await creds.run('setup');
    expect(results.map((r) => [r.target, r.status])).toEqual(REPOS.map((r) => [r, 'succeeded']));
    for (const name of REPOS) {
      const user = w.iam.state().users.find((u) => u.userName === `gh-${name}`)!;
      expect(w.github.secretValue({ owner: 'octo-org', repo: name }, 'AWS_ACCESS_KEY_ID')).toBe(user.accessKeys[0]!.accessKeyId);
    }
    expect((await createStore(config.store, config.dir).then((s) => s.list())).sort()).toEqual([...REPOS].sort());
    expect((await creds.status()).every((s) => s.inSync)).toBe(true);
    expect(creds.history().map((h) => [h.target, h.runs.length])).toEqual(REPOS.map((r) => [r, 1]));
    const down = await creds.run('teardown');
    expect(down.every((r) => r.status === 'succeeded')).toBe(true);
    expect(w.iam.state().users.filter((u) => u.userName.startsWith('gh-'))).toEqual([]);
  });

  it("one target's failure neither stops nor corrupts the others, and it resumes alone", async () => {
    const targets = REPOS.map((name) => ({ name, github: { owner: 'octo-org', repo: name }, iam: { userName: `gh-${name}` } }));
    targets[2]!.github.repo = 'missing-repo';
    const { creds } = await w.creds(baseConfig({ github: undefined, targets }));
    const results = await creds.run('setup');
    const failed = results.filter((r) => r.status === 'failed');
    expect(failed.map((r) => r.target)).toEqual(['worker']);
    expect(failed[0]?.error?.code).toBe('GITHUB_NOT_FOUND');
    expect(results.filter((r) => r.status === 'succeeded')).toHaveLength(4);
    w.github.addRepo({ owner: 'octo-org', name: 'missing-repo' });
    const fixed = await (await w.creds(baseConfig({ github: undefined, targets }), { targets: ['worker'] })).creds.run('setup', { resume: true });
    expect(fixed.map((r) => [r.target, r.status])).toEqual([['worker', 'succeeded']]);
  });
});

describe('status finds drift', () => {
  async function setUp(extra: Record<string, unknown> = {}) {
    const made = await w.creds(baseConfig({ github: { owner: 'octo-org', repo: 'api' }, ...extra }));
    const [result] = await made.creds.run('setup');
    expect(result?.status).toBe('succeeded');
    const [status] = await made.creds.status();
    expect(status?.inSync, status?.drift.join('\n')).toBe(!extra['rotation']);
    return made;
  }
  const aws = () =>
    createAwsClients({
      region: 'eu-west-1',
      credentials: { accessKeyId: w.iam.admin.accessKeyId, secretAccessKey: w.iam.admin.secretAccessKey },
      endpoints: { iam: w.iam.url, sts: w.iam.url },
    });

  it.each([
    ['a tag changed outside creds', async () => tagPrincipal(aws().iam, iamUser('gh-demo'), { team: 'someone-else' }), /team/],
    ['the inline policy deleted outside creds', async () => void (await deleteInlinePolicy(aws().iam, iamUser('gh-demo'), 'iam-user-eu-west-1-gh-demo-inline-policy')), /policy/i],
    [
      'a secret changed behind creds’ back',
      async () => w.github.setSecretValue({ owner: 'octo-org', repo: 'api' }, 'AWS_SECRET_ACCESS_KEY', 'typed-in-the-ui'),
      /AWS_SECRET_ACCESS_KEY.*changed outside creds/,
    ],
  ])('%s', async (_name, change, expected) => {
    const { creds } = await setUp();
    await change();
    const [status] = await creds.status();
    expect(status?.inSync).toBe(false);
    expect(status?.drift.join('\n')).toMatch(expected);
  });

  it('a secret changed behind creds’ back is flagged on the secret', async () => {
    const { creds } = await setUp();
    w.github.setSecretValue({ owner: 'octo-org', repo: 'api' }, 'AWS_ACCESS_KEY_ID', 'AKIAOTHER');
    const [status] = await creds.status();
    expect(status?.secrets.find((s) => s.name === 'AWS_ACCESS_KEY_ID')?.drifted).toBe(true);
    expect(status?.secrets.find((s) => s.name === 'AWS_DEFAULT_REGION')?.drifted).toBe(false);
  });

  it('the user deleted outside creds', async () => {
    const { creds } = await setUp();
    const user = w.iam.state().users.find((u) => u.userName === 'gh-demo')!;
    const { iam } = aws();
    await retireAccessKey(iam, 'gh-demo', user.accessKeys[0]!.accessKeyId);
    await deleteInlinePolicy(iam, iamUser('gh-demo'), 'iam-user-eu-west-1-gh-demo-inline-policy');
    await detachPolicy(iam, iamUser('gh-demo'), 'arn:aws:iam::aws:policy/ReadOnlyAccess');
    await iam.send(new DeleteUserCommand({ UserName: 'gh-demo' }));
    const [status] = await creds.status();
    expect(status?.user?.exists).toBe(false);
    expect(status?.drift.join('\n')).toMatch(/gh-demo/);
  });

  it('the key missing from the store', async () => {
    const { creds, config } = await setUp();
    const store = await createStore(config.store, config.dir);
    await store.delete('api');
    const [status] = await creds.status();
    expect(status?.store?.holdsKey).toBe(false);
    expect(status?.drift.join('\n')).toMatch(/not in the json store|store has no entry/);
  });

  it('a key older than rotation.maxKeyAge', async () => {
    const { creds } = await setUp({ rotation: { maxKeyAge: '0m' } });
    const [status] = await creds.status();
    expect(status?.keys[0]?.old).toBe(true);
    expect(status?.drift.join('\n')).toMatch(/older than 0m: rotate it/);
  });
});

describe('targets sharing one IAM user', () => {
  it('make one user and one key, write it to every repository, and rotate it everywhere', async () => {
    const targets = ['api', 'web', 'worker'].map((name) => ({ name, github: { owner: 'octo-org', repo: name } }));
    const { creds } = await w.creds(baseConfig({ github: undefined, targets }));
    const results = await creds.run('setup');
    expect(results.map((r) => [r.target, r.status])).toEqual([
      ['api', 'succeeded'],
      ['web', 'skipped'],
      ['worker', 'skipped'],
    ]);
    expect(results[1]?.error?.message).toMatch(/shares IAM user gh-demo .* with target api/);
    const keys = () => w.iam.state().users.find((u) => u.userName === 'gh-demo')!.accessKeys;
    expect(keys()).toHaveLength(1);
    for (const repo of ['api', 'web', 'worker']) {
      expect(w.github.secretValue({ owner: 'octo-org', repo }, 'AWS_ACCESS_KEY_ID')).toBe(keys()[0]!.accessKeyId);
    }
    // The shared user and its keys are read once, for the owner: the status of all three targets
    // makes exactly the IAM reads of the owner's alone.
    const iamReads = () => w.iam.calls.log.filter((c) => c.service === 'iam').map((c) => c.action).sort();
    w.iam.calls.reset();
    await (await w.creds(baseConfig({ github: undefined, targets }), { targets: ['api'] })).creds.status();
    const ownerAlone = iamReads();
    expect(ownerAlone).toContain('ListAccessKeys');
    w.iam.calls.reset();
    const [, web] = await creds.status();
    expect(iamReads()).toEqual(ownerAlone);
    expect(web?.secrets.map((s) => s.name).sort()).toEqual(['AWS_ACCESS_KEY_ID', 'AWS_DEFAULT_REGION', 'AWS_SECRET_ACCESS_KEY']);
    expect(web?.inSync).toBe(true);

    await creds.run('rotate');
    expect(keys()).toHaveLength(1);
    for (const repo of ['api', 'web', 'worker']) {
      expect(w.github.secretValue({ owner: 'octo-org', repo }, 'AWS_SECRET_ACCESS_KEY')).toBe(keys()[0]!.secretAccessKey);
    }
    await creds.run('teardown');
    for (const repo of ['api', 'web', 'worker']) expect(w.github.secretNames({ owner: 'octo-org', repo })).toEqual([]);
  });

  it('must agree on the user', async () => {
    const targets = [
      { name: 'api', github: { owner: 'octo-org', repo: 'api' } },
      { name: 'web', github: { owner: 'octo-org', repo: 'web' }, iam: { tags: { team: 'web' } } },
    ];
    await expect(w.creds(baseConfig({ github: undefined, targets }))).rejects.toThrow(/targets\[1\]\.iam: shares IAM user gh-demo with target api/);
  });
});

describe('plan', () => {
  it('says when one organization secret would serve repositories that share a key', async () => {
    const targets = ['api', 'web', 'worker'].map((name) => ({ name, github: { owner: 'octo-org', repo: name } }));
    const { creds } = await w.creds(baseConfig({ github: undefined, targets }));
    const [api] = await creds.plan('setup');
    expect(api?.inSync).toBe(false);
    expect(api?.changes.map((c) => c.resource)).toContain('secret AWS_ACCESS_KEY_ID in octo-org/web');
    expect(api?.notes.join('\n')).toMatch(/3 repositories of octo-org share IAM user gh-demo: one organization secret .* needs 3 writes instead of 9/);
    expect(w.iam.calls.writes).toBe(0);
    expect(w.github.counts().writes).toBe(0);
  });
});
