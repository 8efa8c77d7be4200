import { chmod, mkdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Secret, type StoredKey } from '@creds/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createJsonStore, JsonStoreError } from '../src/index.js';
import { makeTempDir } from './temp-dir.js';

const key: StoredKey = { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: new Secret('wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY') };
const posix = process.platform !== 'win32';

describe.runIf(posix)('json store file permissions', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeEach(async () => {
    ({ dir, cleanup } = await makeTempDir());
  });
  afterEach(() => cleanup());

  it('creates the folder 0700 and the file 0600', async () => {
    const path = join(dir, 'a', 'b', 'keys.json');
    await createJsonStore({ path }).put('acme/web', key);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect((await stat(join(dir, 'a', 'b'))).mode & 0o777).toBe(0o700);
    expect((await stat(join(dir, 'a'))).mode & 0o777).toBe(0o700);
  });

  it('keeps the file 0600 after it is rewritten', async () => {
    const path = join(dir, 'keys.json');
    const store = createJsonStore({ path });
    await store.put('one', key);
    await store.put('two', key);
    await store.delete('one');
    expect((await stat(path)).mode & 0o777).toBe(0o600);
  });

  it.each([0o644, 0o640, 0o604, 0o660, 0o606])('refuses to read a file with mode %s, naming the chmod that fixes it', async (mode) => {
    const path = join(dir, 'keys.json');
    const store = createJsonStore({ path });
    await store.put('acme/web', key);
    await chmod(path, mode);
    for (const action of [() => store.get('acme/web'), () => store.list(), () => store.put('other', key)]) {
      const error = await action().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(JsonStoreError);
      expect((error as JsonStoreError).code).toBe('STORE_FILE_INSECURE');
      expect((error as JsonStoreError).hint).toContain(`chmod 600 ${path}`);
    }
    await chmod(path, 0o600);
    expect((await store.get('acme/web'))?.accessKeyId).toBe(key.accessKeyId);
  });

  it('quotes a path with spaces in the chmod it suggests', async () => {
    const path = join(dir, 'my keys', 'keys.json');
    const store = createJsonStore({ path });
    await store.put('acme/web', key);
    await chmod(path, 0o644);
    await expect(store.get('acme/web')).rejects.toMatchObject({ hint: expect.stringContaining(`chmod 600 '${path}'`) });
  });

  it('refuses to write into a folder other users can write to', async () => {
    const folder = join(dir, 'shared');
    await mkdir(folder);
    await chmod(folder, 0o777);
    const store = createJsonStore({ path: join(folder, 'keys.json') });
    await expect(store.put('acme/web', key)).rejects.toMatchObject({
      code: 'STORE_DIR_INSECURE',
      hint: expect.stringContaining(`chmod 700 ${folder}`),
    });
  });

  it('warns once, and writes, when the folder can be listed by others', async () => {
    const folder = join(dir, 'listable');
    await mkdir(folder);
    await chmod(folder, 0o755);
    const warnings: string[] = [];
    const store = createJsonStore({ path: join(folder, 'keys.json'), onWarning: (m) => warnings.push(m) });
    await store.put('one', key);
    await store.put('two', key);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(`chmod 700 ${folder}`);
    expect(await store.list()).toEqual(['one', 'two']);
  });

  it('refuses to follow a symlink at the key file path', async () => {
    const { symlink } = await import('node:fs/promises');
    const real = join(dir, 'real.json');
    await writeFile(real, '{"version":1,"keys":{}}', { mode: 0o600 });
    const link = join(dir, 'keys.json');
    await symlink(real, link);
    await expect(createJsonStore({ path: link }).list()).rejects.toMatchObject({ code: 'STORE_IO' });
  });
});
