import { inspect } from 'node:util';
import { CredsError, type KeyStore, Secret, type StoredKey } from '@creds/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { uniqueName } from './names.js';
import { fakeAccessKeyId, fakeSecretAccessKey, ODD_VALUES } from './values.js';

export interface ConformanceStore {
  store: KeyStore;
  /** Removes whatever the store left behind (temp folders, keychain entries). */
  cleanup?: () => Promise<void>;
}

export type MakeConformanceStore = () => Promise<ConformanceStore>;

/** Every text an error exposes: message, stack, hint, causes, and util.inspect of the whole. */
function everythingAbout(error: unknown): string {
  const parts: string[] = [inspect(error, { depth: 8 })];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && current !== null && depth < 8; depth++) {
    if (current instanceof Error) {
      parts.push(current.message, current.stack ?? '');
      if (current instanceof CredsError) parts.push(current.hint ?? '', current.describe());
      current = current.cause;
    } else {
      parts.push(String(current));
      break;
    }
  }
  return parts.join('\n');
}

function keyFor(label: string, extra: Partial<StoredKey> = {}): StoredKey {
  return {
    accessKeyId: fakeAccessKeyId(),
    secretAccessKey: new Secret(fakeSecretAccessKey(label)),
    region: 'eu-west-1',
    note: `conformance: ${label}`,
    createdAt: '2026-01-02T03:04:05.000Z',
    ...extra,
  };
}

function expectSameKey(actual: StoredKey | undefined, expected: StoredKey): void {
  expect(actual).toBeDefined();
  if (actual === undefined) return;
  expect(actual.accessKeyId).toBe(expected.accessKeyId);
  expect(actual.secretAccessKey).toBeInstanceOf(Secret);
  expect(actual.secretAccessKey.reveal()).toBe(expected.secretAccessKey.reveal());
  expect(actual.secretAccessKey.equals(expected.secretAccessKey)).toBe(true);
  expect(actual.region).toBe(expected.region);
  expect(actual.note).toBe(expected.note);
  if (expected.createdAt !== undefined) expect(actual.createdAt).toBe(expected.createdAt);
}

/**
 * Registers the conformance suite every KeyStore must pass. Call it at the top level of a test
 * file; `makeStore` is called before each test for a store to itself (or one whose other entries
 * the tests ignore: names are unique per test), and `cleanup` after it.
 */
