import type { Logger } from './logger.js';

/** What a step's read-only check found: in sync, or the changes apply would make. */
export type CheckResult =
  | { inSync: true; notes?: string[] }
  | { inSync: false; changes: Change[]; notes?: string[] };

export interface Change {
  action: 'create' | 'update' | 'delete' | 'drift';
  /** What is changed, for people: `IAM user ci-deployer`, `secret AWS_ACCESS_KEY_ID`. */
  resource: string;
  detail?: string;
}

export interface StepContext<Env = unknown> {
  /** What the workflow was given: clients, config, store. */
  readonly env: Env;
  readonly runId: string;
  readonly workflow: string;
  readonly stepId: string;
  /** Aborted when the run is being stopped; long waits should give up early. */
  readonly signal: AbortSignal;
  readonly logger: Logger;
  /** The output of a step that succeeded in this run (or earlier in a resumed run). */
  output<T = unknown>(stepId: string): T | undefined;
  /** Report progress to front-ends: "waiting 12 s for IAM propagation". */
  progress(message: string, data?: Record<string, unknown>): void;
  /** Something a person must know (shown in the run's or rollback's output): "its old value cannot be restored". */
  warn(message: string): void;
  /**
   * Journals (fsync'd) what apply found before its first change in this run — whether a resource
   * existed, what it held — so that a resumed apply and an undo after a crash know what this run
   * made and what was there before. Only the first note of a step in a run is kept: a resumed
   * attempt that calls it again changes nothing.
   */
  record(note: unknown): void;
  /** The note this step recorded in this run (in any attempt), if any; undo reads it too. */
  recorded<T = unknown>(): T | undefined;
  /**
   * In an undo: its run changed nothing here to reverse (a resource that was there before, a step
   * that found everything in place). The rollback reports the step as unchanged, with the reason,
   * not as undone. Ignored in apply.
   */
  unchanged(reason: string): void;
}

/**
 * A unit of work. `id` is explicit and stable: the journal is keyed by it.
 * - `apply` is idempotent (running it again after it succeeded, or after a crash half-way, reaches
 *   the same state) and returns a JSON-serializable output with no secret in it.
 * - `undo` reverses what this run's apply changed, named by what the journal recorded (apply's
 *   output, or — when apply started but never recorded an end, a crash mid-step — the note it
 *   recorded before its first change; no note means it changed nothing). What was there before the
 *   run is left alone, and a step whose apply changed nothing undoes nothing. An undo that writes
 *   a value back (rather than deleting) may return what it wrote, in apply's output shape: the
 *   journal keeps it as the record of that step (what later drift checks compare against).
 * - `check` is read-only and reports what apply would change.
 */
export interface Step<Env = unknown, Out = unknown> {
  readonly id: string;
  readonly title: string;
  readonly dependsOn?: readonly string[];
  /**
   * The step changes nothing outside the journal: it reads and checks (a preflight, a wait, a
   * probe that cannot change anything). The journal marks its start so: a failed or interrupted run
   * in which only read-only steps started wrote nothing, so it keeps no new run from starting, a
   * `resume` of it starts the workflow afresh and its rollback undoes nothing (see `wroteNothing`).
   * A step that may write anything at all leaves it unset.
   */
  readonly readOnly?: boolean;
  apply(ctx: StepContext<Env>): Promise<Out>;
  // biome-ignore lint/suspicious/noConfusingVoidType: most undos delete and return nothing
  undo?(ctx: StepContext<Env>, output: Out | undefined): Promise<Out | void>;
  check?(ctx: StepContext<Env>): Promise<CheckResult>;
}

/** Type-checks a step definition without widening its output type. */
export function defineStep<Env, Out>(step: Step<Env, Out>): Step<Env, Out> {
  return step;
}
