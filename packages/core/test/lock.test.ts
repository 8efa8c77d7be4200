import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LOCK_STALE_AFTER_MS, Lock, LockedError, processIdentity } from '../src/index.js';

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

const linux = existsSync('/proc/self/stat');

/** The LockedError a new acquire of `path` throws (undefined when it gets the lock). */
function refusalOf(path: string): LockedError | undefined {
  try {
    new Lock(path).acquire();
  } catch (e) {
    return e as LockedError;
  }
  return undefined;
}

describe('Lock: holders that are gone, and holders that cannot be checked', () => {
  let child: ChildProcess | undefined;
  afterEach(() => {
    child?.kill('SIGKILL');
    child = undefined;
  });
  /** A real process that is not a creds run: its pid is live. */
  const sleeper = async () => {
    child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)'], { stdio: 'ignore' });
    await new Promise((resolve) => child!.once('spawn', resolve));
    return child.pid!;
  };
  const writeLock = (info: Record<string, unknown>, ageMs = 0) => {
    const path = join(dir, 'j.lock');
    writeFileSync(path, JSON.stringify({ since: '2026-01-01T00:00:00Z', host: hostname(), ...info }));
    const at = new Date(Date.now() - ageMs);
    utimesSync(path, at, at);
    return path;
  };

  it('records its own start time and boot (Linux), and knows itself to be alive', () => {
    const lock = new Lock(join(dir, 'j.lock'));
    lock.acquire();
    const found = lock.inspect();
    expect(found).toMatchObject({ state: linux ? 'alive' : 'alive', holder: { pid: process.pid, host: hostname() } });
    if (linux) expect(processIdentity(process.pid).startTime).toMatch(/^\d+$/);
    lock.release();
    expect(lock.inspect()).toEqual({ state: 'free' });
  });

  it.runIf(linux)('a live process that is the recorded holder: refused, naming the lock file and creds unlock', async () => {
    const pid = await sleeper();
    const path = writeLock({ pid, ...processIdentity(pid) });
    const error = refusalOf(path);
    expect(error).toBeInstanceOf(LockedError);
    expect(error!.message).toContain(`locked by pid ${pid}`);
    expect(error!.message).toContain(path);
    expect(error!.hint).toMatch(/creds unlock/);
    expect(new Lock(path).breakLock()).toMatchObject({ state: 'alive', removed: false });
    expect(existsSync(path)).toBe(true);
  });

  it.runIf(linux)('a live pid whose start time is not the recorded one: the holder is gone, taken over at once', async () => {
    const pid = await sleeper();
    const path = writeLock({ pid, startTime: '1', bootId: processIdentity(pid).bootId });
    expect(new Lock(path).inspect()).toMatchObject({ state: 'gone', reason: expect.stringMatching(/another process/) });
    const lock = new Lock(path);
    lock.acquire();
    expect(lock.inspect()).toMatchObject({ state: 'alive', holder: { pid: process.pid } });
    lock.release();
  });

  it.runIf(linux)('a holder killed with SIGKILL: taken over at once', async () => {
    const pid = await sleeper();
    const path = writeLock({ pid, ...processIdentity(pid) });
    expect(() => new Lock(path).acquire()).toThrow(LockedError);
    const exited = new Promise((resolve) => child!.once('exit', resolve));
    child!.kill('SIGKILL');
    await exited;
    const lock = new Lock(path);
    lock.acquire();
    lock.release();
  });

  it.runIf(linux)('a lock from before a restart (another boot id): gone', async () => {
    const pid = await sleeper();
    const path = writeLock({ pid, startTime: processIdentity(pid).startTime, bootId: 'another-boot' });
    expect(new Lock(path).inspect()).toMatchObject({ state: 'gone' });
  });

  it('another host: refused while its heartbeat is fresh, with the bound and the path; taken over after it', () => {
    const path = writeLock({ pid: process.pid, host: 'ci-runner-7f3a' }, 5_000);
    const error = refusalOf(path);
    expect(error).toBeInstanceOf(LockedError);
    expect(error!.message).toContain('on ci-runner-7f3a');
    expect(error!.hint).toContain(`${LOCK_STALE_AFTER_MS / 1000} s`);
    expect(error!.hint).toContain(path);
    expect(error!.hint).toMatch(/creds unlock --force/);
    expect(new Lock(path).holder()).toMatchObject({ host: 'ci-runner-7f3a' });
    expect(new Lock(path).breakLock()).toMatchObject({ state: 'unknown', removed: false });
    writeLock({ pid: process.pid, host: 'ci-runner-7f3a' }, LOCK_STALE_AFTER_MS + 1_000);
    expect(new Lock(path).holder()).toBeUndefined();
    const lock = new Lock(path);
    lock.acquire();
    lock.release();
  });

  it('creds unlock --force removes a fresh lock of another host', () => {
    const path = writeLock({ pid: 4242, host: 'laptop-of-someone' });
    expect(new Lock(path).breakLock({ force: true })).toMatchObject({ state: 'unknown', removed: true });
    expect(existsSync(path)).toBe(false);
  });
});
