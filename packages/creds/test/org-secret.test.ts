import { expect, it } from 'vitest';
import { baseConfig, useWorld } from './harness.js';

const REPOS = ['api', 'web', 'worker', 'docs', 'infra'];

const w = useWorld({ repos: REPOS.map((name) => ({ owner: 'octo-org', name })), orgs: ['octo-org'] });

it('an organization secret with selected repositories: 3 secret writes for 5 repositories', async () => {
  const { creds } = await w.creds(baseConfig({ github: { org: 'octo-org', visibility: 'selected', repositories: ['api', 'web', 'worker', 'docs', 'infra'] } }));
  const [setup] = await creds.run('setup');
  expect(setup?.error).toBeUndefined();
  const puts = w.github.requests.filter((r) => r.method === 'PUT' && /^\/orgs\/octo-org\/actions\/secrets\/[A-Z_]+$/.test(r.path));
  expect(puts).toHaveLength(3);
  const key = w.iam.state().users.find((u) => u.userName === 'gh-demo')!.accessKeys[0]!;
  expect(w.github.secretValue({ org: 'octo-org' }, 'AWS_ACCESS_KEY_ID')).toBe(key.accessKeyId);

  // Changing who may use the secret does not send the value again.
  w.github.resetLog();
  const { creds: fewer } = await w.creds(baseConfig({ github: { org: 'octo-org', visibility: 'selected', repositories: ['api', 'web'] } }));
  const [again] = await fewer.run('setup');
  expect(again?.error).toBeUndefined();
  expect(w.github.requests.filter((r) => r.method === 'PUT' && /\/actions\/secrets\/[A-Z_]+$/.test(r.path))).toEqual([]);
  expect(w.github.requests.filter((r) => r.method === 'PUT' && /\/repositories$/.test(r.path)).length).toBeGreaterThan(0);
});

it('store none writes an organization secret with its visibility and selected repositories', async () => {
  const github = { org: 'octo-org', visibility: 'selected', repositories: ['api', 'web'] };
  const { creds } = await w.creds(baseConfig({ github, store: { type: 'none' } }));
  const [setup] = await creds.run('setup');
  expect(setup?.error).toBeUndefined();
  const key = w.iam.state().users.find((u) => u.userName === 'gh-demo')!.accessKeys[0]!;
  expect(w.github.secretValue({ org: 'octo-org' }, 'AWS_SECRET_ACCESS_KEY')).toBe(key.secretAccessKey);
  const ids = ['api', 'web'].map((repo) => w.github.repoId('octo-org', repo)).sort((a, b) => a! - b!);
  expect(w.github.secret({ org: 'octo-org' }, 'AWS_ACCESS_KEY_ID')).toMatchObject({ visibility: 'selected', selectedRepositoryIds: ids });
});