export function describeKeyStoreConformance(name: string, makeStore: MakeConformanceStore): void {
  describe(`KeyStore conformance: ${name}`, () => {
    let store: KeyStore;
    let cleanup: (() => Promise<void>) | undefined;
    const written = new Set<string>();

    /** put, remembering the name so afterEach can remove it from shared stores. */
    async function put(entry: string, key: StoredKey): Promise<void> {
      written.add(entry);
      await store.put(entry, key);
    }

    beforeEach(async () => {
      const made = await makeStore();
      store = made.store;
      cleanup = made.cleanup;
      written.clear();
    });

    afterEach(async () => {
      for (const entry of written) await store.delete(entry).catch(() => undefined);
      await cleanup?.();
    });

    it('describes itself without secrets and has a type', async () => {
      expect(typeof store.type).toBe('string');
      expect(store.type.length).toBeGreaterThan(0);
      expect(typeof store.describe()).toBe('string');
    });

    it('check (when the store has one) passes on a usable store and changes no entry', async () => {
      const entry = uniqueName('checked');
      const key = keyFor('checked');
      await put(entry, key);
      const before = [...(await store.list())].sort();
      await store.check?.();
      await store.check?.();
      expect([...(await store.list())].sort()).toEqual(before);
      expectSameKey(await store.get(entry), key);
    });

    it('puts, gets, lists and deletes an entry', async () => {
      const entry = uniqueName('round-trip');
      const key = keyFor('round-trip');
      await put(entry, key);
      expectSameKey(await store.get(entry), key);
      expect(await store.list()).toContain(entry);
      expect(await store.delete(entry)).toBe(true);
      expect(await store.get(entry)).toBeUndefined();
      expect(await store.list()).not.toContain(entry);
    });

    it('keeps a key with only the required fields', async () => {
      const entry = uniqueName('minimal');
      const key: StoredKey = { accessKeyId: fakeAccessKeyId(), secretAccessKey: new Secret(fakeSecretAccessKey('m')) };
      await put(entry, key);
      const back = await store.get(entry);
      expect(back?.accessKeyId).toBe(key.accessKeyId);
      expect(back?.secretAccessKey.equals(key.secretAccessKey)).toBe(true);
      expect(back?.region).toBeUndefined();
      expect(back?.note).toBeUndefined();
    });

    it('answers undefined and false for an absent entry', async () => {
      const entry = uniqueName('never-written');
      expect(await store.get(entry)).toBeUndefined();
      expect(await store.delete(entry)).toBe(false);
      expect(await store.list()).not.toContain(entry);
    });

    it('overwrites an entry on a second put', async () => {
      const entry = uniqueName('overwrite');
      const first = keyFor('first');
      const second = keyFor('second', { region: 'us-east-2', note: 'rotated' });
      await put(entry, first);
      await put(entry, second);
      expectSameKey(await store.get(entry), second);
      expect((await store.list()).filter((n) => n === entry)).toHaveLength(1);
    });

    it('keeps several entries apart', async () => {
      const entries = ['alpha', 'beta', 'gamma'].map((l) => ({ entry: uniqueName(l), key: keyFor(l) }));
      for (const { entry, key } of entries) await put(entry, key);
      const listed = await store.list();
      for (const { entry, key } of entries) {
        expect(listed).toContain(entry);
        expectSameKey(await store.get(entry), key);
      }
      expect(await store.delete(entries[1]!.entry)).toBe(true);
      expectSameKey(await store.get(entries[0]!.entry), entries[0]!.key);
      expectSameKey(await store.get(entries[2]!.entry), entries[2]!.key);
    });

    it.each(ODD_VALUES)('round-trips a secret and note with $label', async ({ label, value }) => {
      const entry = uniqueName('odd');
      const key = keyFor(label, { secretAccessKey: new Secret(`AbC/${value}/xyZ`), note: value });
      await put(entry, key);
      expectSameKey(await store.get(entry), key);
    });

    it('round-trips an entry name with slashes, dots, spaces and multi-byte characters', async () => {
      const entry = `${uniqueName('name')}/My Org.ö/répo_1-ü@x`;
      const key = keyFor('odd name');
      await put(entry, key);
      expect(await store.list()).toContain(entry);
      expectSameKey(await store.get(entry), key);
    });

    it('loses nothing when puts to different entries run at once', async () => {
      const entries = Array.from({ length: 8 }, (_, i) => ({ entry: uniqueName(`concurrent-${i}`), key: keyFor(`c${i}`) }));
      await Promise.all(entries.map(({ entry, key }) => put(entry, key)));
      const listed = await store.list();
      for (const { entry, key } of entries) {
        expect(listed).toContain(entry);
        expectSameKey(await store.get(entry), key);
      }
    });

    it('gives back a Secret that stays redacted when serialized or printed', async () => {
      const entry = uniqueName('redacted');
      const key = keyFor('redacted');
      await put(entry, key);
      const back = await store.get(entry);
      const value = key.secretAccessKey.reveal();
      expect(JSON.stringify(back)).not.toContain(value);
      expect(inspect(back, { depth: 8 })).not.toContain(value);
      expect(`${back?.secretAccessKey}`).not.toContain(value);
    });

    it('rejects an empty entry name with a CredsError that carries no secret', async () => {
      const key = keyFor('invalid');
      const value = key.secretAccessKey.reveal();
      const error = await store.put('', key).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(CredsError);
      expect(everythingAbout(error)).not.toContain(value);
    });

    it('rejects a key without an access key id, and the error carries no secret', async () => {
      const entry = uniqueName('no-id');
      const key = keyFor('no id', { accessKeyId: '' });
      const value = key.secretAccessKey.reveal();
      const error = await put(entry, key).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(CredsError);
      expect(everythingAbout(error)).not.toContain(value);
      expect(await store.get(entry)).toBeUndefined();
    });
  });
}

export { everythingAbout };
