export { createStepContext } from './context.js';
export type { StepContextOptions } from './context.js';
export {
  ConfigChangedError,
  CredsError,
  errorCode,
  errorMessage,
  InterruptedError,
  isRetryable,
  JournalError,
  LockedError,
  NothingToResumeError,
  RollbackFailedError,
  StepFailedError,
  UnfinishedRunError,
  ValidationError,
  ValidationErrors,
} from './errors.js';
export type { CredsErrorOptions, UndoFailure } from './errors.js';
export type { EngineEvent, EventListener } from './events.js';
export { Journal, parseJournal } from './journal.js';
export type { JournalReadResult } from './journal.js';
export { JOURNAL_VERSION } from './journal-entry.js';
export type { JournalEntry, JournalEntryType } from './journal-entry.js';
export { validateKeyStoreEntry, validateKeyStoreName } from './keystore.js';
export type { KeyStore, StoredKey } from './keystore.js';
export { LOCK_HEARTBEAT_MS, LOCK_STALE_AFTER_MS, Lock, processIdentity, withLock } from './lock.js';
export type { LockHolder, LockOptions, LockState } from './lock.js';
export { createLogger, REDACTED_LOG_PATHS, silentLogger } from './logger.js';
export type { Logger, LoggerOptions } from './logger.js';
export { blockingRun, replayJournal, resumeActions, rollbackActions, rollbackOrder, rollbackTarget, undoableSteps, wroteNothing } from './replay.js';
export type { ResumeAction, RollbackAction, RunRecord, StepState, UndoState } from './replay.js';
export { DEFAULT_RETRY, withRetry } from './retry.js';
export type { RetryOptions } from './retry.js';
export { changedFields, createRunner } from './runner.js';
export type {
  PlanEntry,
  PlanResult,
  RollbackResult,
  RunOptions,
  Runner,
  RunnerOptions,
  RunResult,
  WorkflowResolver,
} from './runner.js';
export { isSecret, REDACTED, redact, Secret } from './secret.js';
export { defineStep } from './step.js';
export type { Change, CheckResult, Step, StepContext } from './step.js';
export { createWorkflow } from './workflow.js';
export type { Workflow } from './workflow.js';
