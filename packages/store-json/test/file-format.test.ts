import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Secret, type StoredKey } from '@creds/core';
import { everythingAbout } from '@creds/keystore-conformance';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createJsonStore } from '../src/index.js';
import { makeTempDir } from './temp-dir.js';

const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';

describe('json store file format', () => {
  let dir: string;
  let path: string;
  let cleanup: () => Promise<void>;
  beforeEach(async () => {
    ({ dir, cleanup } = await makeTempDir());
    path = join(dir, 'keys.json');
  });
  afterEach(() => cleanup());

  it('writes the versioned format, several keys in one file', async () => {
    const store = createJsonStore({ path });
    await store.put('acme/web', {
      accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
      secretAccessKey: new Secret(SECRET),
      region: 'eu-west-1',
      note: 'github.com/acme/web',
      createdAt: '2026-01-01T00:00:00.000Z',
    });
    await store.put('acme/api', { accessKeyId: 'AKIAIOSFODNN7EXAMPL2', secretAccessKey: new Secret('other') });
    const data = JSON.parse(await readFile(path, 'utf8'));
    expect(data.version).toBe(1);
    expect(data.keys['acme/web']).toEqual({
      accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
      secretAccessKey: SECRET,
      region: 'eu-west-1',
      note: 'github.com/acme/web',
      createdAt: '2026-01-01T00:00:00.000Z',
    });
    expect(Object.keys(data.keys).sort()).toEqual(['acme/api', 'acme/web']);
    expect(data.keys['acme/api'].createdAt).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  it.each([
    ['quotes', `a"b'c`],
    ['newlines', 'a\nb\r\nc'],
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a literal ${...} is the point of this value
    ['dollar and backticks', '$(id) `id` ${x}'],
    ['unicode', '秘密🔑\u2028\u2029'],
    ['NUL and control characters', 'a\u0000b\u0007c'],
    ['backslashes', 'C:\\keys\\"x"'],
  ])('round-trips keys whose secret, note and name contain %s', async (_label, odd) => {
    const store = createJsonStore({ path });
    const key: StoredKey = { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: new Secret(`s${odd}s`), note: odd };
    const name = `org/${odd}`;
    await store.put(name, key);
    const fresh = createJsonStore({ path });
    const back = await fresh.get(name);
    expect(back?.secretAccessKey.reveal()).toBe(`s${odd}s`);
    expect(back?.note).toBe(odd);
    expect(await fresh.list()).toEqual([name]);
  });

  it('treats names like __proto__ and constructor as plain names', async () => {
    const store = createJsonStore({ path });
    for (const name of ['__proto__', 'constructor', 'toString']) {
      await store.put(name, { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: new Secret(`v-${name}`) });
    }
    const fresh = createJsonStore({ path });
    expect((await fresh.list()).sort()).toEqual(['__proto__', 'constructor', 'toString']);
    expect((await fresh.get('__proto__'))?.secretAccessKey.reveal()).toBe('v-__proto__');
    expect(await fresh.get('hasOwnProperty')).toBeUndefined();
  });

  it('reads an empty file as an empty store', async () => {
    await writeFile(path, '', { mode: 0o600 });
    expect(await createJsonStore({ path }).list()).toEqual([]);
  });

  it.each([
    ['invalid JSON that holds a secret', `{"version":1,"keys":{"a":{"accessKeyId":"AKIA","secretAccessKey":"${SECRET}"`, 'STORE_FILE_CORRUPT'],
    ['an array', `["${SECRET}"]`, 'STORE_FILE_CORRUPT'],
    ['no version', `{"keys":{"a":"${SECRET}"}}`, 'STORE_FILE_CORRUPT'],
    ['an entry that is a string', `{"version":1,"keys":{"a":"${SECRET}"}}`, 'STORE_FILE_CORRUPT'],
    ['a numeric secret', `{"version":1,"keys":{"a":{"accessKeyId":"${SECRET}","secretAccessKey":1}}}`, 'STORE_FILE_CORRUPT'],
    ['a newer version', `{"version":2,"keys":{"a":"${SECRET}"}}`, 'STORE_FILE_TOO_NEW'],
  ])('refuses a file with %s, without quoting it', async (_label, text, code) => {
    await writeFile(path, text, { mode: 0o600 });
    const error = await createJsonStore({ path })
      .list()
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(error).toMatchObject({ code });
    expect(everythingAbout(error)).not.toContain(SECRET);
  });

  it('does not rewrite a damaged file on put', async () => {
    const text = '{"version":1,"keys":{"a":';
    await writeFile(path, text, { mode: 0o600 });
    await expect(
      createJsonStore({ path }).put('b', { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: new Secret('x') }),
    ).rejects.toMatchObject({ code: 'STORE_FILE_CORRUPT' });
    expect(await readFile(path, 'utf8')).toBe(text);
  });
});
