import { execFileSync } from 'node:child_process';
import { chmod, mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Secret, type StoredKey } from '@creds/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createJsonStore } from '../src/index.js';
import { makeTempDir } from './temp-dir.js';

const key: StoredKey = { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: new Secret('wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY') };
const posix = process.platform !== 'win32';
const root = process.getuid?.() === 0;

/** check: whether a key could be written now, with the reason when not, writing nothing. */
describe.runIf(posix)('json store check', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeEach(async () => {
    ({ dir, cleanup } = await makeTempDir());
  });
  afterEach(() => cleanup());

  it('passes for a file not yet made, and makes neither the file nor its folders', async () => {
    const path = join(dir, 'a', 'b', 'keys.json');
    await createJsonStore({ path }).check!();
    expect(await readdir(dir)).toEqual([]);
  });

  it('refuses a path that is a folder, saying so (not "chmod 600"), for check, get and put alike', async () => {
    const path = join(dir, 'keys');
    await mkdir(path, { mode: 0o755 });
    const store = createJsonStore({ path });
    for (const action of [() => store.check!(), () => store.get('x'), () => store.put('x', key)]) {
      const error = (await action().then(
        () => undefined,
        (e: unknown) => e,
      )) as { code?: string; message?: string; hint?: string };
      expect(error?.code).toBe('STORE_NOT_A_FILE');
      expect(error?.message).toContain(`${path} is a folder`);
      expect(error?.hint).not.toContain('chmod');
    }
  });

  it('refuses a key file others can read, naming its mode', async () => {
    const path = join(dir, 'keys.json');
    const store = createJsonStore({ path });
    await store.put('acme/web', key);
    await chmod(path, 0o644);
    await expect(store.check!()).rejects.toMatchObject({ code: 'STORE_FILE_INSECURE', message: expect.stringContaining('mode 0644') });
  });

  it('refuses a folder others can write to, and writes nothing', async () => {
    const folder = join(dir, 'shared');
    await mkdir(folder);
    await chmod(folder, 0o777);
    await expect(createJsonStore({ path: join(folder, 'keys.json') }).check!()).rejects.toMatchObject({ code: 'STORE_DIR_INSECURE' });
    expect(await readdir(folder)).toEqual([]);
  });

  it.skipIf(root)('refuses a folder this user cannot write, naming it', async () => {
    const folder = join(dir, 'readonly');
    await mkdir(folder, { mode: 0o500 });
    try {
      await expect(createJsonStore({ path: join(folder, 'sub', 'keys.json') }).check!()).rejects.toMatchObject({
        message: expect.stringContaining(`${folder} cannot be written`),
      });
    } finally {
      await chmod(folder, 0o700);
    }
  });

  it('refuses a key file inside a git work tree that does not ignore it', async () => {
    execFileSync('git', ['init', '-q', dir]);
    const path = join(dir, '.creds', 'keys.json');
    await expect(createJsonStore({ path }).check!()).rejects.toMatchObject({ code: 'STORE_NOT_GITIGNORED', message: expect.stringContaining('git does not ignore it') });
    await writeFile(join(dir, '.gitignore'), '/.creds/\n');
    await createJsonStore({ path }).check!();
    expect(await readdir(dir)).not.toContain('.creds');
  });
});
