import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

it('the custom-workflow example runs its workflow through the registry, re-runs it without writing, and rolls both back (the re-run\'s rollback writes nothing)', () => {
  const script = fileURLToPath(new URL('../index.mjs', import.meta.url));
  const out = execFileSync(process.execPath, [script], { encoding: 'utf8', env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' } });
  expect(out).toContain('workflows: setup, teardown, rotate, oidc, migrate-to-oidc, announce');
  expect(out).toContain('run announce: succeeded, applied 3');
  expect(out).toContain('variable AWS_IAM_USER = gh-demo');
  expect(out).toContain('plan announce: in sync');
  expect(out).toContain('run announce again: succeeded, GitHub writes 0');
  expect(out).toContain('rollback of the re-run: succeeded, GitHub writes 0');
  expect(out).toContain('rollback: succeeded, undid announce-iam-user');
  expect(out).toContain('variable AWS_IAM_USER after rollback: none');
});
