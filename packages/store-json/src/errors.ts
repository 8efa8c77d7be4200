import { CredsError } from '@creds/core';

/** Stable codes of the JSON store's errors. */
export const JsonStoreErrorCode = {
  fileInsecure: 'STORE_FILE_INSECURE',
  dirInsecure: 'STORE_DIR_INSECURE',
  notGitIgnored: 'STORE_NOT_GITIGNORED',
  notAFile: 'STORE_NOT_A_FILE',
  corrupt: 'STORE_FILE_CORRUPT',
  tooNew: 'STORE_FILE_TOO_NEW',
  locked: 'STORE_LOCKED',
  io: 'STORE_IO',
} as const;

export class JsonStoreError extends CredsError {
  override name = 'JsonStoreError';
  readonly path: string;
  constructor(message: string, options: { code: string; path: string; hint?: string; cause?: unknown; retryable?: boolean }) {
    super(message, options);
    this.path = options.path;
  }
}

/** Wraps a file-system error; only its code and syscall are kept (never file contents). */
export function ioError(action: string, path: string, error: unknown): JsonStoreError {
  const code = (error as NodeJS.ErrnoException | undefined)?.code ?? 'UNKNOWN';
  const hint =
    code === 'EACCES' || code === 'EPERM'
      ? `check that you own ${path} and its folder`
      : code === 'ENOSPC'
        ? 'free some disk space and try again'
        : undefined;
  return new JsonStoreError(`could not ${action} ${path} (${code})`, {
    code: JsonStoreErrorCode.io,
    path,
    ...(hint === undefined ? {} : { hint }),
    cause: error,
  });
}
