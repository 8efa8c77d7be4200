import type { EngineEvent, KeyStore, Logger } from '@creds/core';
import type { GitHubAppCredentials } from '@creds/github-secrets';
import type { StoreConfig } from './config/schema.js';
import type { WorkflowName } from './workflows/registry.js';

export type { WorkflowName };

export interface AwsOptions {
  /** Named profile from ~/.aws (otherwise the default provider chain decides). */
  profile?: string;
  /** Explicit credentials (SetupGitHubRepo users, tests). */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** Endpoints; AWS_ENDPOINT_URL_IAM / AWS_ENDPOINT_URL_STS / AWS_ENDPOINT_URL are honoured without this. */
  endpoints?: { iam?: string; sts?: string };
}

/** A GitHub App: its App ID (or client ID), its private key (never logged), optionally the installation to use. */
export type GitHubAppOptions = GitHubAppCredentials;

export interface GitHubOptions {
  /**
   * Token; otherwise a GitHub App (`app`, else CREDS_GITHUB_APP_ID with CREDS_GITHUB_APP_PRIVATE_KEY
   * or CREDS_GITHUB_APP_PRIVATE_KEY_FILE, else the config's `githubApp`), otherwise GH_TOKEN,
   * GITHUB_TOKEN, or `gh auth token`.
   */
  token?: string;
  /** Authenticate as a GitHub App installation: installation tokens are minted, cached and refreshed. */
  app?: GitHubAppOptions;
  /** API base URL; otherwise GITHUB_API_URL, or https://api.github.com. */
  baseUrl?: string;
  /** Real milliseconds per GitHub millisecond for rate-limit waits and write gaps (sandbox: 0.001). */
  timeScale?: number;
}

/** An engine event, tagged with the target it belongs to; plus fleet-level events. */
export type CredsEvent =
  | (EngineEvent & { target: string })
  | { type: 'target-started'; target: string; workflow: string }
  | { type: 'target-finished'; target: string; workflow: string; status: TargetResult['status']; durationMs: number };

/** How one `run` goes, besides the workflow. */
export interface RunOptions {
  /** Continue the target's unfinished run from its journal. */
  resume?: boolean;
  /** Rotate: only keys older than this (`90d`). */
  olderThan?: string;
  /** Rotate: how long to wait for workflow runs that started before the switch (`30m`, `90s`; `0`: not at all); rotation.drainTimeout by default. */
  drainTimeout?: string;
  /** Rotate: retire the old key even when something used it after the drain. */
  force?: boolean;
}

export interface CredsOptions {
  /** Only these target names; every target in the config by default. */
  targets?: string[];
  aws?: AwsOptions;
  github?: GitHubOptions;
  /** Use this store instead of the one the config names. */
  store?: KeyStore;
  logger?: Logger;
  onEvent?: (event: CredsEvent) => void;
  /** Abort to stop after the steps in flight (Ctrl-C); runs stay resumable. */
  signal?: AbortSignal;
  /** Steps at once within one target (default 4; 1 forces one at a time). */
  concurrency?: number;
  /** Targets at once in a fleet (default 4). */
  targetConcurrency?: number;
  /** How long to wait for a new key to work with STS (default 60 s). */
  verifyTimeoutMs?: number;
  /**
   * The step runner's retry: how often a step that failed for a passing reason is tried again, and
   * the total time per step after which no retry starts (default 8 and 120 s). It is the one retry
   * layer: the AWS and GitHub clients make each call once (status reads are retried the same way).
   */
  retry?: { retries?: number; maxElapsedMs?: number };
  /** pino level of the engine's log (stderr), when no `logger` is given: `info`, `debug`, … */
  logLevel?: string;
}

/** Why a target cannot start a new run right now. */
export interface BlockedTarget {
  target: string;
  /** The newest run, or a rollback, did not finish. */
  unfinished?: { kind: 'run' | 'rollback'; workflow: string; runId: string };
  /** A process holds the target's lock that is alive, or cannot be checked and kept its heartbeat. */
  lockedBy?: LockedBy;
}

