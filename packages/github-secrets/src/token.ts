import { execFile } from 'node:child_process';
import { CredsError, Secret } from '@creds/core';
import { GitHubErrorCode } from './errors.js';

export interface ResolvedGitHubToken {
  token: Secret;
  source: 'GH_TOKEN' | 'GITHUB_TOKEN' | 'gh auth token';
  /** From GITHUB_API_URL, else https://api.github.com. */
  baseUrl: string;
}

export interface ResolveGitHubTokenOptions {
  env?: NodeJS.ProcessEnv;
  /** Ask the GitHub CLI when no variable is set (default true). */
  useGh?: boolean;
  /** The `gh` executable; `gh` on PATH by default. */
  ghPath?: string;
}

/**
 * Finds the token the way the GitHub CLI users expect: GH_TOKEN, then GITHUB_TOKEN, then
 * `gh auth token` when gh is installed (for GitHub Enterprise Server with `--hostname`). The base
 * URL comes from GITHUB_API_URL. The token is returned as a Secret.
 */
export async function resolveGitHubToken(options: ResolveGitHubTokenOptions = {}): Promise<ResolvedGitHubToken> {
  const env = options.env ?? process.env;
  const baseUrl = (env['GITHUB_API_URL']?.trim() || 'https://api.github.com').replace(/\/+$/, '');
  for (const name of ['GH_TOKEN', 'GITHUB_TOKEN'] as const) {
    const value = env[name]?.trim();
    if (value) return { token: new Secret(value), source: name, baseUrl };
    // Set but empty is a mistake (a variable that was meant to be filled), not a wish for the next source.
    if (value === '') {
      throw new CredsError(`${name} is set but empty`, {
        code: GitHubErrorCode.tokenEmpty,
        hint: `set ${name} to a GitHub token, or unset it (unset ${name}) to use ${name === 'GH_TOKEN' ? 'GITHUB_TOKEN or ' : ''}\`gh auth token\``,
      });
    }
  }
  if (options.useGh !== false) {
    const fromGh = await ghAuthToken(options.ghPath ?? 'gh', hostOf(baseUrl), env);
    if (fromGh) return { token: new Secret(fromGh), source: 'gh auth token', baseUrl };
  }
  throw new CredsError('no GitHub token found (GH_TOKEN, GITHUB_TOKEN and `gh auth token` gave none)', {
    code: GitHubErrorCode.tokenMissing,
    hint: 'run "gh auth login", or set GH_TOKEN to a token with the "repo" scope (fine-grained: "Secrets: Read and write" on the repository)',
  });
}

function hostOf(baseUrl: string): string | undefined {
  try {
    const host = new URL(baseUrl).hostname;
    return host === 'api.github.com' ? undefined : host;
  } catch {
    return undefined;
  }
}

function ghAuthToken(gh: string, host: string | undefined, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  const args = ['auth', 'token', ...(host ? ['--hostname', host] : [])];
  return new Promise((resolve) => {
    execFile(gh, args, { timeout: 10_000, env: { ...process.env, ...env }, windowsHide: true }, (error, stdout) => {
      // Not installed, not logged in, or no token for the host: no token from gh.
      if (error) return resolve(undefined);
      const token = stdout.trim();
      resolve(token || undefined);
    });
  });
}
