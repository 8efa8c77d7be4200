import { createPrivateKey } from 'node:crypto';
import { CredsError, isSecret, type Secret, ValidationError } from '@creds/core';
import { request as octokitRequest } from '@octokit/request';
import githubAppJwt from 'universal-github-app-jwt';
import { badResponse, GitHubErrorCode, scrub, toGitHubError } from './errors.js';
import { checkBaseUrl, fetchWithTimeout } from './http.js';

/** A GitHub App's credentials: its id (or client id), its private key, and optionally the installation to use. */
export interface GitHubAppCredentials {
  /** The App ID (digits) or its client ID (`Iv…`), both on the app's settings page. */
  appId: string | number;
  /** The PEM the app's settings page generated (PKCS#1 or PKCS#8). Literal `\n` sequences are read as newlines. */
  privateKey: string | Secret;
  /** Use this installation for every owner; otherwise creds asks GitHub for the installation of each owner. */
  installationId?: number;
}

export interface GitHubAppAuthOptions extends GitHubAppCredentials {
  /** `https://api.github.com` by default. */
  baseUrl?: string;
  /** Real milliseconds per GitHub millisecond (the refresh margin scales with it); 1 in real use. */
  timeScale?: number;
  timeoutMs?: number;
  userAgent?: string;
}

/** What an installation token may do, from GitHub's answer when it was minted. Never the token. */
export interface InstallationAccess {
  installationId: number;
  /** `read` or `write` by permission name (`secrets`, `actions`, `organization_secrets`, …). */
  permissions: Record<string, string>;
  repositorySelection: 'all' | 'selected';
  /** The repositories' names (without owner) when the selection is `selected`. */
  repositories?: string[];
  /** When the token expires (ISO 8601). */
  expiresAt: string;
}

interface Minted {
  token: string;
  /** Epoch ms: when it was asked for, and when GitHub says it expires. */
  createdAt: number;
  expiresAt: number;
  access: InstallationAccess;
}

/** Where a target lives, to find the app's installation there. */
export type InstallationTarget = { owner: string; repo: string } | { org: string };

export interface GitHubAppAuth {
  /** The app id as given (digits or client id). */
  readonly appId: string;
  readonly baseUrl: string;
  readonly timeScale: number;
  /**
   * The installation for a target: the configured one, or GitHub's answer to
   * `GET /repos/{owner}/{repo}/installation` / `GET /orgs/{org}/installation`, cached per owner.
   */
  installationFor(target: InstallationTarget): Promise<{ installationId: number; account: string }>;
  /** What the installation's current token may do (minting one if needed). */
  access(installationId: number): Promise<InstallationAccess>;
  /**
   * A token of the installation with some life left: the cached one, or a fresh one when the
   * cached one expires within the refresh margin. Internal to the client; never log it.
   */
  token(installationId: number): Promise<string>;
}

/** Refresh a token this long before it expires (GitHub ms), or at three quarters of its life when that is sooner. */
const REFRESH_MARGIN_MS = 5 * 60_000;

const APP_ID = /^(\d+|Iv[0-9A-Za-z.]+)$/;

/** The PEM as given, with `\n` written out (as in a one-line env variable) turned into newlines. */
function pemOf(key: string | Secret): string {
  const text = (isSecret(key) ? key.reveal() : key).trim();
  return text.includes('\\n') && !text.includes('\n') ? text.replace(/\\n/g, '\n') : text;
}

/**
 * GitHub App authentication: JWTs signed with the app's key (universal-github-app-jwt, the signer
 * @octokit/auth-app uses), installation tokens minted per installation
 * (`POST /app/installations/{id}/access_tokens`), cached and refreshed before their `expires_at`.
 * Not @octokit/auth-app itself: its dependencies pull @octokit/request ≥ 10.0.15, whose
 * content-type 3 needs Node 22, and its cache keeps a token 59 minutes whatever its expiry. The
 * key is checked here, before any request, and never appears in an error.
 */