/** Who holds a target's lock, and when it would be taken over. */
export interface LockedBy {
  pid: number;
  since: string;
  host: string;
  /** The lock file. */
  lockPath: string;
  /** `alive`: a process of this host; `unknown`: another host, which cannot be checked from here. */
  state: 'alive' | 'unknown';
  /** Why the holder counts as alive or cannot be checked. */
  reason: string;
  /** `unknown` only: how long until the lock is taken over if its heartbeat stays stopped. */
  takeOverInMs?: number;
}

/** What `unlock` did on one target. */
export interface UnlockResult {
  target: string;
  lockPath: string;
  /** `free`: there was no lock; `removed`: its holder was gone (or --force); `refused`: the holder may be alive. */
  outcome: 'free' | 'removed' | 'refused';
  holder?: { pid: number; since: string; host: string };
  /** What was known of the holder: alive on this host, gone, or on another host (cannot be checked). */
  holderState?: 'alive' | 'gone' | 'unknown';
  reason?: string;
}

/** Why a run may not start on a target now, and what would let it. */
export interface RunRefusal {
  target: string;
  code: 'LOCKED' | 'UNFINISHED_RUN' | 'WORKFLOW_MISMATCH';
  message: string;
  /** What lets it go ahead: wait for the other process, resume the unfinished run, or roll it back. */
  next: Array<
    | { action: 'wait'; takeOverInMs?: number }
    | { action: 'unlock'; force: boolean }
    | { action: 'resume'; workflow: string }
    | { action: 'rollback' }
  >;
}

/** What `rollback` would undo on one target: the engine's own choice of run, steps and order. Read-only. */
export interface RollbackPlan {
  target: string;
  /** The run it undoes: the newest one not yet rolled back. */
  run?: {
    runId: string;
    workflow: string;
    startedAt: string;
    status: 'in-progress' | 'succeeded' | 'failed';
    /** A rollback of this run began and did not finish: this one finishes it. */
    continues: boolean;
  };
  /**
   * The steps it undoes, in the order the engine starts them: every step of the run that started
   * (succeeded, failed, or cut off by a crash) and has an undo, minus what an earlier rollback undid.
   */
  steps: Array<{ stepId: string; title: string; state: 'started' | 'succeeded' | 'failed' }>;
  /** Why this target has nothing of its own to roll back. */
  skipped?: { code: string; message: string };
}

export interface TargetResult {
  target: string;
  workflow: string;
  status: 'succeeded' | 'failed' | 'interrupted' | 'skipped';
  runId?: string;
  applied?: string[];
  skipped?: string[];
  undone?: string[];
  /** Rollback: steps that had nothing of the run's to reverse (it changed nothing there). */
  unchanged?: string[];
  /** Why it failed or was skipped; the hint says what to do next. */
  error?: { code: string; message: string; hint?: string; stepId?: string };
  durationMs: number;
}

export interface PlannedChange {
  stepId: string;
  title: string;
  action: 'create' | 'update' | 'delete' | 'drift';
  resource: string;
  detail?: string;
}

export interface TargetPlan {
  target: string;
  workflow: string;
  inSync: boolean;
  changes: PlannedChange[];
  /** Checks that could not run (e.g. a read was denied), each with code and message. */
  errors: Array<{ stepId: string; code: string; message: string }>;
  notes: string[];
}

export interface KeyStatus {
  accessKeyId: string;
  status: 'Active' | 'Inactive';
  createdAt: string;
  lastUsedAt?: string;
  /** Whether the configured store holds this key's secret (never, with store none). */
  inStore: boolean;
  /** Store none: whether GitHub's key secrets hold this key (written at or after its CreateDate). */
  inGitHub?: boolean;
  /** Older than rotation.maxKeyAge. */
  old: boolean;
  /** Not used for rotation.unusedAfter (or never used and older than that). */
  unused: boolean;
}

export interface SecretStatus {
  name: string;
  kind: 'secret' | 'variable';
  /** Where it is: `repo:owner/name`, `env:owner/name:env`, `org:name`. */
  scope: string;
  exists: boolean;
  updatedAt?: string;
  /** Changed outside creds since creds last wrote it. */
  drifted: boolean;
}

