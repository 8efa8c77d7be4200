import { execFile } from 'node:child_process';
import { mapOpError, notInstalled, OnePasswordError, OnePasswordErrorCode } from './errors.js';

/** Runs `op <args>` (no shell) and resolves its stdout; `stdin` is written to its standard input. */
export type OpRunner = (args: string[], options: { action: string; stdin?: string; secrets?: string[] }) => Promise<string>;

export interface OpRunnerOptions {
  opPath: string;
  vault: string;
  account: string | undefined;
  env: NodeJS.ProcessEnv;
  timeoutMs: number;
}

/**
 * Secrets reach op only through stdin; argv is visible to every user of the machine (ps). The
 * environment passes through, so OP_SERVICE_ACCOUNT_TOKEN and OP_CONNECT_HOST/OP_CONNECT_TOKEN work.
 */
export function createOpRunner(options: OpRunnerOptions): OpRunner {
  return (args, { action, stdin, secrets = [] }) => {
    const argv = options.account === undefined ? args : [...args, '--account', options.account];
    return new Promise((resolve, reject) => {
      const child = execFile(
        options.opPath,
        argv,
        { env: options.env, timeout: options.timeoutMs, maxBuffer: 16 * 1024 * 1024, windowsHide: true, encoding: 'utf8' },
        (error, stdout, stderr) => {
          if (error === null) return resolve(stdout);
          const code = (error as NodeJS.ErrnoException).code;
          if (code === 'ENOENT') return reject(notInstalled(options.opPath));
          if (error.killed) {
            return reject(
              new OnePasswordError(`op did not answer within ${options.timeoutMs} ms while trying to ${action}`, {
                code: OnePasswordErrorCode.failed,
                retryable: true,
                hint: 'check that the 1Password app is unlocked or approve the CLI prompt, then try again',
              }),
            );
          }
          reject(mapOpError(stderr || error.message, { action, vault: options.vault, secrets }));
        },
      );
      child.stdin?.on('error', () => undefined); // op may exit before reading; the callback reports why
      child.stdin?.end(stdin ?? '');
    });
  };
}
