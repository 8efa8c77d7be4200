import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Secret, type StoredKey } from '@creds/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createJsonStore } from '../src/index.js';
import { makeTempDir } from './temp-dir.js';

const run = promisify(execFile);
const key: StoredKey = { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: new Secret('wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY') };
const hasGit = await run('git', ['--version']).then(
  () => true,
  () => false,
);

describe.runIf(hasGit)('json store inside a git work tree', () => {
  let repo: string;
  let cleanup: () => Promise<void>;
  beforeEach(async () => {
    const temp = await makeTempDir();
    cleanup = temp.cleanup;
    repo = join(temp.dir, 'repo');
    await mkdir(repo);
    await run('git', ['init', '-q', repo]);
  });
  afterEach(() => cleanup());

  it('refuses to write a file git would not ignore, naming the .gitignore line', async () => {
    const store = createJsonStore({ path: join(repo, 'secrets', 'keys.json'), onWarning: () => {} });
    await expect(store.put('acme/web', key)).rejects.toMatchObject({
      code: 'STORE_NOT_GITIGNORED',
      hint: expect.stringContaining('add the line /secrets/keys.json to'),
    });
    // refused before anything was created
    await expect(run('ls', [join(repo, 'secrets')])).rejects.toBeDefined();
  });

  it('writes once the file is ignored', async () => {
    await writeFile(join(repo, '.gitignore'), '/secrets/keys.json\n');
    const store = createJsonStore({ path: join(repo, 'secrets', 'keys.json'), onWarning: () => {} });
    await store.put('acme/web', key);
    expect(await store.list()).toEqual(['acme/web']);
    const status = await run('git', ['-C', repo, 'status', '--porcelain', '--untracked-files=all']);
    expect(status.stdout).not.toContain('keys.json');
  });

  it('accepts a pattern that ignores the whole folder', async () => {
    await writeFile(join(repo, '.gitignore'), '.creds/\n');
    await createJsonStore({ path: join(repo, '.creds', 'keys.json'), onWarning: () => {} }).put('acme/web', key);
  });

  it('refuses a tracked file even when .gitignore names it', async () => {
    const path = join(repo, 'keys.json');
    await writeFile(path, '{"version":1,"keys":{}}\n', { mode: 0o600 });
    await run('git', ['-C', repo, 'add', 'keys.json']);
    await writeFile(join(repo, '.gitignore'), '/keys.json\n');
    await expect(createJsonStore({ path }).put('acme/web', key)).rejects.toMatchObject({
      code: 'STORE_NOT_GITIGNORED',
      hint: expect.stringContaining('rm --cached -- keys.json'),
    });
  });

  it('allows a folder outside any work tree', async () => {
    const temp = await makeTempDir();
    try {
      await createJsonStore({ path: join(temp.dir, 'keys.json') }).put('acme/web', key);
    } finally {
      await temp.cleanup();
    }
  });

  it('allows writing when git is not installed', async () => {
    const saved = process.env['PATH'];
    process.env['PATH'] = join(repo, 'no-such-bin');
    try {
      await createJsonStore({ path: join(repo, 'keys.json'), onWarning: () => {} }).put('acme/web', key);
    } finally {
      process.env['PATH'] = saved;
    }
  });
});
