import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GetRoleCommand, IAMClient, UpdateAssumeRolePolicyCommand } from '@aws-sdk/client-iam';
import type { TargetStatus } from '@creds/creds';
import { Octokit } from '@octokit/rest';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { finalResult, issuedSecrets, runCli, spawnCli, tempDir, transcript, waitForOutput } from './helpers.js';
import { checkJsonOutput } from './json-shapes.js';

let dir: Awaited<ReturnType<typeof tempDir>>;
beforeEach(async () => {
  dir = await tempDir();
});
afterEach(() => dir.remove());

it('refuses an older Node with one line saying which version it needs', async () => {
  const preload = fileURLToPath(new URL('./fixtures/pretend-node-18.cjs', import.meta.url));
  const result = await runCli(['--version'], { cwd: dir.path, nodeArgs: ['-r', preload] });
  expect(result.code).toBe(2);
  expect(result.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^creds needs Node\.js 20\.12 or newer; this is v18\.19\.0\./)]);
});

it('sets up the keyless route in the sandbox, prints the workflow snippet, and migrates off the key', async () => {
  const opts = { cwd: dir.path };
  expect((await runCli(['run', 'setup', '--sandbox', '--yes'], opts)).code).toBe(0);
  const oidc = await runCli(['run', 'oidc', '--sandbox', '--yes', '--json'], opts);
  expect(oidc.code).toBe(0);
  const result = finalResult(oidc.stdout) as { snippets?: Array<{ target: string; snippet: string }> };
  expect(result.snippets?.[0]?.snippet).toMatch(/role-to-assume: \$\{\{ vars\.AWS_ROLE_ARN \}\}[\s\S]*id-token: write|id-token: write[\s\S]*role-to-assume/);
  const migrate = await runCli(['migrate-to-oidc', '--sandbox', '--yes'], opts);
  expect(migrate.code, migrate.stderr).toBe(0);
  const again = await runCli(['plan', 'oidc', '--sandbox', '--json'], opts);
  expect((finalResult(again.stdout) as unknown as { plans: Array<{ inSync: boolean }> }).plans[0]?.inSync).toBe(true);
  const secrets = await issuedSecrets(dir.path);
  expect(secrets.length).toBeGreaterThan(0);
  for (const secret of secrets) expect(transcript.join('\n').includes(secret)).toBe(false);
});

it('status shows the keyless route and its drift; teardown removes it (a keyless-only config, against creds sandbox)', { timeout: 120_000 }, async () => {
  const child = spawnCli(['sandbox', '--json', '--memory'], { cwd: dir.path });
  const line = await waitForOutput(child, (l) => l.includes('"sandbox-ready"'));
  const { env, iam, github } = JSON.parse(line) as { env: Record<string, string>; iam: string; github: string };
  try {
    const config = {
      region: 'eu-west-1',
      iam: { policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }] } },
      github: { owner: 'octo-org', repo: 'demo' },
      oidc: { roleName: 'gh-demo-oidc' },
    };
    await writeFile(join(dir.path, 'creds.config.json'), JSON.stringify(config));
    const opts = { cwd: dir.path, env };
    const setup = await runCli(['run', 'setup', '--yes'], opts);
    expect(setup.code).not.toBe(0);
    expect(setup.stderr).toMatch(/iam\.userName: is required for the access-key route/);
    const oidc = await runCli(['run', 'oidc', '--yes'], opts);
    expect(oidc.code, oidc.stderr).toBe(0);

    const clean = await runCli(['status', '--json'], opts);
    expect(clean.code, clean.stderr).toBe(0);
    const { result } = checkJsonOutput(clean.stdout);
    const status = (result as unknown as { targets: TargetStatus[] }).targets[0]!;
    expect(status.user).toBeUndefined();
    expect(status.oidc).toMatchObject({
      provider: { exists: true, createdByCreds: true },
      role: { name: 'gh-demo-oidc', exists: true, owned: true },
      subjects: { trusted: ['repo:octo-org/demo:ref:refs/heads/main'], drifted: false },
      roleArn: { name: 'AWS_ROLE_ARN', kind: 'variable', exists: true, drifted: false },
    });
    const roleArn = status.oidc!.role.arn!;

    // Behind creds' back, through the sandbox's APIs with the real clients.
    await new Octokit({ auth: env['GH_TOKEN'], baseUrl: github }).rest.actions.updateRepoVariable({
      owner: 'octo-org',
      repo: 'demo',
      name: 'AWS_ROLE_ARN',
      value: `${roleArn}-elsewhere`,
    });
    const admin = new IAMClient({
      region: 'us-east-1',
      endpoint: iam,
      credentials: { accessKeyId: env['AWS_ACCESS_KEY_ID']!, secretAccessKey: env['AWS_SECRET_ACCESS_KEY']! },
      maxAttempts: 1,
    });
    const policy = JSON.parse(decodeURIComponent((await admin.send(new GetRoleCommand({ RoleName: 'gh-demo-oidc' }))).Role!.AssumeRolePolicyDocument!));
    policy.Statement[0].Condition.StringEquals['token.actions.githubusercontent.com:sub'] = 'repo:octo-org/demo:ref:refs/heads/dev';
    await admin.send(new UpdateAssumeRolePolicyCommand({ RoleName: 'gh-demo-oidc', PolicyDocument: JSON.stringify(policy) }));

    const drifted = await runCli(['status'], { ...opts, env: { ...env, NO_COLOR: '1' } });
    expect(drifted.code).toBe(3);
    expect(drifted.stdout).toMatch(/✓ IAM role gh-demo-oidc/);
    expect(drifted.stdout).toMatch(/✗ trusts repo:octo-org\/demo:ref:refs\/heads\/dev {2}the config wants repo:octo-org\/demo:ref:refs\/heads\/main/);
    expect(drifted.stdout).toMatch(/✗ variable AWS_ROLE_ARN .*-elsewhere {2}changed outside creds/);

    const down = await runCli(['run', 'teardown', '--yes'], opts);
    expect(down.code, down.stderr).toBe(0);
    const after = checkJsonOutput((await runCli(['status', '--json'], opts)).stdout).result as unknown as { targets: TargetStatus[] };
    expect(after.targets[0]?.oidc).toMatchObject({ provider: { exists: false }, role: { exists: false }, roleArn: { exists: false } });
  } finally {
    child.kill('SIGINT');
    await child.result;
  }
});
