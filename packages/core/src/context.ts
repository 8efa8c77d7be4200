import { silentLogger } from './logger.js';
import type { Logger } from './logger.js';
import type { StepContext } from './step.js';

export interface StepContextOptions<Env> {
  env: Env;
  stepId?: string;
  runId?: string;
  workflow?: string;
  /** Outputs of other steps, by id. */
  outputs?: ReadonlyMap<string, unknown> | Record<string, unknown>;
  logger?: Logger;
  signal?: AbortSignal;
  onProgress?: (message: string, data?: Record<string, unknown>) => void;
  onWarning?: (message: string) => void;
  /** An undo said its run changed nothing to reverse (see StepContext.unchanged). */
  onUnchanged?: (reason: string) => void;
  /** Where `record` keeps notes, by step id (the runner journals them; by default kept in memory). */
  notes?: { get(stepId: string): unknown; record(stepId: string, note: unknown): void };
}

/**
 * Builds the context a step receives. The runner uses it; so can tools that call a single step
 * directly (tests, embedding).
 */
export function createStepContext<Env>(options: StepContextOptions<Env>): StepContext<Env> {
  const outputs =
    options.outputs instanceof Map ? options.outputs : new Map(Object.entries(options.outputs ?? {}));
  const logger = options.logger ?? silentLogger();
  const stepId = options.stepId ?? 'step';
  const memory = new Map<string, unknown>();
  const notes = options.notes ?? {
    get: (id: string) => memory.get(id),
    record: (id: string, note: unknown) => void (memory.has(id) || memory.set(id, note)),
  };
  return {
    env: options.env,
    runId: options.runId ?? 'direct',
    workflow: options.workflow ?? 'direct',
    stepId,
    signal: options.signal ?? new AbortController().signal,
    logger: logger.child({ step: stepId }),
    output: <T>(id: string) => outputs.get(id) as T | undefined,
    progress: (message, data) => options.onProgress?.(message, data),
    warn: (message) => (options.onWarning ? options.onWarning(message) : logger.warn({ step: stepId }, message)),
    record: (note) => {
      if (notes.get(stepId) === undefined) notes.record(stepId, note);
    },
    recorded: <T>() => notes.get(stepId) as T | undefined,
    unchanged: (reason) => options.onUnchanged?.(reason),
  };
}
