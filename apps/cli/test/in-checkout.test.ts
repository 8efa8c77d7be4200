// `corepack pnpm creds …` inside the repository: pnpm runs the root script from the workspace root
// and passes the folder the user typed the command in as INIT_CWD; creds must act on that folder.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { BASE_ENV, REPO_ROOT, tempDir } from './helpers.js';

let dir: Awaited<ReturnType<typeof tempDir>>;
beforeEach(async () => {
  dir = await tempDir('creds-init-cwd-');
});
afterEach(() => dir.remove());

const rootScript = (name: string): string => {
  const { scripts } = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8'));
  return scripts[name];
};

it('the root `creds` script runs the CLI through the launcher that honours INIT_CWD', () => {
  expect(rootScript('creds')).toMatch(/&& node tools\/creds-here\.mjs$/);
  expect(rootScript('sandbox')).toMatch(/&& node tools\/creds-here\.mjs sandbox$/);
});

it('keeps its state in the folder the command was typed in, not the repository root', () => {
  const hadRootState = existsSync(join(REPO_ROOT, '.creds'));
  const result = spawnSync(process.execPath, [join(REPO_ROOT, 'tools', 'creds-here.mjs'), 'run', 'setup', '--sandbox', '--yes'], {
    cwd: REPO_ROOT,
    env: { ...BASE_ENV, INIT_CWD: dir.path },
    encoding: 'utf8',
  });
  expect(result.stderr + result.stdout).toContain('setup succeeded');
  expect(result.status).toBe(0);
  expect(existsSync(join(dir.path, '.creds', 'keys.json'))).toBe(true);
  expect(existsSync(join(REPO_ROOT, '.creds'))).toBe(hadRootState);
}, 60_000);
