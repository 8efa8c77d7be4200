import { CredsError, REDACTED } from '@creds/core';
import { describeScope, type SecretScope } from './scope.js';

/** Stable codes of the errors this package throws. */
export const GitHubErrorCode = {
  unauthorized: 'GITHUB_UNAUTHORIZED',
  forbidden: 'GITHUB_FORBIDDEN',
  notFound: 'GITHUB_NOT_FOUND',
  conflict: 'GITHUB_CONFLICT',
  rejected: 'GITHUB_REJECTED',
  rateLimited: 'GITHUB_RATE_LIMITED',
  unavailable: 'GITHUB_UNAVAILABLE',
  network: 'GITHUB_NETWORK',
  timeout: 'GITHUB_TIMEOUT',
  badResponse: 'GITHUB_BAD_RESPONSE',
  tokenMissing: 'GITHUB_TOKEN_MISSING',
  tokenEmpty: 'GITHUB_TOKEN_EMPTY',
  environmentMissing: 'GITHUB_ENVIRONMENT_MISSING',
  appKeyInvalid: 'GITHUB_APP_KEY_INVALID',
  appAuthFailed: 'GITHUB_APP_AUTH_FAILED',
  appNotInstalled: 'GITHUB_APP_NOT_INSTALLED',
  appPermissionMissing: 'GITHUB_APP_PERMISSION_MISSING',
  appRepositoryNotSelected: 'GITHUB_APP_REPOSITORY_NOT_SELECTED',
} as const;

export interface GitHubErrorOptions {
  code: string;
  status?: number;
  hint?: string;
  retryable?: boolean;
  retryAfterMs?: number;
  /** What GitHub said it needed (`x-accepted-github-permissions`). */
  acceptedPermissions?: string;
  cause?: unknown;
}

/** A GitHub call that failed. The message says what creds was doing; never a token or a value. */
export class GitHubError extends CredsError {
  override name = 'GitHubError';
  readonly status: number | undefined;
  readonly acceptedPermissions: string | undefined;
  constructor(message: string, options: GitHubErrorOptions) {
    super(message, options);
    this.status = options.status;
    this.acceptedPermissions = options.acceptedPermissions;
  }
}

/** What a call was for, so an error can say it and give the right advice. */
export interface CallContext {
  /** `write secret AWS_ACCESS_KEY_ID to octo/app` */
  action: string;
  scope?: SecretScope;
  /** Which permission family the call needs. */
  family?: 'secrets' | 'variables' | 'metadata' | 'actions' | 'administration';
}

interface RequestErrorLike {
  name?: string;
  status?: number;
  message?: string;
  response?: { headers?: Record<string, string | undefined>; data?: unknown };
  cause?: unknown;
}

/** How to give a token what it lacks, for the scope and permission family. */
export function grantHint(scope: SecretScope | undefined, family: CallContext['family'] = 'secrets'): string {
  if (family === 'metadata') return 'give the token access to the repository (fine-grained: add it under "Repository access")';
  if (family === 'actions') {
    return 'classic token: add the "repo" scope; fine-grained token: grant the repository permission "Actions: Read-only" (creds reads workflow runs to wait for them)';
  }
  if (family === 'administration') {
    // GitHub's REST reference, "Create or update an environment": classic `repo`; fine-grained
    // "Administration" (write); and the token's user must be an admin of the repository.
    return 'classic token: add the "repo" scope; fine-grained token: grant the repository permission "Administration: Read and write"; either way its user must be an admin of the repository (or create the environment under Settings → Environments and run again)';
  }
  const noun = family === 'variables' ? 'Variables' : 'Secrets';
  if (scope?.kind === 'org') {
    return `classic token: add the "admin:org" scope; fine-grained token: grant the organization permission "${noun}: Read and write"`;
  }
  // GitHub's REST reference lists environment secrets and variables under "Environments" alone.
  const permission = scope?.kind === 'environment' ? 'Environments' : noun;
  return `classic token: add the "repo" scope; fine-grained token: grant the repository permission "${permission}: Read and write"`;
}

/** Removes the token, wherever it might appear, from text that came from elsewhere. */
export function scrub(text: string, token: string | undefined): string {
  let out = text.replace(/\b(gh[pousr]_[A-Za-z0-9]{8,}|github_pat_[A-Za-z0-9_]{8,})/g, REDACTED);
  if (token && token.length >= 4) out = out.split(token).join(REDACTED);
  return out;
}

/**
 * Turns whatever a GitHub call threw into a GitHubError with a stable code. The original error is
 * not kept as `cause` (it holds the request); a scrubbed copy of its message is.
 */
