import type { JournalEntry } from './journal-entry.js';
import type { Workflow } from './workflow.js';

export type StepState =
  | { state: 'started' }
  | { state: 'succeeded'; output: unknown }
  | { state: 'failed'; code: string; message: string };

export type UndoState = 'started' | 'succeeded' | 'failed';

export interface RunRecord {
  runId: string;
  workflow: string;
  configHash: string | undefined;
  /** What the run was built from, as its run-started entry recorded it (undefined in older journals). */
  config: unknown;
  startedAt: string;
  finishedAt: string | undefined;
  /** in-progress: no end recorded (running, interrupted, or killed). */
  status: 'in-progress' | 'succeeded' | 'failed';
  resumes: number;
  steps: Map<string, StepState>;
  /** The steps that started without being marked read-only (Step.readOnly): those that may have written. */
  writers: Set<string>;
  /** The first note each step recorded in this run (what it found before changing anything). */
  notes: Map<string, unknown>;
  rollback:
    | {
        status: 'in-progress' | 'succeeded' | 'failed';
        undo: Map<string, UndoState>;
        /** What an undo that wrote a value back recorded it left in place, by step id. */
        restored: Map<string, unknown>;
      }
    | undefined;
}

/** Folds journal entries into one record per run, oldest first. */
export function replayJournal(entries: readonly JournalEntry[]): RunRecord[] {
  const runs: RunRecord[] = [];
  const byId = new Map<string, RunRecord>();
  for (const entry of entries) {
    if (entry.type === 'run-started') {
      const run: RunRecord = {
        runId: entry.runId,
        workflow: entry.workflow,
        configHash: entry.configHash,
        config: entry.config,
        startedAt: entry.at,
        finishedAt: undefined,
        status: 'in-progress',
        resumes: 0,
        steps: new Map(),
        writers: new Set(),
        notes: new Map(),
        rollback: undefined,
      };
      runs.push(run);
      byId.set(run.runId, run);
      continue;
    }
    const run = byId.get(entry.runId);
    if (!run) continue; // parseJournal guarantees shape; an entry for an unknown run carries nothing to act on
    switch (entry.type) {
      case 'run-resumed':
        run.resumes++;
        run.status = 'in-progress';
        run.finishedAt = undefined;
        if (entry.configHash !== undefined) run.configHash = entry.configHash;
        break;
      case 'step-started':
        run.steps.set(entry.stepId, { state: 'started' });
        if (!entry.readOnly) run.writers.add(entry.stepId);
        break;
      case 'step-noted':
        if (!run.notes.has(entry.stepId)) run.notes.set(entry.stepId, entry.note);
        break;
      case 'step-succeeded':
        run.steps.set(entry.stepId, { state: 'succeeded', output: entry.output });
        break;
      case 'step-failed':
        run.steps.set(entry.stepId, { state: 'failed', code: entry.code, message: entry.message });
        break;
      case 'run-finished':
        run.status = entry.status;
        run.finishedAt = entry.at;
        break;
      case 'rollback-started':
        run.rollback = { status: 'in-progress', undo: run.rollback?.undo ?? new Map(), restored: run.rollback?.restored ?? new Map() };
        break;
      case 'undo-succeeded':
        if (entry.output !== undefined) run.rollback?.restored.set(entry.stepId, entry.output);
        run.rollback?.undo.set(entry.stepId, 'succeeded');
        break;
      case 'undo-started':
      case 'undo-failed':
        run.rollback?.undo.set(entry.stepId, entry.type.slice('undo-'.length) as UndoState);
        break;
      case 'rollback-finished':
        if (run.rollback) run.rollback.status = entry.status;
        break;
    }
  }
  return runs;
}

/**
 * A run that failed or was interrupted before any step that may write started: only read-only
 * steps ran (a preflight that refused), or none. It changed nothing, so it is as good as finished:
 * it keeps no new run from starting, a resume of it starts its workflow afresh, and its rollback
 * undoes nothing. A run that succeeded is not one of these, nor is a run of an older journal,
 * whose steps are not marked.
 */
export function wroteNothing(run: RunRecord): boolean {
  return run.status !== 'succeeded' && run.writers.size === 0;
}

export type ResumeAction = 'skip' | 'apply';

/** What resume does with each step: skip what succeeded (its output is restored), apply the rest. */
export function resumeActions(run: RunRecord, stepIds: readonly string[]): Map<string, ResumeAction> {
  return new Map(stepIds.map((id) => [id, run.steps.get(id)?.state === 'succeeded' ? 'skip' : 'apply']));
}

export type RollbackAction = 'undo' | 'skip-not-applied' | 'skip-undone' | 'skip-no-undo';

/**
 * What rollback does with each step. A step that started — whether it succeeded, failed or never
 * recorded an end — may have changed something, so it is undone; one that never started is not;
 * one whose undo already succeeded (a resumed rollback) is not undone again.
 */
export function rollbackActions(
  run: RunRecord,
  steps: ReadonlyArray<{ id: string; hasUndo: boolean }>,
): Map<string, RollbackAction> {
  const actions = new Map<string, RollbackAction>();
  for (const { id, hasUndo } of steps) {
    if (!run.steps.has(id)) actions.set(id, 'skip-not-applied');
    else if (run.rollback?.undo.get(id) === 'succeeded') actions.set(id, 'skip-undone');
    else if (!hasUndo) actions.set(id, 'skip-no-undo');
    else actions.set(id, 'undo');
  }
  return actions;
}

/** A workflow's steps in dependency order, each with whether it can be undone: what rollbackActions takes. */
export function undoableSteps(workflow: Pick<Workflow<never>, 'order' | 'steps'>): Array<{ id: string; hasUndo: boolean }> {
  return workflow.order.map((id) => ({ id, hasUndo: typeof workflow.steps.get(id)?.undo === 'function' }));
}

/**
 * The steps of `workflow` a rollback of `run` undoes, in the order it starts them: a step after
 * every step that depends on it (with concurrency 1, exactly this order). What `rollback` runs and
 * what a preview of it shows both come from here.
 */
export function rollbackOrder(run: RunRecord, workflow: Pick<Workflow<never>, 'order' | 'steps'>): string[] {
  const steps = undoableSteps(workflow);
  const actions = rollbackActions(run, steps);
  return steps
    .filter(({ id }) => actions.get(id) === 'undo')
    .map(({ id }) => id)
    .reverse();
}

/**
 * The run a rollback applies to: the newest one not fully rolled back. A run that wrote nothing is
 * one too (its rollback undoes nothing): a rollback never reaches past the run the user just saw
 * refused to an older one, say the setup behind a refused teardown; a second rollback does.
 */
export function rollbackTarget(runs: readonly RunRecord[]): RunRecord | undefined {
  for (let i = runs.length - 1; i >= 0; i--) {
    const run = runs[i]!;
    if (run.rollback?.status !== 'succeeded') return run;
  }
  return undefined;
}

/**
 * Why a new run may not start now, if it may not: a rollback that has not finished, or a newest
 * run that neither succeeded nor was rolled back. Runs that wrote nothing do not count.
 */
export function blockingRun(runs: readonly RunRecord[]): { run: RunRecord; kind: 'run' | 'rollback' } | undefined {
  const counted = runs.filter((run) => !wroteNothing(run));
  const rollingBack = counted.find((run) => run.rollback && run.rollback.status !== 'succeeded');
  if (rollingBack) return { run: rollingBack, kind: 'rollback' };
  const last = counted.at(-1);
  if (!last || last.rollback || last.status === 'succeeded') return undefined;
  return { run: last, kind: 'run' };
}
