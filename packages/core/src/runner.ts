import { randomUUID } from 'node:crypto';
import { createStepContext } from './context.js';
import {
  CredsError,
  errorCode,
  errorMessage,
  ConfigChangedError,
  InterruptedError,
  NothingToResumeError,
  RollbackFailedError,
  StepFailedError,
  UnfinishedRunError,
  type UndoFailure,
} from './errors.js';
import type { EngineEvent, EventListener } from './events.js';
import { Journal } from './journal.js';
import { Lock } from './lock.js';
import { type Logger, silentLogger } from './logger.js';
import { blockingRun, type RunRecord, replayJournal, resumeActions, rollbackActions, rollbackOrder, rollbackTarget, undoableSteps, wroteNothing } from './replay.js';
import { type RetryOptions, withRetry } from './retry.js';
import type { CheckResult, Step, StepContext } from './step.js';
import type { Workflow } from './workflow.js';

export interface RunnerOptions {
  /** One journal per target; the lock file sits beside it (`<journal>.lock`). */
  journalPath: string;
  /** How many independent steps may run at once (default 4). */
  concurrency?: number;
  /**
   * Retry of steps (and plan checks) that throw retryable errors: the one retry layer of a run.
   * Bounded by attempts and by total time per step (2 minutes by default; see withRetry).
   */
  retry?: RetryOptions;
  logger?: Logger;
  onEvent?: EventListener;
  /** Abort to stop after the steps in flight; the run stays resumable. */
  signal?: AbortSignal;
}

export interface RunOptions {
  /** Hash of the configuration the run was started with; resume warns when it changed. */
  configHash?: string;
  /**
   * What the workflow was built from (JSON, no secret), journaled with the run. A rollback and a
   * resume build the workflow from the recorded one (see RunRecord.config); resume refuses
   * (CONFIG_CHANGED) when the one it is given differs, naming the fields.
   */
  config?: unknown;
}

export interface RunResult {
  runId: string;
  workflow: string;
  /** Outputs of every step, by id. */
  outputs: Record<string, unknown>;
  /** Steps applied in this invocation. */
  applied: string[];
  /** Steps skipped because an earlier attempt of this run had finished them. */
  skipped: string[];
  durationMs: number;
}

export interface RollbackResult {
  runId: string;
  workflow: string;
  /** Steps whose undo reversed something. */
  undone: string[];
  /** Steps whose undo found nothing of the run's to reverse (StepContext.unchanged). */
  unchanged: string[];
  durationMs: number;
}

export interface PlanEntry {
  id: string;
  title: string;
  result?: CheckResult;
  error?: { code: string; message: string };
}

export interface PlanResult {
  workflow: string;
  inSync: boolean;
  steps: PlanEntry[];
}

export type WorkflowResolver<Env> = Workflow<Env> | ((name: string) => Workflow<Env> | undefined);

export interface Runner<Env> {
  /** Read-only: each step's check, no journal, no lock. */
  plan(workflow: Workflow<Env>, env: Env): Promise<PlanResult>;
  /** Starts a new run. Refused while the last run (or a rollback) is unfinished, unless that run wrote nothing (`wroteNothing`). */
  run(workflow: Workflow<Env>, env: Env, options?: RunOptions): Promise<RunResult>;
  /**
   * Continues the unfinished last run: succeeded steps are skipped, the rest applied. A last run
   * of this workflow that wrote nothing is not continued but started afresh, as `run` would.
   */
  resume(workflow: Workflow<Env>, env: Env, options?: RunOptions): Promise<RunResult>;
  /** Undoes the newest run not yet rolled back, passing over runs that wrote nothing (or finishes an interrupted rollback). */
  rollback(workflows: WorkflowResolver<Env>, env: Env): Promise<RollbackResult>;
  /** Every run recorded in the journal, oldest first. */
  history(): RunRecord[];
}