export function toGitHubError(error: unknown, context: CallContext, token?: string): CredsError {
  if (error instanceof CredsError) return error;
  const e = (error ?? {}) as RequestErrorLike;
  const headers = e.response?.headers ?? {};
  const status = typeof e.status === 'number' ? e.status : undefined;
  const githubSays = scrub(githubMessage(e), token);
  const cause = new Error(githubSays);
  const where = `${context.action}`;
  const base = { status, cause } as const;

  if (isTimeout(e)) {
    return new GitHubError(`GitHub did not answer in time while trying to ${where}`, {
      ...base,
      code: GitHubErrorCode.timeout,
      retryable: true,
      hint: 'check the network and GITHUB_API_URL; creds retried a few times already',
    });
  }
  if (status === undefined || (status === 500 && !e.response)) {
    return new GitHubError(`could not reach GitHub to ${where}: ${githubSays}`, {
      ...base,
      code: GitHubErrorCode.network,
      retryable: true,
      hint: 'check the network connection and GITHUB_API_URL, then run the command again (or resume)',
    });
  }
  if (status === 401) {
    return new GitHubError(`GitHub refused the token (401 ${githubSays || 'Bad credentials'}) while trying to ${where}`, {
      ...base,
      code: GitHubErrorCode.unauthorized,
      hint: `the token is invalid, expired or revoked: create a new one (${grantHint(context.scope, context.family)}) and set GH_TOKEN, or run "gh auth login"`,
    });
  }
  if (isRateLimited(status, headers, githubSays)) {
    const retryAfterMs = retryAfter(headers);
    const secondary = /secondary/i.test(githubSays) || headers['retry-after'] !== undefined;
    return new GitHubError(`GitHub's ${secondary ? 'secondary ' : ''}rate limit stopped the attempt to ${where}`, {
      ...base,
      code: GitHubErrorCode.rateLimited,
      retryable: secondary,
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
      hint: secondary
        ? 'GitHub limits content-creating requests (about 80 a minute); wait a minute and resume'
        : `the token's hourly request limit is spent${resetText(headers)}; resume after that`,
    });
  }
  if (status === 403) {
    const accepted = headers['x-accepted-github-permissions'] || undefined;
    const scopes = headers['x-accepted-oauth-scopes'] || undefined;
    const wants = [accepted && `permission ${accepted}`, scopes && `scope ${scopes}`].filter(Boolean).join(' or ');
    return new GitHubError(`the token may not ${where}${wants ? ` (GitHub wants ${wants})` : ''}`, {
      ...base,
      code: GitHubErrorCode.forbidden,
      ...(accepted ? { acceptedPermissions: accepted } : {}),
      hint: grantHint(context.scope, context.family),
    });
  }
  if (status === 404) {
    const what = context.scope ? describeScope(context.scope) : 'the resource';
    return new GitHubError(`GitHub answered 404 Not Found when trying to ${where}`, {
      ...base,
      code: GitHubErrorCode.notFound,
      hint: `check that ${what} exists and is spelled right; GitHub also answers 404 when the token cannot see a private repository (fine-grained tokens: add it under "Repository access")`,
    });
  }
  if (status === 409) {
    return new GitHubError(`GitHub answered 409 Conflict when trying to ${where}: ${githubSays}`, { ...base, code: GitHubErrorCode.conflict });
  }
  if (status === 422 || status === 400) {
    return new GitHubError(`GitHub rejected the request to ${where} (${status}): ${githubSays}`, {
      ...base,
      code: GitHubErrorCode.rejected,
      hint: 'check the name and value against GitHub\'s rules; for secrets, the value must be sealed with the current public key and sent with its key_id',
    });
  }
  if (status >= 500) {
    return new GitHubError(`GitHub failed (${status}) when trying to ${where}, after retries`, {
      ...base,
      code: GitHubErrorCode.unavailable,
      retryable: true,
      hint: 'GitHub is having trouble (see githubstatus.com); resume in a few minutes',
    });
  }
  return new GitHubError(`GitHub answered ${status} when trying to ${where}: ${githubSays}`, { ...base, code: 'GITHUB_ERROR' });
}

function githubMessage(e: RequestErrorLike): string {
  const data = e.response?.data as { message?: unknown } | undefined;
  if (data && typeof data.message === 'string') return data.message;
  const message = e.message ?? String(e);
  // Octokit appends " - https://docs.github.com/..." to messages; keep what GitHub said.
  return message.replace(/ - https:\/\/docs\.github\.com\S*$/, '');
}

function isTimeout(e: RequestErrorLike): boolean {
  const names = [e.name, (e.cause as { name?: string } | undefined)?.name];
  return names.includes('TimeoutError') || /aborted due to timeout/i.test(e.message ?? '');
}

function isRateLimited(status: number, headers: Record<string, string | undefined>, message: string): boolean {
  if (status === 429) return true;
  if (status !== 403) return false;
  return headers['x-ratelimit-remaining'] === '0' || /rate limit/i.test(message);
}

function retryAfter(headers: Record<string, string | undefined>): number | undefined {
  const after = Number(headers['retry-after']);
  if (Number.isFinite(after) && after > 0) return after * 1000;
  const reset = Number(headers['x-ratelimit-reset']);
  if (Number.isFinite(reset) && reset > 0) return Math.max(0, reset * 1000 - Date.now());
  return undefined;
}

function resetText(headers: Record<string, string | undefined>): string {
  const reset = Number(headers['x-ratelimit-reset']);
  return Number.isFinite(reset) && reset > 0 ? ` until ${new Date(reset * 1000).toISOString()}` : '';
}

/** A response that is not what GitHub documents (truncated, not JSON). Worth one more try. */
export function badResponse(action: string, detail: string): GitHubError {
  return new GitHubError(`GitHub sent an unexpected answer while trying to ${action}: ${detail}`, {
    code: GitHubErrorCode.badResponse,
    retryable: true,
    hint: 'a proxy or a network fault may have cut the answer; run the command again (or resume)',
  });
}
