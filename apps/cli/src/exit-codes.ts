/** The documented exit codes (docs/cli.md). */
export const EXIT = {
  ok: 0,
  failed: 1,
  usage: 2,
  drift: 3,
  locked: 4,
  interrupted: 130,
} as const;

const BY_CODE: Record<string, number> = {
  INVALID_INPUT: EXIT.usage,
  INVALID_CONFIG: EXIT.usage,
  USAGE: EXIT.usage,
  LOCKED: EXIT.locked,
  INTERRUPTED: EXIT.interrupted,
};

export function exitCodeFor(code: string | undefined): number {
  return (code && BY_CODE[code]) ?? EXIT.failed;
}
