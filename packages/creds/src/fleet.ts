import { type CredsError, createRunner, errorCode, errorMessage, type Runner } from '@creds/core';
import pLimit from 'p-limit';
import type { CredsEvent, CredsOptions, TargetResult } from './api.js';
import type { LoadedConfig } from './config/load.js';
import type { TargetConfig } from './config/schema.js';
import { statePaths } from './state.js';

/** Runs `fn` for each target, a bounded number at once; one target's failure never stops another. */
export async function forEachTarget<T>(
  targets: readonly TargetConfig[],
  limit: number,
  fn: (target: TargetConfig) => Promise<T>,
): Promise<T[]> {
  const run = pLimit(Math.max(1, limit));
  return Promise.all(targets.map((target) => run(() => fn(target))));
}

/** The engine runner for one target: its own journal and lock under `.creds/journal/`. */
export function runnerFor<Env>(config: LoadedConfig, target: string, options: CredsOptions): Runner<Env> {
  return createRunner<Env>({
    journalPath: statePaths(config.dir).journal(target),
    concurrency: options.concurrency ?? 4,
    ...(options.retry ? { retry: options.retry } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    onEvent: (event) => options.onEvent?.({ ...event, target } as CredsEvent),
  });
}

/** Turns a target's outcome (a result or an error) into a TargetResult, timing it. */
export async function outcome(
  target: string,
  workflow: string,
  options: CredsOptions,
  fn: () => Promise<Omit<TargetResult, 'target' | 'workflow' | 'status' | 'durationMs'> & { status?: TargetResult['status'] }>,
): Promise<TargetResult> {
  const started = Date.now();
  options.onEvent?.({ type: 'target-started', target, workflow });
  let result: TargetResult;
  try {
    result = { target, workflow, status: 'succeeded', ...(await fn()), durationMs: Date.now() - started };
  } catch (error) {
    const code = errorCode(error);
    const hint = (error as CredsError).hint;
    const stepId = (error as { stepId?: string }).stepId;
    result = {
      target,
      workflow,
      status: code === 'INTERRUPTED' ? 'interrupted' : 'failed',
      error: { code, message: errorMessage(error), ...(hint ? { hint } : {}), ...(stepId ? { stepId } : {}) },
      durationMs: Date.now() - started,
    };
  }
  options.onEvent?.({ type: 'target-finished', target, workflow, status: result.status, durationMs: result.durationMs });
  return result;
}