export function createRunner<Env>(options: RunnerOptions): Runner<Env> {
  const concurrency = Math.max(1, options.concurrency ?? 4);
  const logger = options.logger ?? silentLogger();
  const journal = new Journal(options.journalPath);
  const lock = new Lock(`${options.journalPath}.lock`);

  const emit = (event: EngineEvent): void => {
    try {
      options.onEvent?.(event);
    } catch (error) {
      logger.warn({ err: errorMessage(error) }, 'event listener failed');
    }
  };

  async function exclusive<T>(fn: (runs: RunRecord[]) => Promise<T>): Promise<T> {
    lock.acquire();
    try {
      const entries = journal.open(({ lineNumber, bytes }) =>
        emit({
          type: 'warning',
          message: `journal ${journal.path}: dropped a torn last line (line ${lineNumber}, ${bytes} bytes) left by a crash`,
        }),
      );
      return await fn(replayJournal(entries));
    } finally {
      journal.close();
      lock.release();
    }
  }

  /** Notes of a run's steps: kept in `notes` and, when `journaled`, appended to the journal first. */
  function noteBook(runId: string, notes: Map<string, unknown>, journaled: boolean) {
    return {
      get: (stepId: string) => notes.get(stepId),
      record(stepId: string, note: unknown) {
        if (!journaled || notes.has(stepId)) return;
        const json = toJson(stepId, note);
        journal.append({ type: 'step-noted', runId, stepId, note: json });
        notes.set(stepId, json);
      },
    };
  }

  function contextFor(
    workflow: Workflow<Env>,
    env: Env,
    runId: string,
    stepId: string,
    outputs: Map<string, unknown>,
    notes?: ReturnType<typeof noteBook>,
    onUnchanged?: (reason: string) => void,
  ) {
    return createStepContext({
      ...(notes ? { notes } : {}),
      ...(onUnchanged ? { onUnchanged } : {}),
      onWarning: (message) => emit({ type: 'warning', message }),
      env,
      runId,
      workflow: workflow.name,
      stepId,
      outputs,
      logger,
      signal: options.signal ?? new AbortController().signal,
      onProgress: (message, data) =>
        emit({ type: 'step-progress', runId, stepId, message, ...(data === undefined ? {} : { data }) }),
    });
  }

  function retrying<T>(runId: string, stepId: string, fn: () => Promise<T>): Promise<T> {
    return withRetry(fn, {
      ...options.retry,
      ...(options.signal ? { signal: options.signal } : {}),
      onRetry: (info) => emit({ type: 'step-retry', runId, stepId, ...info }),
    });
  }

  /**
   * The one scheduling loop of runs and rollbacks: starts `work` for the ids (in order of
   * preference) whose `ready` holds, at most `concurrency` at once, until nothing runs and nothing
   * more is ready. Once `stop` holds, nothing new starts; what is in flight finishes. `work` records
   * its own failures and never rejects.
   */
  async function schedule(ids: readonly string[], ready: (id: string) => boolean, work: (id: string) => Promise<void>, stop: () => boolean) {
    const started = new Set<string>();
    const running = new Map<string, Promise<void>>();
    for (;;) {
      if (!stop()) {
        for (const id of ids) {
          if (running.size >= concurrency) break;
          if (started.has(id) || !ready(id)) continue;
          started.add(id);
          running.set(
            id,
            work(id).finally(() => running.delete(id)),
          );
        }
      }
      if (running.size === 0) return;
      await Promise.race(running.values());
    }
  }

  /** Journals (unless interrupted) and announces the end of a run or rollback; returns its duration. */
  function finish(kind: 'run' | 'rollback', runId: string, workflow: string, status: 'succeeded' | 'failed' | 'interrupted', started: number): number {
    const durationMs = Date.now() - started;
    if (status !== 'interrupted') journal.append({ type: kind === 'run' ? 'run-finished' : 'rollback-finished', runId, status });
    emit({ type: kind === 'run' ? 'run-finished' : 'rollback-finished', runId, workflow, status, durationMs });
    return durationMs;
  }

  async function execute(
    workflow: Workflow<Env>,
    env: Env,
    runId: string,
    restored: Map<string, unknown>,
    notes: Map<string, unknown> = new Map(),
  ): Promise<RunResult> {
    const started = Date.now();
    const outputs = new Map(restored);
    const book = noteBook(runId, notes, true);
    const skipped = workflow.order.filter((id) => restored.has(id));
    for (const id of skipped) {
      emit({ type: 'step-skipped', runId, stepId: id, title: workflow.steps.get(id)!.title, reason: 'done earlier in this run' });
    }
    const pending = workflow.order.filter((id) => !restored.has(id));
    const applied: string[] = [];
    const failures: Array<{ stepId: string; error: unknown }> = [];

    const applyStep = async (step: Step<Env>): Promise<void> => {
      const t0 = Date.now();
      journal.append({ type: 'step-started', runId, stepId: step.id, ...(step.readOnly ? { readOnly: true as const } : {}) });
      emit({ type: 'step-started', runId, stepId: step.id, title: step.title });
      try {
        const ctx = contextFor(workflow, env, runId, step.id, outputs, book);
        const output = toJson(step.id, await retrying(runId, step.id, () => step.apply(ctx)));
        journal.append({ type: 'step-succeeded', runId, stepId: step.id, output });
        outputs.set(step.id, output);
        applied.push(step.id);
        emit({ type: 'step-succeeded', runId, stepId: step.id, title: step.title, durationMs: Date.now() - t0 });
      } catch (error) {
        const code = errorCode(error);
        const message = errorMessage(error);
        journal.append({ type: 'step-failed', runId, stepId: step.id, code, message });
        failures.push({ stepId: step.id, error });
        emit({ type: 'step-failed', runId, stepId: step.id, title: step.title, code, message });
      }
    };

    await schedule(
      pending,
      (id) => (workflow.steps.get(id)!.dependsOn ?? []).every((dep) => outputs.has(dep)),
      (id) => applyStep(workflow.steps.get(id)!),
      () => failures.length > 0 || options.signal?.aborted === true,
    );

    if (options.signal?.aborted && !pending.every((id) => outputs.has(id))) {
      finish('run', runId, workflow.name, 'interrupted', started);
      throw new InterruptedError(workflow.name);
    }
    const first = failures[0];
    if (first) {
      finish('run', runId, workflow.name, 'failed', started);
      throw new StepFailedError(first.stepId, first.error);
    }
    const durationMs = finish('run', runId, workflow.name, 'succeeded', started);
    return { runId, workflow: workflow.name, outputs: Object.fromEntries(outputs), applied, skipped, durationMs };
  }

  return {
    async plan(workflow, env) {
      const steps: PlanEntry[] = [];
      const outputs = new Map<string, unknown>();
      for (const id of workflow.order) {
        const step = workflow.steps.get(id)!;
        const entry: PlanEntry = { id, title: step.title };
        if (step.check) {
          try {
            entry.result = await retrying('plan', id, () => step.check!(contextFor(workflow, env, 'plan', id, outputs)));
          } catch (error) {
            entry.error = { code: errorCode(error), message: errorMessage(error) };
          }
        }
        steps.push(entry);
      }
      const inSync = steps.every((s) => s.error === undefined && (s.result === undefined || s.result.inSync));
      return { workflow: workflow.name, inSync, steps };
    },

    run(workflow, env, runOptions = {}) {
      return exclusive(async (runs) => start(workflow, env, runOptions, runs));
    },

    resume(workflow, env, runOptions = {}) {
      return exclusive(async (runs) => {
        const last = runs.at(-1);
        if (last && wroteNothing(last)) {
          if (last.workflow !== workflow.name) {
            throw new NothingToResumeError(`the last run (${last.workflow}) stopped before it wrote anything; there is nothing to resume`);
          }
          // Continuing a run that changed nothing is running it from the start: a new run, built
          // from what it is given now (the fix of what stopped it included).
          return start(workflow, env, runOptions, runs);
        }
        if (!last || last.rollback || last.status === 'succeeded') {
          throw new NothingToResumeError(
            last?.rollback
              ? `the last run (${last.workflow}) was rolled back; there is nothing to resume`
              : `there is no unfinished run to resume${last ? ` (the last run, ${last.workflow}, succeeded)` : ''}`,
          );
        }
        if (last.workflow !== workflow.name) {
          throw new CredsError(`the unfinished run is ${last.workflow}, not ${workflow.name}`, {
            code: 'WORKFLOW_MISMATCH',
            hint: `resume it with creds run ${last.workflow} --resume, or undo it with creds rollback`,
          });
        }
        if (runOptions.config !== undefined && last.config !== undefined) {
          const changed = changedFields(last.config, toJson('config', runOptions.config));
          if (changed.length > 0) throw new ConfigChangedError(last.workflow, changed);
        } else if (runOptions.configHash !== undefined && last.configHash !== undefined && runOptions.configHash !== last.configHash) {
          emit({ type: 'warning', message: 'the configuration changed since this run started; resuming with the new one' });
        }
        journal.append({
          type: 'run-resumed',
          runId: last.runId,
          ...(runOptions.configHash === undefined ? {} : { configHash: runOptions.configHash }),
          pid: process.pid,
        });
        emit({ type: 'run-started', runId: last.runId, workflow: workflow.name, mode: 'resume', steps: workflow.order.length });
        const actions = resumeActions(last, workflow.order);
        const restored = new Map<string, unknown>();
        for (const [id, action] of actions) {
          const state = last.steps.get(id);
          if (action === 'skip' && state?.state === 'succeeded') restored.set(id, state.output);
        }
        return execute(workflow, env, last.runId, restored, new Map(last.notes));
      });
    },

    rollback(workflows, env) {
      return exclusive(async (runs) => {
        const target = rollbackTarget(runs);
        if (!target) throw new CredsError('there is no run to roll back', { code: 'NOTHING_TO_ROLL_BACK' });
        const workflow = typeof workflows === 'function' ? workflows(target.workflow) : workflows;
        if (!workflow || workflow.name !== target.workflow) {
          throw new CredsError(`the run to roll back is ${target.workflow}${workflow ? `, not ${workflow.name}` : ''}`, {
            code: 'WORKFLOW_MISMATCH',
          });
        }
        return undoRun(workflow, env, target);
      });
    },

    history() {
      return replayJournal(journal.read().entries);
    },
  };

  async function start(workflow: Workflow<Env>, env: Env, runOptions: RunOptions, runs: readonly RunRecord[]): Promise<RunResult> {
    const blocked = blockingRun(runs);
    if (blocked) throw new UnfinishedRunError(blocked.run.runId, blocked.run.workflow, blocked.kind);
    const runId = randomUUID();
    journal.append({
      type: 'run-started',
      runId,
      workflow: workflow.name,
      ...(runOptions.configHash === undefined ? {} : { configHash: runOptions.configHash }),
      ...(runOptions.config === undefined ? {} : { config: toJson('config', runOptions.config) }),
      steps: [...workflow.order],
      pid: process.pid,
    });
    emit({ type: 'run-started', runId, workflow: workflow.name, mode: 'run', steps: workflow.order.length });
    return execute(workflow, env, runId, new Map());
  }

  async function undoRun(workflow: Workflow<Env>, env: Env, target: RunRecord): Promise<RollbackResult> {
    const started = Date.now();
    const { runId } = target;
    for (const id of target.steps.keys()) {
      if (!workflow.steps.has(id)) {
        emit({ type: 'warning', message: `step ${id} of run ${runId} is not part of workflow ${workflow.name} any more; it cannot be undone` });
      }
    }
    journal.append({ type: 'rollback-started', runId, pid: process.pid });
    const actions = rollbackActions(target, undoableSteps(workflow));
    emit({ type: 'rollback-started', runId, workflow: workflow.name, resumed: target.rollback !== undefined, steps: actions.size });
    const outputs = new Map<string, unknown>();
    for (const [id, state] of target.steps) if (state.state === 'succeeded') outputs.set(id, state.output);
    // An undo reads what apply recorded; it records nothing of its own.
    const notes = noteBook(runId, new Map(target.notes), false);

    const toUndo = new Set<string>();
    for (const [id, action] of actions) {
      const title = workflow.steps.get(id)!.title;
      if (action === 'undo') toUndo.add(id);
      else if (action !== 'skip-not-applied') emit({ type: 'undo-skipped', runId, stepId: id, title, reason: action === 'skip-undone' ? 'undone earlier' : 'nothing to undo' });
    }
    const finished = new Set<string>();
    const undone: string[] = [];
    const unchanged: string[] = [];
    const failures: UndoFailure[] = [];

    const undoStep = async (step: Step<Env>): Promise<void> => {
      const t0 = Date.now();
      journal.append({ type: 'undo-started', runId, stepId: step.id });
      emit({ type: 'undo-started', runId, stepId: step.id, title: step.title });
      try {
        let nothing: string | undefined;
        const ctx: StepContext<Env> = contextFor(workflow, env, runId, step.id, outputs, notes, (reason) => {
          nothing = reason;
        });
        const restored = await retrying(runId, step.id, () => step.undo!(ctx, outputs.get(step.id)));
        journal.append({ type: 'undo-succeeded', runId, stepId: step.id, ...(restored === undefined ? {} : { output: toJson(step.id, restored) }) });
        if (nothing === undefined) {
          undone.push(step.id);
          emit({ type: 'undo-succeeded', runId, stepId: step.id, title: step.title, durationMs: Date.now() - t0 });
        } else {
          unchanged.push(step.id);
          emit({ type: 'undo-skipped', runId, stepId: step.id, title: step.title, reason: nothing });
        }
      } catch (error) {
        const failure = { stepId: step.id, code: errorCode(error), message: errorMessage(error) };
        journal.append({ type: 'undo-failed', runId, ...failure });
        failures.push(failure);
        emit({ type: 'undo-failed', runId, title: step.title, ...failure });
      } finally {
        finished.add(step.id);
      }
    };

    // Reverse dependency order: a step is undone once everything that depends on it has been
    // attempted. Every undo is attempted, whatever failed before it.
    const order = rollbackOrder(target, workflow);
    await schedule(
      order,
      (id) => (workflow.dependents.get(id) ?? []).every((d) => !toUndo.has(d) || finished.has(d)),
      (id) => undoStep(workflow.steps.get(id)!),
      () => options.signal?.aborted === true,
    );

    if (options.signal?.aborted && finished.size < order.length) {
      finish('rollback', runId, workflow.name, 'interrupted', started);
      throw new InterruptedError(`rollback of ${workflow.name}`);
    }
    if (failures.length > 0) {
      finish('rollback', runId, workflow.name, 'failed', started);
      throw new RollbackFailedError(failures);
    }
    const durationMs = finish('rollback', runId, workflow.name, 'succeeded', started);
    return { runId, workflow: workflow.name, undone, unchanged, durationMs };
  }
}

/**
 * The fields (dotted paths, `iam.userName`, `targets[1]`) whose values differ between two JSON
 * values; arrays are compared whole.
 */
export function changedFields(before: unknown, after: unknown, path = ''): string[] {
  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (isObject(before) && isObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    return keys.flatMap((key) => changedFields(before[key], after[key], path ? `${path}.${key}` : key));
  }
  return JSON.stringify(before) === JSON.stringify(after) ? [] : [path || '(the whole value)'];
}

function toJson(stepId: string, output: unknown): unknown {
  if (output === undefined) return null;
  try {
    return JSON.parse(JSON.stringify(output));
  } catch (error) {
    throw new CredsError(`step ${stepId} returned an output that is not JSON-serializable`, {
      code: 'STEP_OUTPUT_INVALID',
      cause: error,
    });
  }
}
