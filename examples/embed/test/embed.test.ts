import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

it('the embedding example runs, resumes after its crash, and rolls back to nothing', () => {
  const script = fileURLToPath(new URL('../index.mjs', import.meta.url));
  const out = execFileSync(process.execPath, [script], { encoding: 'utf8' });
  expect(out).toContain('✗ announce the deploy: simulated crash');
  expect(out).toContain('· issue a deploy token (done earlier in this run)');
  expect(out).toContain('applied 1, skipped 2');
  expect(out).toMatch(/↺ announce the deploy[\s\S]*↺ write the deploy config[\s\S]*↺ issue a deploy token/);
  expect(out).toContain('store entries left: 0; files left: 0');
  expect(out).not.toContain('s3cr3t-');
});
