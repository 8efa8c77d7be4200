import { execFile } from 'node:child_process';
import { realpath } from 'node:fs/promises';
import { basename, dirname, join, relative, sep } from 'node:path';
import { JsonStoreError, JsonStoreErrorCode } from './errors.js';
import { shellQuote } from './permissions.js';

interface GitResult {
  exitCode: number | 'missing';
  stdout: string;
}

function git(cwd: string, args: string[]): Promise<GitResult> {
  return new Promise((resolve) => {
    execFile('git', args, { cwd, timeout: 10_000, windowsHide: true }, (error, stdout) => {
      if (error === null) return resolve({ exitCode: 0, stdout });
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return resolve({ exitCode: 'missing', stdout: '' });
      resolve({ exitCode: typeof error.code === 'number' ? error.code : 128, stdout });
    });
  });
}

/** The nearest folder on the way up from `path` that exists, resolved through symlinks. */
async function nearestExisting(path: string): Promise<{ dir: string; rest: string[] }> {
  const rest: string[] = [];
  let current = path;
  for (;;) {
    try {
      return { dir: await realpath(current), rest };
    } catch {
      const parent = dirname(current);
      if (parent === current) return { dir: current, rest };
      rest.unshift(basename(current));
      current = parent;
    }
  }
}

/**
 * Refuses a key file that a git work tree would pick up: inside a work tree, the file must be
 * ignored (`git check-ignore`) and not tracked. Outside a work tree, or without git, it is allowed.
 */
export async function assertGitIgnored(filePath: string): Promise<void> {
  const { dir, rest } = await nearestExisting(dirname(filePath));
  const top = await git(dir, ['rev-parse', '--show-toplevel']);
  if (top.exitCode !== 0) return; // git missing, or not inside a work tree
  const topLevel = top.stdout.trim();
  const realFile = join(dir, ...rest, basename(filePath));
  const rel = relative(topLevel, realFile).split(sep).join('/');
  if (rel.startsWith('../') || rel === '..') return;
  if (rel.split('/').includes('.git')) return; // inside the repository's own metadata
  const tracked = await git(dir, ['ls-files', '--error-unmatch', '--', realFile]);
  if (tracked.exitCode === 0) {
    throw new JsonStoreError(`${filePath} is tracked by git (${topLevel}); a key file must never be committed`, {
      code: JsonStoreErrorCode.notGitIgnored,
      path: filePath,
      hint: `run: git -C ${shellQuote(topLevel)} rm --cached -- ${shellQuote(rel)}, add the line /${rel} to ${join(topLevel, '.gitignore')}, and rotate the keys if it was ever pushed`,
    });
  }
  const ignored = await git(dir, ['check-ignore', '-q', '--', realFile]);
  if (ignored.exitCode === 0) return;
  if (ignored.exitCode === 1) {
    throw new JsonStoreError(`${filePath} is inside the git work tree ${topLevel} and git does not ignore it`, {
      code: JsonStoreErrorCode.notGitIgnored,
      path: filePath,
      hint: `add the line /${rel} to ${join(topLevel, '.gitignore')}, or keep the key file outside the repository`,
    });
  }
  // Any other answer (128: git could not decide) is not evidence either way; allow, as without git.
}
