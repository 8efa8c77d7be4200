import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type GitHubSandbox, type IamSandbox, startGitHubServer, startIamServer } from '@creds/sandbox';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli, tempDir } from './helpers.js';

// The CLI pointed at sandbox servers this test runs, the way users point it at any compatible
// server: AWS_ENDPOINT_URL_IAM / _STS, GITHUB_API_URL, GH_TOKEN. The servers' counters see every call.
const TOKEN = 'test-token';

let dir: { path: string; remove(): Promise<void> };
let iam: IamSandbox;
let github: GitHubSandbox;
let env: NodeJS.ProcessEnv;

beforeEach(async () => {
  dir = await tempDir();
  // New keys propagate for the default 10 s of sandbox time, 200 ms here.
  iam = await startIamServer({ timeScale: 0.02 });
  github = await startGitHubServer({ tokens: [{ token: TOKEN }], repos: [{ owner: 'octo-org', name: 'demo' }] });
  env = { ...iam.env(), GITHUB_API_URL: github.url, GH_TOKEN: TOKEN };
});
afterEach(async () => {
  await Promise.all([iam.close(), github.close()]);
  await dir.remove();
});

const config = (iamFields: Record<string, unknown>) =>
  writeFile(
    join(dir.path, 'creds.config.json'),
    JSON.stringify({ region: 'us-east-1', iam: iamFields, github: { owner: 'octo-org', repo: 'demo' } }),
  );

describe('invalid config', () => {
  it.each([
    ['a bad user name', { userName: 'has spaces' }, 'iam.userName'],
    ['an unknown field', { userName: 'ok', colour: 'blue' }, 'colour'],
    ['a reserved tag', { userName: 'ok', tags: { 'aws:x': 'y' } }, 'iam.tags'],
  ])('%s: exit 2 naming the field, zero calls that write', async (_name, fields, field) => {
    await config(fields);
    for (const args of [['run', 'setup', '--yes'], ['status'], ['plan']]) {
      const r = await runCli(args, { cwd: dir.path, env });
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain(field);
    }
    expect(iam.calls.writes).toBe(0);
    expect(github.counts().writes).toBe(0);
  });

  it('malformed JSON: exit 2, zero calls', async () => {
    await writeFile(join(dir.path, 'creds.config.json'), '{ "region": ');
    const r = await runCli(['run', 'setup', '--yes'], { cwd: dir.path, env });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('not valid JSON');
    expect(iam.calls.total + github.counts().total).toBe(0);
  });
});

describe('endpoints from the environment', () => {
  it('run setup writes to the servers the env names, and a second run writes nothing', { timeout: 60_000 }, async () => {
    await config({ userName: 'gha-demo' });
    const first = await runCli(['run', 'setup', '--yes'], { cwd: dir.path, env });
    expect(first.code, first.stderr).toBe(0);
    expect(iam.calls.count('CreateUser')).toBe(1);
    expect(github.secretNames({ owner: 'octo-org', repo: 'demo' })).toContain('AWS_ACCESS_KEY_ID');
    const writes = iam.calls.writes + github.counts().writes;
    const second = await runCli(['run', 'setup', '--yes'], { cwd: dir.path, env });
    expect(second.code, second.stderr).toBe(0);
    expect(iam.calls.writes + github.counts().writes).toBe(writes);
  });
});

describe('GitHub not usable', () => {
  it('an API URL that is not a URL is bad input: exit 2 naming GITHUB_API_URL, no call at all', async () => {
    await config({ userName: 'gha-demo' });
    for (const args of [['run', 'setup', '--yes'], ['plan']]) {
      const r = await runCli(args, { cwd: dir.path, env: { ...env, GITHUB_API_URL: 'not-a-url' } });
      expect(r.code, r.stderr).toBe(2);
      expect(r.stdout + r.stderr).toContain('GITHUB_API_URL');
    }
    expect(iam.calls.total + github.counts().total).toBe(0);
  });

  it('plan exits non-zero when a check could not read what it had to (a token GitHub does not know)', async () => {
    await config({ userName: 'gha-demo' });
    const plan = await runCli(['plan'], { cwd: dir.path, env: { ...env, GH_TOKEN: 'not-a-known-token' } });
    expect(plan.code, plan.stderr).toBe(1);
    expect(plan.stdout + plan.stderr).toMatch(/GITHUB_UNAUTHORIZED|token/i);
    expect(iam.calls.writes + github.counts().writes).toBe(0);
  });
});
