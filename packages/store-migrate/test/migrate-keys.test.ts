import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CredsError, type KeyStore, Secret, type StoredKey } from '@creds/core';
import { createOnePasswordStore } from '@creds/store-1password';
import { createJsonStore } from '@creds/store-json';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type MigrationEntryReport, migrateKeys } from '../src/index.js';

const FAKE_OP = createRequire(import.meta.url).resolve('@creds/store-1password/fake-op');

const keyFor = (i: number): StoredKey => ({
  accessKeyId: `AKIAIOSFODNN7EXAMP${String(i).padStart(2, '0')}`,
  secretAccessKey: new Secret(`secret-${i}-"$\`\n-🔑`),
  region: 'eu-west-1',
  note: `github.com/acme/repo${i}`,
});
const NAMES = ['acme/repo1', 'acme/repo2', 'acme/repo3'];

/** Wraps a store: its `put` throws on the given call (1-based). */
function failingOnPut(store: KeyStore, failOn: number): KeyStore {
  let puts = 0;
  return {
    ...store,
    describe: () => store.describe(),
    get: (n) => store.get(n),
    list: () => store.list(),
    delete: (n) => store.delete(n),
    put: async (n, k) => {
      puts++;
      if (puts === failOn) throw new CredsError('target is down', { code: 'TARGET_DOWN', retryable: true });
      await store.put(n, k);
    },
  };
}

describe('migrateKeys', () => {
  let dir: string;
  let source: KeyStore;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'creds-migrate-'));
    source = createJsonStore({ path: join(dir, 'from', 'keys.json') });
    for (const [i, name] of NAMES.entries()) await source.put(name, keyFor(i + 1));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  async function expectIn(store: KeyStore, names: string[]): Promise<void> {
    expect((await store.list()).sort()).toEqual([...names].sort());
    for (const name of names) {
      const i = NAMES.indexOf(name) + 1;
      const key = await store.get(name);
      expect(key?.accessKeyId).toBe(keyFor(i).accessKeyId);
      expect(key?.secretAccessKey.equals(keyFor(i).secretAccessKey)).toBe(true);
      expect(key?.note).toBe(keyFor(i).note);
    }
  }

  it('moves every key from one JSON file to another, reporting each', async () => {
    const target = createJsonStore({ path: join(dir, 'to', 'keys.json') });
    const progress: MigrationEntryReport[] = [];
    const report = await migrateKeys({ from: source, to: target, onProgress: (e) => progress.push(e) });
    expect(report.ok).toBe(true);
    expect(report.entries.map((e) => e.outcome)).toEqual(['moved', 'moved', 'moved']);
    expect(progress).toHaveLength(3);
    await expectIn(target, NAMES);
    expect(await source.list()).toEqual([]);
  });

  it('moves keys from a JSON file into 1Password (fake op), the secret never on argv', async () => {
    const state = join(dir, 'op-state.json');
    const log = join(dir, 'op-argv.log');
    await writeFile(state, JSON.stringify({ vaults: { Private: { id: 'v1', items: [] } }, creates: 0 }));
    const target = createOnePasswordStore({ vault: 'Private', opPath: FAKE_OP, env: { ...process.env, FAKE_OP_STATE: state, FAKE_OP_LOG: log } });
    const report = await migrateKeys({ from: source, to: target, names: ['acme/repo1', 'acme/repo3'] });
    expect(report.entries).toEqual([
      { name: 'acme/repo1', outcome: 'moved' },
      { name: 'acme/repo3', outcome: 'moved' },
    ]);
    await expectIn(target, ['acme/repo1', 'acme/repo3']);
    await expectIn(source, ['acme/repo2']);
    const { readFile } = await import('node:fs/promises');
    const argv = await readFile(log, 'utf8');
    expect(argv).toContain('"item","create"');
    for (const i of [1, 3]) expect(argv).not.toContain(`secret-${i}-`);
  }, 60_000);

  it('stops at a target that fails on the 2nd put: first moved, the rest still in the source', async () => {
    const target = createJsonStore({ path: join(dir, 'to', 'keys.json') });
    const report = await migrateKeys({ from: source, to: failingOnPut(target, 2), names: NAMES });
    expect(report.ok).toBe(false);
    expect(report.entries).toEqual([
      { name: 'acme/repo1', outcome: 'moved' },
      { name: 'acme/repo2', outcome: 'failed', error: { code: 'TARGET_DOWN', message: 'target is down' } },
      { name: 'acme/repo3', outcome: 'not-attempted' },
    ]);
    await expectIn(target, ['acme/repo1']);
    await expectIn(source, ['acme/repo2', 'acme/repo3']);
    // run again with the target back: it finishes
    const again = await migrateKeys({ from: source, to: target });
    expect(again.entries.map((e) => e.outcome)).toEqual(['moved', 'moved']);
    await expectIn(target, NAMES);
  });

  it('with continueOnError, tries the rest after a failure', async () => {
    const target = createJsonStore({ path: join(dir, 'to', 'keys.json') });
    const report = await migrateKeys({ from: source, to: failingOnPut(target, 2), names: NAMES, continueOnError: true });
    expect(report.entries.map((e) => e.outcome)).toEqual(['moved', 'failed', 'moved']);
    await expectIn(source, ['acme/repo2']);
  });

  it('keeps both copies when the source cannot be cleaned, and finishes on the next run', async () => {
    const target = createJsonStore({ path: join(dir, 'to', 'keys.json') });
    const stuck: KeyStore = { ...source, describe: () => source.describe(), delete: async () => {
      throw new CredsError('interrupted', { code: 'INTERRUPTED' });
    } };
    const report = await migrateKeys({ from: stuck, to: target, names: ['acme/repo1'] });
    expect(report.entries[0]?.outcome).toBe('failed');
    await expectIn(target, ['acme/repo1']);
    expect(await source.list()).toContain('acme/repo1');
    const again = await migrateKeys({ from: source, to: target, names: ['acme/repo1'] });
    expect(again.entries).toEqual([{ name: 'acme/repo1', outcome: 'already-in-target' }]);
    expect(await source.list()).not.toContain('acme/repo1');
  });

  it('does not delete the source when the copy reads back different', async () => {
    const target = createJsonStore({ path: join(dir, 'to', 'keys.json') });
    const liar: KeyStore = { ...target, describe: () => target.describe(), put: (n, k) => target.put(n, { ...k, secretAccessKey: new Secret('mangled') }) };
    const report = await migrateKeys({ from: source, to: liar, names: ['acme/repo1'] });
    expect(report.entries[0]).toMatchObject({ outcome: 'failed', error: { code: 'MIGRATE_VERIFY_FAILED' } });
    await expectIn(source, NAMES);
  });

  it('leaves a conflicting entry in both stores untouched', async () => {
    const target = createJsonStore({ path: join(dir, 'to', 'keys.json') });
    await target.put('acme/repo1', { accessKeyId: 'AKIAOTHERKEY00000000', secretAccessKey: new Secret('other') });
    const report = await migrateKeys({ from: source, to: target, names: ['acme/repo1', 'acme/none'] });
    expect(report.entries).toEqual([
      { name: 'acme/repo1', outcome: 'conflict' },
      { name: 'acme/none', outcome: 'missing' },
    ]);
    expect(report.ok).toBe(false);
    expect((await target.get('acme/repo1'))?.accessKeyId).toBe('AKIAOTHERKEY00000000');
    await expectIn(source, NAMES);
  });
});
