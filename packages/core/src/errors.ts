/**
 * Every error creds throws is a CredsError with a stable `code`, whether a retry can help, and a
 * `hint` that says what to do next. Backends extend these; front-ends map codes to exit codes.
 */
export interface CredsErrorOptions {
  code: string;
  retryable?: boolean;
  hint?: string;
  cause?: unknown;
  /** Milliseconds the caller should wait before a retry, when the server said so. */
  retryAfterMs?: number;
}

export class CredsError extends Error {
  override name = 'CredsError';
  readonly code: string;
  readonly retryable: boolean;
  readonly hint: string | undefined;
  readonly retryAfterMs: number | undefined;

  constructor(message: string, options: CredsErrorOptions) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = options.code;
    this.retryable = options.retryable ?? false;
    this.hint = options.hint;
    this.retryAfterMs = options.retryAfterMs;
  }

  /** The message followed by the hint, as a person should read it. */
  describe(): string {
    return this.hint ? `${this.message}\n  → ${this.hint}` : this.message;
  }
}

/** A bad input: names the field (a dotted path) and the rule it broke. Nothing was written. */
export class ValidationError extends CredsError {
  override name = 'ValidationError';
  readonly field: string;
  readonly rule: string;
  constructor(field: string, rule: string, options: { hint?: string; cause?: unknown } = {}) {
    const short = shortenQuoted(rule);
    super(`${field}: ${short}`, { code: 'INVALID_INPUT', ...options });
    this.field = field;
    this.rule = short;
  }
}

/** Longest quoted value a validation message repeats in full. */
const QUOTED_MAX = 64;

/**
 * A rule quotes the value it refused; a huge one (a pasted file, a 100,000-character name) is cut
 * to its start and its length, so the message stays one readable line.
 */
function shortenQuoted(rule: string): string {
  const cut = rule.replace(/"([^"]*)"/g, (whole, value: string) =>
    value.length > QUOTED_MAX ? `"${value.slice(0, 32)}…" (${value.length} characters)` : whole,
  );
  return cut.length > 4 * QUOTED_MAX * 2 ? `${cut.slice(0, 4 * QUOTED_MAX)}… (${cut.length} characters)` : cut;
}

/** Several validation failures found in one pass, reported together. */
export class ValidationErrors extends CredsError {
  override name = 'ValidationErrors';
  readonly issues: readonly ValidationError[];
  constructor(issues: readonly ValidationError[]) {
    super(issues.map((i) => i.message).join('\n'), { code: 'INVALID_INPUT' });
    this.issues = issues;
  }
}

export class LockedError extends CredsError {
  override name = 'LockedError';
  readonly pid: number;
  readonly since: string;
  readonly lockPath: string;
  readonly host: string | undefined;
  constructor(lockPath: string, pid: number, since: string, options: { host?: string; hint?: string } = {}) {
    super(`locked by pid ${pid}${options.host ? ` on ${options.host}` : ''} since ${since} (${lockPath})`, {
      code: 'LOCKED',
      hint: options.hint ?? `another creds run is working on this target; wait for it to finish (the lock is ${lockPath})`,
    });
    this.pid = pid;
    this.since = since;
    this.lockPath = lockPath;
    this.host = options.host;
  }
}

export class JournalError extends CredsError {
  override name = 'JournalError';
  constructor(message: string, options: { hint?: string; cause?: unknown } = {}) {
    super(message, { code: 'JOURNAL_CORRUPT', ...options });
  }
}

/** A new run was asked for while the last one is unfinished. */
export class UnfinishedRunError extends CredsError {
  override name = 'UnfinishedRunError';
  readonly runId: string;
  readonly workflow: string;
  constructor(runId: string, workflow: string, kind: 'run' | 'rollback') {
    super(`the last ${kind} (${workflow}, run ${runId}) did not finish`, {
      code: 'UNFINISHED_RUN',
      hint:
        kind === 'run'
          ? `resume it (creds run ${workflow} --resume) or undo it (creds rollback)`
          : 'finish the rollback first (creds rollback)',
    });
    this.runId = runId;
    this.workflow = workflow;
  }
}

/** Resume refused: the configuration differs from the one the unfinished run was started with. */
export class ConfigChangedError extends CredsError {
  override name = 'ConfigChangedError';
  readonly fields: string[];
  constructor(workflow: string, fields: string[]) {
    super(`the configuration changed since the unfinished ${workflow} started (${fields.join(', ')}); resume continues only the run as it was started`, {
      code: 'CONFIG_CHANGED',
      hint: `undo the unfinished run with creds rollback (it undoes what the journal recorded, whatever the configuration says now), then run creds run ${workflow} without --resume; or put the configuration back and resume`,
    });
    this.fields = fields;
  }
}

export class NothingToResumeError extends CredsError {
  override name = 'NothingToResumeError';
  constructor(message: string) {
    super(message, { code: 'NOTHING_TO_RESUME' });
  }
}

export class StepFailedError extends CredsError {
  override name = 'StepFailedError';
  readonly stepId: string;
  constructor(stepId: string, cause: unknown) {
    const inner = cause instanceof CredsError ? cause : undefined;
    super(`step ${stepId} failed: ${errorMessage(cause)}`, {
      code: inner?.code ?? 'STEP_FAILED',
      cause,
      hint: inner?.hint,
    });
    this.stepId = stepId;
  }
}

export interface UndoFailure {
  stepId: string;
  code: string;
  message: string;
}

/** Rollback attempted every undo; these failed. Run rollback again to retry them. */
export class RollbackFailedError extends CredsError {
  override name = 'RollbackFailedError';
  readonly failures: readonly UndoFailure[];
  constructor(failures: readonly UndoFailure[]) {
    super(
      `rollback could not undo ${failures.length} step(s):\n${failures.map((f) => `  - ${f.stepId}: ${f.message}`).join('\n')}`,
      { code: 'ROLLBACK_FAILED', hint: 'fix the cause and run rollback again; it retries only what is left' },
    );
    this.failures = failures;
  }
}

/** The run was stopped (Ctrl-C) after the steps in flight finished; it can be resumed. */
export class InterruptedError extends CredsError {
  override name = 'InterruptedError';
  constructor(workflow: string) {
    super(`${workflow} was interrupted`, {
      code: 'INTERRUPTED',
      hint: `continue with creds run ${workflow} --resume, or undo with creds rollback`,
    });
  }
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}

export function errorCode(err: unknown): string {
  if (err instanceof CredsError) return err.code;
  const code = err instanceof Error ? (err as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? code : 'UNKNOWN';
}

export function isRetryable(err: unknown): boolean {
  return err instanceof CredsError && err.retryable;
}
