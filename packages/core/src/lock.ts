import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { LockedError } from './errors.js';

/** A lock file with no holder written into it is taken over once it is this old. */
const HALF_WRITTEN_GRACE_MS = 2_000;

interface LockInfo {
  pid: number;
  since: string;
  host: string;
}

/**
 * One holder at a time, across processes: a file created with O_EXCL holding the holder's pid.
 * A lock whose holder is dead (same host, pid gone) is taken over.
 *
 * Written here rather than with proper-lockfile: that library detects staleness by mtime after a
 * timeout and records no holder, while creds must say "locked by pid N since T" and recover a
 * killed holder's lock at once.
 */
export class Lock {
  readonly path: string;
  #held = false;

  constructor(path: string) {
    this.path = path;
  }

  acquire(): void {
    mkdirSync(dirname(this.path), { recursive: true, mode: 0o700 });
    const me: LockInfo = { pid: process.pid, since: new Date().toISOString(), host: hostname() };
    for (let attempt = 0; attempt < 5; attempt++) {
      if (this.#tryCreate(me)) {
        this.#held = true;
        return;
      }
      const holder = this.#readHolder();
      if (holder === undefined) {
        // Gone between our calls (try again), or empty because its writer died between the
        // exclusive create and the write: once it is old enough not to be mid-write, take it over.
        if (this.#ageMs() > HALF_WRITTEN_GRACE_MS) this.#takeOverStale(undefined);
        continue;
      }
      if (holder.host !== me.host || isAlive(holder.pid)) {
        throw new LockedError(this.path, holder.pid, holder.since);
      }
      this.#takeOverStale(holder);
    }
    const holder = this.#readHolder();
    throw new LockedError(this.path, holder?.pid ?? 0, holder?.since ?? 'unknown');
  }

  /** Who holds the lock now, if a live process does (read-only: for "is it busy?" questions). */
  holder(): { pid: number; since: string } | undefined {
    const info = this.#readHolder();
    if (!info || (info.host === hostname() && !isAlive(info.pid))) return undefined;
    return { pid: info.pid, since: info.since };
  }

  release(): void {
    if (!this.#held) return;
    this.#held = false;
    try {
      unlinkSync(this.path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }

  #tryCreate(info: LockInfo): boolean {
    let fd: number;
    try {
      fd = openSync(this.path, 'wx', 0o600);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw error;
    }
    try {
      writeSync(fd, JSON.stringify(info));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    return true;
  }

  #readHolder(path = this.path): LockInfo | undefined {
    try {
      const info = JSON.parse(readFileSync(path, 'utf8')) as LockInfo;
      return typeof info.pid === 'number' ? info : undefined;
    } catch {
      return undefined;
    }
  }

  /**
   * Moves the dead holder's file aside (rename is atomic, so of two processes recovering at once
   * only one gets it), checks it really was the dead holder's, and removes it.
   */
  #ageMs(): number {
    try {
      return Date.now() - statSync(this.path).mtimeMs;
    } catch {
      return 0;
    }
  }

  #takeOverStale(stale: LockInfo | undefined): void {
    const aside = `${this.path}.stale-${process.pid}`;
    try {
      renameSync(this.path, aside);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    const moved = this.#readHolder(aside);
    if (moved && (moved.pid !== stale?.pid || moved.since !== stale?.since)) {
      // Someone else recovered first and had taken the lock; give it back.
      renameSync(aside, this.path);
      throw new LockedError(this.path, moved.pid, moved.since);
    }
    unlinkSync(aside);
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
