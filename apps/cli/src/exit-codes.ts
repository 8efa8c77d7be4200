/** The documented exit codes (docs/cli.md). */
export const EXIT = {
  ok: 0,
  failed: 1,
  usage: 2,
  drift: 3,
  locked: 4,
  interrupted: 130,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** Error codes that mean "change the command or the config": nothing was written. */
const BY_CODE: Record<string, number> = {
  INVALID_INPUT: EXIT.usage,
  INVALID_CONFIG: EXIT.usage,
  USAGE: EXIT.usage,
  UNFINISHED_RUN: EXIT.usage,
  NOTHING_TO_RESUME: EXIT.usage,
  CONFIG_CHANGED: EXIT.usage,
  NOTHING_TO_ROLL_BACK: EXIT.usage,
  WORKFLOW_MISMATCH: EXIT.usage,
  GITHUB_TOKEN_MISSING: EXIT.usage,
  GITHUB_TOKEN_EMPTY: EXIT.usage,
  STATE_DIR_INSECURE: EXIT.usage,
  LOCKED: EXIT.locked,
  INTERRUPTED: EXIT.interrupted,
};

export function exitCodeFor(code: string | undefined): number {
  return (code ? BY_CODE[code] : undefined) ?? EXIT.failed;
}

/**
 * One exit code for several targets: an interruption wins, then a real failure, then the lock,
 * then a usage refusal.
 */
export function combineExitCodes(codes: readonly number[]): number {
  const order = [EXIT.interrupted, EXIT.failed, EXIT.locked, EXIT.usage, EXIT.drift];
  for (const code of order) if (codes.includes(code)) return code;
  return EXIT.ok;
}
