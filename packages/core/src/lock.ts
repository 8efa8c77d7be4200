import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, statSync, unlinkSync, utimesSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { LockedError } from './errors.js';

/** A lock file with no holder written into it is taken over once it is this old. */
const HALF_WRITTEN_GRACE_MS = 2_000;

/** How often a holder touches its lock file, so a lock nobody touches any more can be told apart. */
export const LOCK_HEARTBEAT_MS = 10_000;

/**
 * A lock whose holder cannot be checked from here (another host) is taken over once it has gone
 * this long without a heartbeat: a live holder touches it every LOCK_HEARTBEAT_MS.
 */
export const LOCK_STALE_AFTER_MS = 120_000;

interface LockInfo {
  pid: number;
  since: string;
  host: string;
  /** Linux: the holder's start time (/proc/PID/stat field 22), so a reused pid is not taken for it. */
  startTime?: string;
  /** Linux: the boot the holder ran in; after a reboot every recorded pid is gone. */
  bootId?: string;
}

/** Who holds a lock, as recorded in its file. */
export interface LockHolder {
  pid: number;
  since: string;
  host: string;
}

/**
 * What is known of a lock's holder:
 * - `alive`: a process of this host with the recorded pid and start time runs: never taken over;
 * - `gone`: this host, and the pid is dead, reused by a process started later, or from an earlier
 *   boot: taken over at once;
 * - `unknown`: another host (or a pid this host cannot tell apart): taken over once the lock file
 *   has gone `staleAfterMs` without a heartbeat.
 */
export type LockState =
  | { state: 'free' }
  | { state: 'alive' | 'gone' | 'unknown'; holder: LockHolder; heartbeatAgeMs: number; staleAfterMs: number; reason: string };

export interface LockOptions {
  /** How long a lock of an uncheckable holder may go without a heartbeat (default LOCK_STALE_AFTER_MS). */
  staleAfterMs?: number;
}

/**
 * One holder at a time, across processes: a file created with O_EXCL holding the holder's pid,
 * host, start time and boot, touched every LOCK_HEARTBEAT_MS while held. A lock whose holder is
 * gone (same host: pid dead or reused, or an earlier boot) is taken over at once; one from another
 * host once its heartbeat has stopped for `staleAfterMs`.
 *
 * Written here rather than with proper-lockfile: that library detects staleness by mtime after a
 * timeout and records no holder, while creds must say "locked by pid N since T" and recover a
 * killed holder's lock at once.
 */
export class Lock {
  readonly path: string;
  readonly staleAfterMs: number;
  #held = false;
  #heartbeat: NodeJS.Timeout | undefined;

  constructor(path: string, options: LockOptions = {}) {
    this.path = path;
    this.staleAfterMs = options.staleAfterMs ?? LOCK_STALE_AFTER_MS;
  }

