import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { POLICY, useWorld } from './harness.js';

// Two configs whose targets share the short name `api` (org-a/api and org-b/api, default user
// gha-api): the second may not take the first one's user, and writes nothing before it says so.

const w = useWorld({ repos: [{ owner: 'org-a', name: 'api' }, { owner: 'org-b', name: 'api' }] });
const config = (owner: string, extra: Record<string, unknown> = {}) => ({
  region: 'eu-west-1',
  iam: { userName: 'gha-api', policy: POLICY, ...extra },
  github: { owner, repo: 'api' },
});
const scopeB = { owner: 'org-b', repo: 'api' };
const folders: string[] = [];
const otherFolder = () => {
  const dir = mkdtempSync(join(tmpdir(), 'creds-lib-b-'));
  folders.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of folders.splice(0)) rmSync(dir, { recursive: true, force: true });
});
const writes = () => w.iam.calls.writes + w.github.counts().writes;

it('tags the user with the target and its scope', async () => {
  const { creds } = await w.creds(config('org-a'));
  expect((await creds.run('setup'))[0]?.status).toBe('succeeded');
  const tags = Object.fromEntries(w.iam.state().users[0]!.tags.map((t) => [t.Key, t.Value]));
  expect(tags).toMatchObject({ 'creds:managed-by': 'creds', 'creds:target': 'api', 'creds:scope': 'repo:org-a/api' });
});

it('refuses org-b/api the user of org-a/api before any write, an existing region secret included; org-a stays in sync', async () => {
  const { creds: a } = await w.creds(config('org-a'));
  expect((await a.run('setup'))[0]?.status).toBe('succeeded');
  w.github.setSecretValue(scopeB, 'AWS_DEFAULT_REGION', 'ap-south-1');
  const region = w.github.secret(scopeB, 'AWS_DEFAULT_REGION');
  const users = JSON.stringify(w.iam.state().users);

  const { creds: b } = await w.creds(config('org-b', { policy: { ...POLICY, Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }] } }), {}, otherFolder());
  const before = writes();
  const [result] = await b.run('setup');
  expect(result?.status).toBe('failed');
  expect(result?.error).toMatchObject({ code: 'NOT_OWNED', stepId: 'iam-user-owner' });
  expect(result?.error?.message).toContain('target api of org-a/api, not target api of org-b/api');
  expect(writes() - before).toBe(0);
  expect(w.github.secret(scopeB, 'AWS_DEFAULT_REGION')).toEqual(region);
  expect(w.github.secretValue(scopeB, 'AWS_DEFAULT_REGION')).toBe('ap-south-1');
  expect(JSON.stringify(w.iam.state().users)).toBe(users);

  const [plan] = await b.plan('setup');
  expect(plan?.errors.map((e) => e.code)).toContain('NOT_OWNED');
  const [status] = await a.status();
  expect(status?.inSync).toBe(true);
  expect(status?.user?.owned).toBe(true);
});

it('teardown of org-b/api deletes nothing of org-a/api', async () => {
  const { creds: a } = await w.creds(config('org-a'));
  expect((await a.run('setup'))[0]?.status).toBe('succeeded');
  const users = JSON.stringify(w.iam.state().users);
  const { creds: b } = await w.creds(config('org-b'), {}, otherFolder());
  const before = writes();
  const [result] = await b.run('teardown');
  expect(result?.error).toMatchObject({ code: 'NOT_OWNED' });
  expect(result?.error?.message).toContain('target api of org-a/api');
  expect(writes() - before).toBe(0);
  expect(JSON.stringify(w.iam.state().users)).toBe(users);
});

it('adopt takes the other target\'s user over on purpose, retagging it', async () => {
  const { creds: a } = await w.creds(config('org-a'));
  expect((await a.run('setup'))[0]?.status).toBe('succeeded');
  await a.run('teardown');
  w.iam.addUser({ userName: 'gha-api', tags: { 'creds:managed-by': 'creds', 'creds:target': 'api', 'creds:scope': 'repo:org-a/api' } });
  const { creds: b } = await w.creds(config('org-b', { adopt: true }), {}, otherFolder());
  expect((await b.run('setup'))[0]?.status).toBe('succeeded');
  const tags = Object.fromEntries(w.iam.state().users[0]!.tags.map((t) => [t.Key, t.Value]));
  expect(tags).toMatchObject({ 'creds:scope': 'repo:org-b/api', 'creds:adopted': 'true' });
});

it('a user tagged by an older creds (no creds:scope) is the same-named target\'s: setup adds the scope, then another scope is refused', async () => {
  w.iam.addUser({ userName: 'gha-api', tags: { 'creds:managed-by': 'creds', 'creds:target': 'api' } });
  const { creds: a } = await w.creds(config('org-a'));
  const [plan] = await a.plan('setup');
  expect(plan?.changes.some((c) => c.detail?.includes('creds:scope'))).toBe(true);
  expect((await a.run('setup'))[0]?.status).toBe('succeeded');
  const tags = Object.fromEntries(w.iam.state().users[0]!.tags.map((t) => [t.Key, t.Value]));
  expect(tags['creds:scope']).toBe('repo:org-a/api');
  expect(tags['creds:adopted']).toBeUndefined();
  const { creds: b } = await w.creds(config('org-b'), {}, otherFolder());
  expect((await b.run('setup'))[0]?.error?.code).toBe('NOT_OWNED');
});

it('a store path that is a folder is refused by the preflight, naming it, before any write', async () => {
  mkdirSync(join(w.dir, 'keys'));
  const { creds } = await w.creds({ ...config('org-a'), store: { type: 'json', path: 'keys' } });
  const before = writes();
  const [result] = await creds.run('setup');
  expect(result?.error).toMatchObject({ code: 'STORE_NOT_A_FILE', stepId: 'key-store-writable' });
  expect(result?.error?.message).toContain(`${join(w.dir, 'keys')} is a folder, not a key file`);
  expect(result?.error?.hint).not.toContain('chmod');
  expect(writes() - before).toBe(0);
  expect(w.iam.state().users).toEqual([]);
});
