import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { finalResult, issuedSecrets, runCli, tempDir, transcript } from './helpers.js';

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