  acquire(): void {
    mkdirSync(dirname(this.path), { recursive: true, mode: 0o700 });
    const me: LockInfo = { pid: process.pid, since: new Date().toISOString(), host: hostname(), ...processIdentity(process.pid) };
    for (let attempt = 0; attempt < 5; attempt++) {
      if (this.#tryCreate(me)) {
        this.#held = true;
        this.#startHeartbeat();
        return;
      }
      const holder = this.#readHolder();
      if (holder === undefined) {
        // Gone between our calls (try again), or empty because its writer died between the
        // exclusive create and the write: once it is old enough not to be mid-write, take it over.
        if (this.#ageMs() > HALF_WRITTEN_GRACE_MS) this.#takeOverStale(undefined);
        continue;
      }
      const judged = this.#judge(holder);
      if (!takeable(judged)) throw this.#lockedError(judged);
      this.#takeOverStale(holder);
    }
    const holder = this.#readHolder();
    throw new LockedError(this.path, holder?.pid ?? 0, holder?.since ?? 'unknown');
  }

  /** Who holds the lock now, if it is not a lock that would be taken over (read-only). */
  holder(): LockHolder | undefined {
    const judged = this.inspect();
    return judged.state === 'free' || takeable(judged) ? undefined : judged.holder;
  }

  /** The lock's holder and whether it is alive, gone or cannot be checked from here (read-only). */
  inspect(): LockState {
    const info = this.#readHolder();
    if (!info) return { state: 'free' };
    return this.#judge(info);
  }

  /**
   * Removes the lock when its holder is not alive on this host (`creds unlock`); with `force`, also
   * one from another host whose heartbeat is still fresh. Returns what it found.
   */
  breakLock(options: { force?: boolean } = {}): LockState & { removed: boolean } {
    const judged = this.inspect();
    if (judged.state === 'free') return { ...judged, removed: false };
    if (judged.state === 'alive' || (judged.state === 'unknown' && !takeable(judged) && !options.force)) {
      return { ...judged, removed: false };
    }
    const info = this.#readHolder();
    if (!info) return { state: 'free', removed: false };
    try {
      this.#takeOverStale(info);
    } catch (error) {
      if (error instanceof LockedError) return { ...this.inspect(), removed: false } as LockState & { removed: boolean };
      throw error;
    }
    return { ...judged, removed: true };
  }

  release(): void {
    if (!this.#held) return;
    this.#held = false;
    clearInterval(this.#heartbeat);
    this.#heartbeat = undefined;
    try {
      unlinkSync(this.path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }

  #startHeartbeat(): void {
    this.#heartbeat = setInterval(() => {
      const now = new Date();
      try {
        utimesSync(this.path, now, now);
      } catch {
        // Removed by `creds unlock --force` or a crash of the folder: the next acquire sees it.
      }
    }, LOCK_HEARTBEAT_MS);
    this.#heartbeat.unref();
  }

  #judge(info: LockInfo): Exclude<LockState, { state: 'free' }> {
    const holder = { pid: info.pid, since: info.since, host: info.host };
    const base = { holder, heartbeatAgeMs: this.#ageMs(), staleAfterMs: this.staleAfterMs };
    if (info.host !== hostname()) return { state: 'unknown', ...base, reason: `it runs on host ${info.host}, which cannot be checked from here` };
    const now = processIdentity(info.pid);
    if (info.bootId && now.bootId && info.bootId !== now.bootId) return { state: 'gone', ...base, reason: 'it ran before this machine restarted' };
    if (!isAlive(info.pid)) return { state: 'gone', ...base, reason: `pid ${info.pid} is not running` };
    if (info.startTime && now.startTime) {
      return info.startTime === now.startTime
        ? { state: 'alive', ...base, reason: `pid ${info.pid} is running` }
        : { state: 'gone', ...base, reason: `pid ${info.pid} now belongs to another process (started later)` };
    }
    // Linux records a start time; elsewhere a live pid is taken to be the holder.
    if (now.startTime && !info.startTime) return { state: 'unknown', ...base, reason: `pid ${info.pid} runs, but the lock does not say when its holder started` };
    return { state: 'alive', ...base, reason: `pid ${info.pid} is running` };
  }

  #lockedError(judged: Exclude<LockState, { state: 'free' }>): LockedError {
    const { holder } = judged;
    const bound = Math.round(this.staleAfterMs / 1000);
    const hint =
      judged.state === 'alive'
        ? `another creds run (pid ${holder.pid}) is working on this target; wait for it to finish. The lock is ${this.path}; \`creds unlock\` removes it once that process is gone`
        : `${judged.reason}: the lock ${this.path} is taken over once it has gone ${bound} s without its holder's heartbeat (last ${Math.round(judged.heartbeatAgeMs / 1000)} s ago); if that run is gone, \`creds unlock --force\` removes it now`;
    return new LockedError(this.path, holder.pid, holder.since, { ...(holder.host !== hostname() ? { host: holder.host } : {}), hint });
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

/** A lock is taken over when its holder is gone, or cannot be checked and its heartbeat stopped. */
function takeable(judged: Exclude<LockState, { state: 'free' }>): boolean {
  return judged.state === 'gone' || (judged.state === 'unknown' && judged.heartbeatAgeMs > judged.staleAfterMs);
}

/**
 * On Linux: when the process started (clock ticks since boot, field 22 of /proc/PID/stat, read
 * after the command name, which may hold spaces and parentheses) and the boot it runs in.
 * Elsewhere: nothing, and a live pid counts as the holder.
 */
export function processIdentity(pid: number): { startTime?: string; bootId?: string } {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields after the name start at field 3 (state), so field 22 is index 19.
    const startTime = fields[19];
    const bootId = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    return startTime ? { startTime, bootId } : {};
  } catch {
    return {};
  }
}

/**
 * Runs `task` holding the lock at `path`. While another live process holds it, waits (polling with
 * jitter) up to `timeoutMs`; then throws the LockedError that names the holder.
 */
export async function withLock<T>(path: string, timeoutMs: number, task: () => Promise<T>): Promise<T> {
  const lock = new Lock(path);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      lock.acquire();
      break;
    } catch (error) {
      if (!(error instanceof LockedError) || Date.now() >= deadline) throw error;
      await sleep(10 + Math.random() * 40);
    }
  }
  try {
    return await task();
  } finally {
    lock.release();
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
