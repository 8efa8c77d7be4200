import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Lock, LockedError } from '../src/index.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'creds-lock-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('Lock', () => {
  it('refuses a second holder while the first is alive, naming its pid', () => {
    const first = new Lock(join(dir, 'j.lock'));
    first.acquire();
    expect(() => new Lock(join(dir, 'j.lock')).acquire()).toThrow(new RegExp(`locked by pid ${process.pid} since`));
    first.release();
    const second = new Lock(join(dir, 'j.lock'));
    second.acquire();
    second.release();
  });

  it('takes over the lock of a dead process', () => {
    writeFileSync(join(dir, 'j.lock'), JSON.stringify({ pid: 2 ** 22 + 12345, since: '2026-01-01T00:00:00Z', host: hostname() }));
    const lock = new Lock(join(dir, 'j.lock'));
    lock.acquire();
    lock.release();
  });

  it('takes over an empty lock file left by a writer killed mid-create, once it is not fresh', () => {
    const path = join(dir, 'j.lock');
    writeFileSync(path, '');
    expect(() => new Lock(path).acquire()).toThrow(LockedError);
    const old = new Date(Date.now() - 10_000);
    utimesSync(path, old, old);
    const lock = new Lock(path);
    lock.acquire();
    lock.release();
  });
});
