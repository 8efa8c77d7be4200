import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeSync, fsyncSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import type { KeyPair } from './crypto.js';

/** One secret as the sandbox holds it. The value is kept decrypted: this is a test double. */
export interface SecretRecord {
  name: string;
  value: string;
  createdAt: string;
  updatedAt: string;
  visibility?: 'all' | 'private' | 'selected';
  selectedRepositoryIds?: number[];
}

export interface VariableRecord {
  name: string;
  value: string;
  createdAt: string;
  updatedAt: string;
  visibility?: 'all' | 'private' | 'selected';
  selectedRepositoryIds?: number[];
}

/** What every secret scope has: its key pair, its secrets and its variables (keyed upper-case). */
export interface ScopeState {
  key: KeyPair;
  secrets: Record<string, SecretRecord>;
  variables: Record<string, VariableRecord>;
}

/** A workflow run's status (`GET …/actions/runs?status=`): the live ones, then `completed`. */
export type RunStatus = 'requested' | 'queued' | 'pending' | 'waiting' | 'in_progress' | 'completed';
export type RunConclusion = 'success' | 'failure' | 'cancelled' | 'neutral' | 'skipped' | 'stale' | 'timed_out' | 'action_required';

/** One workflow run. A run reads its secrets when it starts: `secrets` is what it got then. */
export interface RunRecord {
  id: number;
  runNumber: number;
  name: string;
  event: string;
  headBranch: string;
  status: RunStatus;
  conclusion: RunConclusion | null;
  createdAt: string;
  updatedAt: string;
  /** Set when the run left the queue. */
  runStartedAt?: string;
  environment?: string;
  /** Secret values (by upper-case name) the run was given when it started; absent while queued. */
  secrets?: Record<string, string>;
}

export interface RepoState extends ScopeState {
  id: number;
  owner: string;
  name: string;
  private: boolean;
  environments: Record<string, EnvironmentState>;
  /** Absent in state files written before runs existed. */
  runs?: RunRecord[];
}

/** A deployment environment: a secret scope with its own id and times (absent in older state files). */
export interface EnvironmentState extends ScopeState {
  id?: number;
  createdAt?: string;
  updatedAt?: string;
}

export interface OrgState extends ScopeState {
  id: number;
  login: string;
}

export interface TokenState {
  token: string;
  login: string;
  /** Classic token scopes (`repo`, `admin:org`, …); absent means not a classic token. */
  scopes?: string[];
  /** Fine-grained permissions (`secrets: 'write'`, …); absent means not fine-grained. */
  permissions?: Record<string, 'read' | 'write'>;
  /** Fine-grained tokens see only these repositories (`owner/name`); absent means all. */
  repositories?: string[];
  /** The token's user is not an admin of the repositories it sees (admin when absent). */
  notAdmin?: boolean;
  /** An installation token: the installation it was minted for (403s say "by integration"). */
  installationId?: number;
  /** Installation tokens see only this account's repositories and organization. */
  account?: string;
  /** Real epoch ms after which the token is refused (401 "Bad credentials"). */
  expiresAt?: number;
}

export interface AppState {
  id: number;
  clientId: string;
  slug: string;
  name: string;
  owner: string;
  /** SPKI PEM: the sandbox only verifies; the private key goes to whoever added the app. */
  publicKeyPem: string;
  permissions: Record<string, 'read' | 'write'>;
  /** Installation token lifetime in sandbox (unscaled) seconds. */
  tokenLifetimeSeconds: number;
  createdAt: string;
}

export interface InstallationState {
  id: number;
  appId: number;
  /** The account's login as given; `accountType` as GitHub names it. */
  account: string;
  accountType: 'User' | 'Organization';
  permissions: Record<string, 'read' | 'write'>;
  /** `owner/name` of the selected repositories; absent means all of the account's. */
  repositories?: string[];
  createdAt: string;
  updatedAt: string;
}

export interface WorldState {
  version: 1;
  nextId: number;
  nextKeyId: number;
  tokens: Record<string, TokenState>;
  /** Keyed by `owner/name` lower-cased (GitHub matches repository names case-insensitively). */
  repos: Record<string, RepoState>;
  /** Keyed by login lower-cased. */
  orgs: Record<string, OrgState>;
  /** GitHub Apps by id (absent in state files written before apps existed). */
  apps?: Record<string, AppState>;
  installations?: Record<string, InstallationState>;
}

