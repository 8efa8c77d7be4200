import type { RunRecord, Workflow } from '@creds/core';
import type { TargetConfig } from '../config/schema.js';
import type { TargetEnv } from '../env.js';

/** What a workflow is built from for one target. */
export interface BuildInput {
  target: TargetConfig;
  /** Targets that share this target's IAM user and key: their secrets are written with its own. */
  followers: readonly TargetConfig[];
  /** What the steps will see in `ctx.env` (clients, the key store, earlier outputs). */
  env: TargetEnv;
  /** The target's journal, oldest run first. */
  runs: readonly RunRecord[];
  /** The run being resumed or rolled back; none for a new run or a plan. */
  run?: RunRecord;
  /** How long to wait for a new key to work with STS. */
  verifyTimeoutMs?: number;
  /** Rotate: how long to wait for workflow runs that started before the switch, in GitHub ms (0: not at all). */
  drainTimeoutMs?: number;
  /** Rotate: retire the old key even when it was used after the drain. */
  force?: boolean;
}

/**
 * One workflow: its name (runs are journaled under it), the ids of its own steps (the journal is
 * keyed by them: renaming one breaks resume, rollback and drift), and how it is built. The journal
 * queries a workflow owns (what a rotation replaced, what setup attached) are exported beside it
 * from the same file, since only the module that names a step knows what its output means.
 */
export interface WorkflowModule<Name extends string = string> {
  readonly name: Name;
  /** The ids of the steps this workflow defines (steps it borrows are listed by their owner). */
  readonly steps: Readonly<Record<string, string>>;
  /**
   * Whether a target that shares another target's IAM user and key runs this workflow itself.
   * Usually not: the key owner's runs write its secrets. The keyless route's role is its own.
   */
  readonly runsForKeySharers?: boolean;
  build(input: BuildInput): Workflow<TargetEnv> | Promise<Workflow<TargetEnv>>;
}

/** A registry entry: a one-line summary for choices and help, and the module, loaded when needed. */
export interface WorkflowEntry {
  readonly summary: string;
  load(): Promise<WorkflowModule>;
}

/** Workflows by name. `workflowRegistry` holds creds' own; a program may pass a larger one to createCreds. */
export type WorkflowRegistry<Name extends string = string> = Readonly<Record<Name, WorkflowEntry>>;

/** What the step factories of a workflow take besides the target. */
export interface WorkflowOptions {
  /** How long to wait for a new key to work with STS (default 60 s). */
  verifyTimeoutMs?: number;
  /** Targets that share this target's IAM user and key: their secrets are written with its own. */
  followers?: readonly TargetConfig[];
  /** Rotate: how long to wait for workflow runs that started before the switch (GitHub ms; 0: not at all). 30 min by default. */
  drainTimeoutMs?: number;
  /** Rotate: deactivate the old key even when it was used after the drain. */
  force?: boolean;
  /** `store: { type: "none" }`: the key's secret goes from memory straight to GitHub (github-held-key.ts). */
  storeless?: boolean;
}
