import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createJsonStore } from '../src/index.js';
import { makeTempDir } from './temp-dir.js';

const writer = fileURLToPath(new URL('./fixtures/writer.mjs', import.meta.url));
const KILLS = 25;
const BYTES = 2 * 1024 * 1024;

function startWriter(args: string[]): ChildProcess {
  return spawn(process.execPath, [writer, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
}

async function firstWrite(child: ChildProcess): Promise<void> {
  await once(child.stdout!, 'data');
}

describe('json store atomicity with real processes', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeEach(async () => {
    ({ dir, cleanup } = await makeTempDir());
  });
  afterEach(() => cleanup());

  it(`leaves the old or the new file, never a torn one, across ${KILLS} SIGKILLs mid-write`, async () => {
    const path = join(dir, 'keys.json');
    let lastGeneration = 0;
    let midWrite = 0;
    for (let kill = 0; kill < KILLS; kill++) {
      const child = startWriter(['loop', path, String(BYTES)]);
      await firstWrite(child);
      await new Promise((r) => setTimeout(r, Math.random() * 150));
      child.kill('SIGKILL');
      await once(child, 'exit');

      // The raw file parses and is internally consistent...
      const data = JSON.parse(await readFile(path, 'utf8'));
      const big = data.keys.big;
      const generation = Number(big.note.replace('generation ', ''));
      expect(big.accessKeyId).toBe(`AKIA${String(generation).padStart(16, '0')}`);
      expect(big.secretAccessKey).toBe(`gen-${generation}-${String(generation % 10).repeat(BYTES)}`);
      expect((await stat(path)).mode & 0o777).toBe(0o600);
      // ...and the store reads it.
      expect((await createJsonStore({ path }).get('big'))?.accessKeyId).toBe(big.accessKeyId);
      lastGeneration = generation;
      // a temp file left behind means the kill landed between open and rename
      const temps = (await readdir(dir)).filter((f) => /^keys\.json\.\d+$/.test(f) || /^keys\.json\.[0-9a-f]+$/.test(f));
      if (temps.length > 0) midWrite++;
      for (const t of temps) await (await import('node:fs/promises')).rm(join(dir, t));
    }
    console.log(`[store-json atomicity] ${KILLS} SIGKILLs, ${midWrite} landed mid-write (temp file left), every file parsed whole`);
    expect(lastGeneration).toBeGreaterThanOrEqual(1);
    // Killed writers may leave their temp file behind, never a half-written key file.
    const stray = (await readdir(dir)).filter((f) => f !== 'keys.json' && !f.startsWith('keys.json.'));
    expect(stray).toEqual([]);
  }, 120_000);

  it('loses no entry when several processes put at once', async () => {
    const path = join(dir, 'keys.json');
    const children = ['p1', 'p2', 'p3'].map((prefix) => startWriter(['many', path, prefix, '10']));
    const codes = await Promise.all(children.map(async (c) => (await once(c, 'exit'))[0]));
    expect(codes).toEqual([0, 0, 0]);
    const names = await createJsonStore({ path }).list();
    expect(names).toHaveLength(30);
    for (const prefix of ['p1', 'p2', 'p3']) for (let i = 0; i < 10; i++) expect(names).toContain(`${prefix}-${i}`);
  }, 60_000);

  it('serializes concurrent puts from one process', async () => {
    const path = join(dir, 'keys.json');
    const a = createJsonStore({ path });
    const b = createJsonStore({ path });
    const { Secret } = await import('@creds/core');
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        (i % 2 ? a : b).put(`n${i}`, { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: new Secret(`s${i}`) }),
      ),
    );
    expect((await a.list()).sort()).toEqual(Array.from({ length: 20 }, (_, i) => `n${i}`).sort());
  });
});

describe('json store temp files of killed writers', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeEach(async () => {
    ({ dir, cleanup } = await makeTempDir());
  });
  afterEach(() => cleanup());

  const put = (path: string) =>
    import('@creds/core').then(({ Secret }) =>
      createJsonStore({ path }).put('acme/web', { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: new Secret('s') }),
    );

  it('removes the temp file a writer SIGKILLed between writing it and renaming it left behind, on the next open', async () => {
    const path = join(dir, 'keys.json');
    await put(path);
    const child = startWriter(['hang', path]);
    const [line] = (await once(child.stdout!, 'data')) as [Buffer];
    const temp = line.toString().trim().replace(/^tmp /, '');
    child.kill('SIGKILL');
    await once(child, 'exit');
    const left = (await readdir(dir)).filter((f) => f !== 'keys.json' && f !== 'keys.json.lock');
    expect(left).toEqual([temp.split('/').pop()]);
    expect(left[0]).toMatch(/^keys\.json\.\d+$/);

    expect(await createJsonStore({ path }).list()).toEqual(['acme/web']);
    expect(await readdir(dir)).toEqual(['keys.json']);
  });

  it('leaves a live writer’s temp file alone (it holds the lock), and other files that only look alike', async () => {
    const { writeFile } = await import('node:fs/promises');
    const { hostname } = await import('node:os');
    const path = join(dir, 'keys.json');
    await put(path);
    await writeFile(`${path}.123456`, 'in flight', { mode: 0o600 });
    await writeFile(`${path}.bak`, 'mine', { mode: 0o600 });
    await writeFile(`${path}.lock`, JSON.stringify({ pid: process.ppid, since: '2026-01-01T00:00:00.000Z', host: hostname() }));
    expect(await createJsonStore({ path }).list()).toEqual(['acme/web']);
    expect((await readdir(dir)).sort()).toEqual(['keys.json', 'keys.json.123456', 'keys.json.bak', 'keys.json.lock']);
    await (await import('node:fs/promises')).rm(`${path}.lock`);
    expect(await createJsonStore({ path }).list()).toEqual(['acme/web']);
    expect((await readdir(dir)).sort()).toEqual(['keys.json', 'keys.json.bak']);
  });
});

describe('json store lock recovery', () => {
  it('recovers a lock file left empty by a writer killed while creating it', async () => {
    const { writeFile, utimes } = await import('node:fs/promises');
    const { Secret } = await import('@creds/core');
    const { dir, cleanup } = await makeTempDir();
    try {
      const path = join(dir, 'keys.json');
      await writeFile(`${path}.lock`, '', { mode: 0o600 });
      const old = new Date(Date.now() - 60_000);
      await utimes(`${path}.lock`, old, old);
      await createJsonStore({ path, lockTimeoutMs: 5_000 }).put('acme/web', {
        accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
        secretAccessKey: new Secret('s'),
      });
      expect(await createJsonStore({ path }).list()).toEqual(['acme/web']);
    } finally {
      await cleanup();
    }
  });

  it('waits for a live holder and then says who holds the lock', async () => {
    const { writeFile } = await import('node:fs/promises');
    const { hostname } = await import('node:os');
    const { Secret } = await import('@creds/core');
    const { dir, cleanup } = await makeTempDir();
    try {
      const path = join(dir, 'keys.json');
      await writeFile(`${path}.lock`, JSON.stringify({ pid: process.ppid, since: '2026-01-01T00:00:00.000Z', host: hostname() }));
      await expect(
        createJsonStore({ path, lockTimeoutMs: 300 }).put('acme/web', { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: new Secret('s') }),
      ).rejects.toMatchObject({ code: 'STORE_LOCKED', message: expect.stringContaining(`pid ${process.ppid}`) });
    } finally {
      await cleanup();
    }
  });
});