export function createGitHubAppAuth(options: GitHubAppAuthOptions): GitHubAppAuth {
  const appId = String(options.appId).trim();
  if (!APP_ID.test(appId)) {
    throw new ValidationError('github.app.appId', `"${appId.slice(0, 40)}" is not a GitHub App ID (digits) or client ID (Iv…)`, {
      hint: 'copy the App ID from the app\'s settings page (GitHub → Settings → Developer settings → GitHub Apps → the app → General)',
    });
  }
  const pem = pemOf(options.privateKey);
  try {
    const key = createPrivateKey(pem);
    if (key.asymmetricKeyType !== 'rsa') throw new Error('not RSA');
  } catch {
    throw new CredsError('the GitHub App private key is not a PEM RSA private key', {
      code: GitHubErrorCode.appKeyInvalid,
      hint:
        'give the .pem file the app\'s settings page generated ("Generate a private key"), whole: CREDS_GITHUB_APP_PRIVATE_KEY_FILE=path, ' +
        'or its text in CREDS_GITHUB_APP_PRIVATE_KEY (from -----BEGIN RSA PRIVATE KEY----- to the END line)',
    });
  }
  const baseUrl = checkBaseUrl(options.baseUrl ?? 'https://api.github.com');
  const timeScale = options.timeScale ?? 1;
  const request = octokitRequest.defaults({
    baseUrl,
    headers: { 'user-agent': options.userAgent ?? 'creds' },
    request: { fetch: fetchWithTimeout(options.timeoutMs ?? 30_000) },
  });
  // The JWT's iss: the App ID as a number (as GitHub shows it), or the client ID.
  const iss = /^\d+$/.test(appId) ? Number(appId) : appId;
  const jwt = async () => (await githubAppJwt<number | string>({ id: iss, privateKey: pem })).token;
  const given = options.installationId;
  const byOwner = new Map<string, Promise<{ installationId: number; account: string }>>();
  const tokens = new Map<number, Minted>();
  const minting = new Map<number, Promise<Minted>>();

  /** An error of the app's own calls, with advice about the app rather than a token. */
  const appError = (error: unknown, action: string, notInstalled?: string): CredsError => {
    if (error instanceof CredsError) return error;
    const e = error as { status?: number; message?: string; response?: { data?: { message?: unknown } } };
    const says = scrub(String(e.response?.data?.message ?? e.message ?? error).replace(/ - https:\/\/docs\.github\.com\S*$/, ''), undefined);
    if (e.status === 401) {
      const clock = /claim \('(exp|iat)'\)/.test(says);
      return new CredsError(`GitHub refused GitHub App ${appId}'s JWT (401 ${says}) while trying to ${action}`, {
        code: GitHubErrorCode.appAuthFailed,
        hint: clock
          ? "this machine's clock is off: set it right (NTP) and run again"
          : `check that ${appId} is the App ID of the app whose private key you gave (the app's settings page, "App ID"), and that the key has not been deleted there`,
      });
    }
    if (e.status === 404 && notInstalled) {
      return new CredsError(`GitHub App ${appId} is not installed on ${notInstalled} (404)`, {
        code: GitHubErrorCode.appNotInstalled,
        hint: `install the app on ${notInstalled} (the app's page → Install App) and give it access to the repository, or set CREDS_GITHUB_APP_INSTALLATION_ID to the installation to use`,
      });
    }
    return toGitHubError(error, { action });
  };

  /** One request for a new token per installation at a time; concurrent callers share it. */
  const mint = (installationId: number): Promise<Minted> => {
    let pending = minting.get(installationId);
    if (!pending) {
      pending = (async () => {
        const createdAt = Date.now();
        try {
          const res = await request('POST /app/installations/{installation_id}/access_tokens', {
            installation_id: installationId,
            headers: { authorization: `bearer ${await jwt()}` },
          });
          const data = res.data as { token?: unknown; expires_at?: unknown; permissions?: unknown; repository_selection?: unknown; repositories?: unknown };
          const expiresAt = typeof data.expires_at === 'string' ? Date.parse(data.expires_at) : Number.NaN;
          if (typeof data.token !== 'string' || Number.isNaN(expiresAt)) throw badResponse(`create an installation token for installation ${installationId}`, 'token or expires_at is missing');
          const repositories = Array.isArray(data.repositories) ? data.repositories.map((r: { name?: unknown }) => String(r.name)) : undefined;
          const minted: Minted = {
            token: data.token,
            createdAt,
            expiresAt,
            access: {
              installationId,
              permissions: { ...((data.permissions as Record<string, string> | undefined) ?? {}) },
              repositorySelection: data.repository_selection === 'selected' ? 'selected' : 'all',
              ...(repositories ? { repositories } : {}),
              expiresAt: data.expires_at as string,
            },
          };
          tokens.set(installationId, minted);
          return minted;
        } catch (error) {
          throw appError(error, `create an installation token for installation ${installationId}`, `installation ${installationId} (it does not exist, or belongs to another app)`);
        }
      })();
      minting.set(installationId, pending);
      pending.finally(() => minting.delete(installationId)).catch(() => undefined);
    }
    return pending;
  };

  /** The cached token while it has more than the margin to live (5 min, or a quarter of its life when that is less). */
  const current = async (installationId: number): Promise<Minted> => {
    const cached = tokens.get(installationId);
    if (cached) {
      const margin = Math.min(REFRESH_MARGIN_MS * timeScale, (cached.expiresAt - cached.createdAt) / 4);
      if (cached.expiresAt - Date.now() > margin) return cached;
    }
    return mint(installationId);
  };

  return {
    appId,
    baseUrl,
    timeScale,
    installationFor(target) {
      // With an installation given, its account is read once (GET /app/installations/{id}).
      const owner = given !== undefined ? '' : ('org' in target ? target.org : target.owner).toLowerCase();
      let pending = byOwner.get(owner);
      if (!pending) {
        const where =
          given !== undefined
            ? `installation ${given}`
            : 'org' in target
              ? `organization ${target.org}`
              : `${target.owner}, or not given access to ${target.owner}/${target.repo}`;
        const [route, params] =
          given !== undefined
            ? (['GET /app/installations/{installation_id}', { installation_id: given }] as const)
            : 'org' in target
              ? (['GET /orgs/{org}/installation', { org: target.org }] as const)
              : (['GET /repos/{owner}/{repo}/installation', { owner: target.owner, repo: target.repo }] as const);
        pending = (async () => {
          try {
            const res = await request(route, { ...params, headers: { authorization: `bearer ${await jwt()}` } });
            const data = res.data as { id?: unknown; account?: { login?: unknown } | null };
            if (typeof data.id !== 'number' || typeof data.account?.login !== 'string') throw badResponse(`read GitHub App ${appId}'s installation`, 'id or account is missing');
            return { installationId: data.id, account: data.account.login };
          } catch (error) {
            throw appError(error, `find GitHub App ${appId}'s installation (${where})`, given !== undefined ? `installation ${given} (no such installation of this app)` : where);
          }
        })();
        byOwner.set(owner, pending);
        pending.catch(() => byOwner.delete(owner));
      }
      return pending;
    },
    async access(installationId) {
      return structuredClone((await current(installationId)).access);
    },
    token: async (installationId) => (await current(installationId)).token,
  };
}