export function emptyWorld(): WorldState {
  return { version: 1, nextId: 1000, nextKeyId: 1, tokens: {}, repos: {}, orgs: {}, apps: {}, installations: {} };
}

/**
 * The world, in memory or in a JSON file shared by processes. With a file, every read reloads it
 * when another process changed it, and every change is a locked read-modify-write replaced
 * atomically (write to a temp file, fsync, rename), so concurrent servers and consecutive CLI runs
 * see one world.
 */
export class WorldStore {
  readonly #file: string | undefined;
  #state: WorldState;
  #stamp = '';

  constructor(file: string | undefined) {
    this.#file = file;
    this.#state = emptyWorld();
    if (file) {
      mkdirSync(dirname(file), { recursive: true });
      this.#reload();
    }
  }

  /** The current world, for reading only. */
  read(): WorldState {
    if (this.#file) this.#reload();
    return this.#state;
  }

  /** Applies a change under the file lock; the change sees the newest state. */
  mutate<T>(change: (state: WorldState) => T): T {
    if (!this.#file) return change(this.#state);
    const release = lockFile(`${this.#file}.lock`);
    try {
      this.#reload();
      const result = change(this.#state);
      this.#write();
      return result;
    } finally {
      release();
    }
  }

  #reload(): void {
    const file = this.#file!;
    if (!existsSync(file)) return;
    const st = statSync(file);
    const stamp = `${st.ino}:${st.mtimeMs}:${st.size}`;
    if (stamp === this.#stamp) return;
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as WorldState;
    if (parsed.version !== 1) throw new Error(`sandbox state ${file}: unsupported version ${String(parsed.version)}`);
    this.#state = parsed;
    this.#stamp = stamp;
  }

  #write(): void {
    const file = this.#file!;
    const tmp = `${file}.${process.pid}.tmp`;
    const fd = openSync(tmp, 'w', 0o600);
    try {
      writeSync(fd, JSON.stringify(this.#state, null, 2));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, file);
    const st = statSync(file);
    this.#stamp = `${st.ino}:${st.mtimeMs}:${st.size}`;
  }
}

const LOCK_STALE_MS = 10_000;
const LOCK_WAIT_MS = 5_000;

/**
 * A lock file taken with O_EXCL, holding its holder's pid, host and (Linux) start time. A holder of
 * this host that is dead, or whose pid now belongs to a later process, is gone: its lock is removed
 * at once, so a run right after a kill finds the world free. A lock that says nothing checkable
 * (another host, an empty file) is taken to be left by a dead process once it is 10 s old.
 */
function lockFile(path: string): () => void {
  const deadline = Date.now() + LOCK_WAIT_MS;
  const pause = new Int32Array(new SharedArrayBuffer(4));
  const me = JSON.stringify({ pid: process.pid, host: hostname(), startTime: startTimeOf(process.pid) });
  for (;;) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, me);
      closeSync(fd);
      return () => {
        try {
          unlinkSync(path);
        } catch {
          // already gone
        }
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      try {
        if (holderGone(path) || Date.now() - statSync(path).mtimeMs > LOCK_STALE_MS) unlinkSync(path);
      } catch {
        // released meanwhile
      }
      if (Date.now() > deadline) throw new Error(`sandbox state lock ${path} is held by another process`);
      Atomics.wait(pause, 0, 0, 5);
    }
  }
}

/** Whether the lock's recorded holder is a process of this host that is no longer running. */
function holderGone(path: string): boolean {
  let holder: { pid?: unknown; host?: unknown; startTime?: unknown };
  try {
    holder = JSON.parse(readFileSync(path, 'utf8')) as typeof holder;
  } catch {
    return false;
  }
  if (typeof holder.pid !== 'number' || holder.host !== hostname()) return false;
  try {
    process.kill(holder.pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
  const now = startTimeOf(holder.pid);
  return typeof holder.startTime === 'string' && now !== undefined && now !== holder.startTime;
}

/** Linux: a process's start time, field 22 of /proc/PID/stat (after the parenthesised name). */
function startTimeOf(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}
