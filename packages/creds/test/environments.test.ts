import type { SandboxTokenOptions } from '@creds/sandbox';
import { describe, expect, it } from 'vitest';
import { baseConfig, TOKEN, useWorld } from './harness.js';

// A config naming an environment the repository does not have yet: setup creates it before its
// secrets (and before any IAM write); rollback and teardown delete it only when creds created it.

const w = useWorld({ repos: [{ owner: 'octo', name: 'envs' }, { owner: 'octo', name: 'kept', environments: ['production'] }] });

const target = (repo: string, extra: Record<string, unknown> = {}) => baseConfig({ github: { owner: 'octo', repo, environment: 'production', ...extra } });
const scope = (repo: string) => ({ owner: 'octo', repo, environment: 'production' });

/** Whether GitHub (the sandbox, over HTTP) has the environment. */
async function environmentExists(repo: string): Promise<boolean> {
  const res = await fetch(`${w.github.url}/repos/octo/${repo}/environments/production`, { headers: { authorization: `token ${TOKEN}` } });
  return res.status === 200;
}
/** Writes to the environment itself (PUT or DELETE …/environments/production). */
const environmentWrites = () => w.github.requests.filter((r) => r.write && /\/environments\/production$/.test(r.path)).map((r) => r.method);

describe('an environment that does not exist yet', () => {
  it('plan shows it created; setup creates it, then writes its secrets there; a re-run writes nothing; rollback deletes it', async () => {
    const { creds } = await w.creds(target('envs'));
    const [plan] = await creds.plan('setup');
    expect(plan?.errors).toEqual([]);
    expect(plan?.changes).toContainEqual(expect.objectContaining({ action: 'create', resource: 'environment production in octo/envs' }));

    const [setup] = await creds.run('setup');
    expect(setup?.error).toBeUndefined();
    expect(await environmentExists('envs')).toBe(true);
    const key = w.iam.state().users.find((u) => u.userName === 'gh-demo')!.accessKeys[0]!;
    expect(w.github.secretValue(scope('envs'), 'AWS_ACCESS_KEY_ID')).toBe(key.accessKeyId);
    expect(w.github.secretValue(scope('envs'), 'AWS_DEFAULT_REGION')).toBe('eu-west-1');
    expect(environmentWrites()).toEqual(['PUT']);
    // The environment's PUT came before the first IAM write.
    const put = w.github.requests.find((r) => r.method === 'PUT' && r.path.endsWith('/environments/production'))!;
    expect(put.end).toBeLessThan(w.iam.calls.log.find((c) => c.write)!.start);

    const [planned] = await creds.plan('setup');
    expect(planned?.changes.filter((c) => c.resource.startsWith('environment'))).toEqual([]);
    w.iam.calls.reset();
    w.github.resetLog();
    const [again] = await creds.run('setup');
    expect(again?.status).toBe('succeeded');
    expect(w.iam.calls.writes + w.github.counts().writes).toBe(0);

    // The re-run found the environment in place: its rollback keeps it; the first run's deletes it.
    const [rollback] = await creds.rollback();
    expect(rollback?.error).toBeUndefined();
    expect(await environmentExists('envs')).toBe(true);
    const [first] = await creds.rollback();
    expect(first?.error).toBeUndefined();
    expect(await environmentExists('envs')).toBe(false);
    expect(w.iam.state().users.find((u) => u.userName === 'gh-demo')).toBeUndefined();
  });

  it('teardown deletes the environment creds created, after its secrets', async () => {
    const { creds } = await w.creds(target('envs'));
    await creds.run('setup');
    const [plan] = await creds.plan('teardown');
    expect(plan?.changes).toContainEqual(expect.objectContaining({ action: 'delete', resource: 'environment production in octo/envs' }));
    w.github.resetLog();
    const [down] = await creds.run('teardown');
    expect(down?.error).toBeUndefined();
    expect(await environmentExists('envs')).toBe(false);
    expect(environmentWrites()).toEqual(['DELETE']);
    // A second teardown has nothing left to do there, and does not fail on the missing environment.
    const [again] = await creds.run('teardown');
    expect(again?.error).toBeUndefined();
  });

  it('an environment that was there before: never written, kept by rollback and by teardown', async () => {
    const { creds } = await w.creds(target('kept'));
    const [plan] = await creds.plan('setup');
    expect(plan?.changes.filter((c) => c.resource.startsWith('environment'))).toEqual([]);
    const [setup] = await creds.run('setup');
    expect(setup?.error).toBeUndefined();
    expect(w.github.secretNames(scope('kept'))).toContain('AWS_ACCESS_KEY_ID');
    const [rollback] = await creds.rollback();
    expect(rollback?.error).toBeUndefined();
    expect(await environmentExists('kept')).toBe(true);
    expect(w.github.secretNames(scope('kept'))).toEqual([]);
    await creds.run('setup');
    const [down] = await creds.run('teardown');
    expect(down?.error).toBeUndefined();
    expect(await environmentExists('kept')).toBe(true);
    expect(environmentWrites()).toEqual([]);
  });

  it('github.createEnvironment: false refuses it in the preflight, naming it and both ways out, with no write', async () => {
    const { creds } = await w.creds(target('envs', { createEnvironment: false }));
    const [plan] = await creds.plan('setup');
    expect(plan?.changes.filter((c) => c.resource.startsWith('environment'))).toEqual([]);
    const [setup] = await creds.run('setup');
    expect(setup?.status).toBe('failed');
    expect(setup?.error).toMatchObject({ code: 'GITHUB_ENVIRONMENT_MISSING', stepId: 'github-preflight' });
    expect(setup?.error?.message).toContain('environment production in octo/envs does not exist');
    expect(setup?.error?.hint).toMatch(/Settings → Environments.*github\.createEnvironment: false/);
    expect(w.iam.calls.writes + w.github.counts().writes).toBe(0);
    expect(await environmentExists('envs')).toBe(false);
  });

  it.each([
    ['a classic token whose user is not an admin', { scopes: ['repo'], admin: false }],
    ['a fine-grained token without Administration: write', { permissions: { secrets: 'write', environments: 'write' } }],
  ] satisfies Array<[string, Omit<SandboxTokenOptions, 'token'>]>)('%s is refused before any IAM write, naming the permission', async (_name, grant) => {
    const limited = 'ghp_cannotCreateEnvironments000000000000';
    w.github.addToken({ token: limited, ...grant });
    const { creds } = await w.creds(target('envs'), { github: { token: limited, baseUrl: w.github.url, timeScale: 0.001 } });
    const [setup] = await creds.run('setup');
    expect(setup?.status).toBe('failed');
    expect(setup?.error).toMatchObject({ code: 'GITHUB_FORBIDDEN', stepId: 'github-preflight' });
    expect(setup?.error?.message).toContain('may not create environment production in octo/envs');
    expect(setup?.error?.hint).toContain('"Administration: Read and write"');
    expect(w.iam.calls.log.filter((c) => c.write)).toEqual([]);
    expect(w.github.counts().writes).toBe(0);
  });
});
