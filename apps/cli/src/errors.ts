/** An error as the CLI reports it: in the final --json object, and on stderr for people. */
export interface CliError {
  code: string;
  message: string;
  hint?: string;
  /** Validation failures, each naming the field and the rule. */
  issues?: Array<{ field: string; rule: string }>;
  stepId?: string;
}

/** Thrown by the CLI itself (bad flag combinations, a refused confirmation): exit 2, nothing written. */
export class UsageError extends Error {
  override name = 'UsageError';
  readonly code: string;
  readonly hint: string | undefined;
  constructor(message: string, hint?: string, code = 'USAGE') {
    super(message);
    this.hint = hint;
    this.code = code;
  }
}

/**
 * Reads the library's errors by shape (code, message, hint, issues) rather than by class, so the
 * CLI does not import the engine to recognise them.
 */
export function describeError(error: unknown): CliError {
  if (!(error instanceof Error)) return { code: 'UNKNOWN', message: String(error) };
  const e = error as Error & { code?: unknown; hint?: unknown; issues?: unknown; stepId?: unknown };
  const out: CliError = {
    code: typeof e.code === 'string' ? e.code : 'UNKNOWN',
    message: e.message,
  };
  if (typeof e.hint === 'string' && e.hint) out.hint = e.hint;
  if (typeof e.stepId === 'string') out.stepId = e.stepId;
  if (Array.isArray(e.issues)) {
    out.issues = e.issues.map((issue: { field?: unknown; rule?: unknown; message?: unknown }) => ({
      field: typeof issue.field === 'string' ? issue.field : '(config)',
      rule: typeof issue.rule === 'string' ? issue.rule : String(issue.message ?? issue),
    }));
  }
  if (out.code === 'INVALID_INPUT' || out.code === 'INVALID_CONFIG') {
    out.hint ??= 'fix the config (creds doctor checks it); nothing was written';
  }
  return out;
}
