import { createStepContext, type StepContext } from '@creds/core';
import { type GitHubSandbox, startGitHubServer } from '@creds/sandbox';
import { createGitHubClient, type GitHubClientOptions, type GitHubEnv } from '../src/index.js';

export const TOKEN = 'ghp_TestTokenDoNotPrint1234567890abcdef';
export const repo = { kind: 'repo', owner: 'octo', repo: 'app' } as const;
export const sandboxRepo = { owner: 'octo', repo: 'app' };
/** Sandbox and client agree: a GitHub second is a millisecond here. */
export const TIME_SCALE = 0.001;

export async function startSandbox(): Promise<GitHubSandbox> {
  return startGitHubServer({
    tokens: [
      { token: TOKEN, login: 'octocat' },
      { token: 'ghp_NoRepoScope000000000000000000000000', scopes: ['read:user'] },
      { token: 'github_pat_ReadOnlySecrets0000000000000', permissions: { secrets: 'read' } },
    ],
    repos: [
      { owner: 'octo', name: 'app', environments: ['prod'] },
      { owner: 'octo', name: 'web' },
    ],
    orgs: ['octo'],
    timeScale: TIME_SCALE,
  });
}

export function client(sandbox: GitHubSandbox, overrides: Partial<GitHubClientOptions> = {}) {
  return createGitHubClient({ token: TOKEN, baseUrl: sandbox.url, timeScale: TIME_SCALE, timeoutMs: 2000, ...overrides });
}

export interface TestContext {
  ctx: StepContext<GitHubEnv>;
  progress: string[];
}

export function context(env: GitHubEnv, stepId = 'step'): TestContext {
  const progress: string[] = [];
  return { ctx: createStepContext({ env, stepId, onProgress: (m) => progress.push(m) }), progress };
}

/** Whatever a promise rejected with (fails when it resolved). */
export async function rejection(p: Promise<unknown>): Promise<Error & { code?: string; hint?: string; status?: number; acceptedPermissions?: string }> {
  try {
    await p;
  } catch (error) {
    return error as Error & { code?: string };
  }
  throw new Error('expected a rejection');
}