/** The keyless route of a target with an oidc section: provider, role, trust, policies, the role ARN's variable. */
export interface OidcStatus {
  /**
   * Whether the route is set up: a run made the role and nothing took it away since, or the role or
   * its variable exists. When not, nothing missing counts as drift (`creds run oidc` sets it up).
   */
  setUp: boolean;
  provider: {
    /** The issuer's host, e.g. token.actions.githubusercontent.com. */
    host: string;
    arn?: string;
    exists: boolean;
    /** The journal says creds created it (only then may teardown delete it). */
    createdByCreds: boolean;
  };
  role: { name: string; arn?: string; exists: boolean; owned: boolean; tagDrift: string[] };
  /** The `sub` patterns the role's trust policy admits, against those the config asks for. */
  subjects: { wanted: string[]; trusted: string[]; drifted: boolean };
  /** Absent when the config has no iam.policy. */
  inlinePolicy?: { name: string; state: 'in-sync' | 'missing' | 'drifted' };
  managedPolicies: Array<{ arn: string; attached: boolean }>;
  /** The Actions variable (or secret) holding the role ARN; `value` for a variable only. */
  roleArn: { name: string; kind: 'secret' | 'variable'; scope: string; exists: boolean; value?: string; drifted: boolean };
}

export interface TargetStatus {
  target: string;
  inSync: boolean;
  /** How creds reaches GitHub for this target: `token (GH_TOKEN)`, `GitHub App 123, installation 456 (octo)`. */
  githubAuth?: string;
  /** The key route's IAM user, policy and store: absent for a keyless-only target (no iam.userName). */
  user?: { name: string; exists: boolean; owned: boolean; tagDrift: string[] };
  inlinePolicy?: { name: string; state: 'in-sync' | 'missing' | 'drifted' };
  managedPolicies: Array<{ arn: string; attached: boolean }>;
  keys: KeyStatus[];
  /** `copy: false` for store none: no stored copy to compare; keys are judged by IAM and the secrets' metadata. */
  store?: { type: string; where: string; holdsKey: boolean; copy?: false };
  secrets: SecretStatus[];
  /** The keyless route, for a target with an oidc section. */
  oidc?: OidcStatus;
  /** Every drift found, one line each, for people. */
  drift: string[];
}

export interface DoctorCheck {
  name: string;
  ok: boolean;
  detail: string;
  hint?: string;
}

export interface RunSummary {
  runId: string;
  workflow: string;
  startedAt: string;
  finishedAt?: string;
  status: 'in-progress' | 'succeeded' | 'failed';
  resumes: number;
  rollback?: 'in-progress' | 'succeeded' | 'failed';
  steps: Array<{ stepId: string; state: 'started' | 'succeeded' | 'failed'; error?: string; undo?: string }>;
}

export interface MigrationReport {
  from: string;
  to: string;
  entries: Array<{ name: string; status: 'moved' | 'failed' | 'skipped'; error?: string }>;
}

/** The library front-end: everything the CLI does, for programs too. `Name`: the workflows of its registry. */
export interface Creds<Name extends string = WorkflowName> {
  /** Target names this instance works on. */
  readonly targets: readonly string[];
  plan(workflow: Name): Promise<TargetPlan[]>;
  run(workflow: Name, options?: RunOptions): Promise<TargetResult[]>;
  rollback(): Promise<TargetResult[]>;
  /** What rollback() would undo, per target, without changing anything. */
  planRollback(): Promise<RollbackPlan[]>;
  status(): Promise<TargetStatus[]>;
  doctor(): Promise<DoctorCheck[]>;
  history(): Array<{ target: string; runs: RunSummary[] }>;
  /** Targets that cannot start a new run now (unfinished run or rollback, or locked), read-only. */
  blocked(): BlockedTarget[];
  /**
   * Why `run(workflow, { resume })` would be refused, per target, before anything is asked or
   * read from AWS: the engine's own rules (a live lock, an unfinished rollback, a new run over an
   * unfinished one, resuming a run of another workflow). Empty when it may go ahead.
   */
  refusals(workflow: Name, options?: { resume?: boolean }): RunRefusal[];
  /**
   * Removes each target's journal lock whose holder is gone; refuses one whose holder is alive on
   * this host, or (without `force`) runs on another host and still keeps its heartbeat.
   */
  unlock(options?: { force?: boolean }): UnlockResult[];
  migrateStore(to: StoreConfig): Promise<MigrationReport>;
}
