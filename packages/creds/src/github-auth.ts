import { readFile } from 'node:fs/promises';
import { CredsError, isSecret, Secret } from '@creds/core';
import {
  createGitHubAppAuth,
  createGitHubClient,
  type GitHubAppAuth,
  type GitHubClient,
  type InstallationTarget,
  resolveGitHubToken,
} from '@creds/github-secrets';
import type { GitHubAppOptions, GitHubOptions } from './api.js';
import type { GitHubAppConfig, TargetConfig } from './config/schema.js';

/** The environment variables of GitHub App authentication. */
export const APP_ENV = {
  appId: 'CREDS_GITHUB_APP_ID',
  privateKey: 'CREDS_GITHUB_APP_PRIVATE_KEY',
  privateKeyFile: 'CREDS_GITHUB_APP_PRIVATE_KEY_FILE',
  installationId: 'CREDS_GITHUB_APP_INSTALLATION_ID',
} as const;

/** How creds reaches GitHub: one client for a token; a client per app installation otherwise. */
export interface GitHubAccess {
  /** The client for a target (its owner's installation with an app); any target's with a token. */
  client(target?: TargetConfig): Promise<GitHubClient>;
  /** Which auth is used, without secrets: `token (GH_TOKEN)`, `GitHub App 123, installation 456 (octo)`. */
  describe(target?: TargetConfig): Promise<string>;
}

const where = (target: TargetConfig): InstallationTarget =>
  target.github.org ? { org: target.github.org } : { owner: target.github.owner!, repo: target.github.repo! };

const missingKey = (detail: string) =>
  new CredsError(`GitHub App ${detail}`, {
    code: 'GITHUB_APP_KEY_MISSING',
    hint: `set ${APP_ENV.privateKeyFile} to the app's .pem file (or ${APP_ENV.privateKey} to its text), or githubApp.privateKeyFile in the config`,
  });

async function keyFromFile(path: string, from: string): Promise<Secret> {
  try {
    return new Secret(await readFile(path, 'utf8'));
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'does not exist' : 'cannot be read';
    throw missingKey(`private key file ${path} (${from}) ${reason}`);
  }
}

function installationIdOf(raw: string | undefined): number | undefined {
  if (raw === undefined || raw.trim() === '') return undefined;
  if (!/^\d+$/.test(raw.trim())) {
    throw new CredsError(`${APP_ENV.installationId} must be a number, got "${raw.slice(0, 20)}"`, {
      code: 'INVALID_INPUT',
      hint: 'unset it to let creds find each owner\'s installation, or set it to the installation id (the number at the end of the installation\'s settings URL)',
    });
  }
  return Number(raw.trim());
}

/**
 * The app credentials in force: the `github.app` option; else CREDS_GITHUB_APP_ID with the key from
 * CREDS_GITHUB_APP_PRIVATE_KEY(_FILE); else the config's `githubApp` (its key file, or the key
 * variables). Undefined when none names an app. The key is read into a Secret and never printed.
 */
export async function resolveGitHubApp(
  option: GitHubAppOptions | undefined,
  config: GitHubAppConfig | undefined,
  env: NodeJS.ProcessEnv = process.env,
): Promise<GitHubAppOptions | undefined> {
  if (option) return option;
  const envId = env[APP_ENV.appId]?.trim();
  const appId = envId || config?.appId;
  if (appId === undefined) return undefined;
  const inline = env[APP_ENV.privateKey];
  const file = env[APP_ENV.privateKeyFile]?.trim();
  let privateKey: Secret;
  if (inline?.trim()) privateKey = new Secret(inline);
  else if (file) privateKey = await keyFromFile(file, APP_ENV.privateKeyFile);
  else if (!envId && config?.privateKeyFile) privateKey = await keyFromFile(config.privateKeyFile, 'githubApp.privateKeyFile');
  else throw missingKey(`${appId} has no private key`);
  const installationId = installationIdOf(env[APP_ENV.installationId]) ?? (envId ? undefined : config?.installationId);
  return { appId, privateKey, ...(installationId !== undefined ? { installationId } : {}) };
}

/**
 * Builds the GitHub access of a Creds: the token option, else a GitHub App (option, env, config),
 * else GH_TOKEN / GITHUB_TOKEN / `gh auth token`. With an app, each target's owner has its
 * installation (found once per owner) and its own client, so writes are paced per installation.
 */
export function createGitHubAccess(options: GitHubOptions | undefined, config: GitHubAppConfig | undefined): GitHubAccess {
  const timeScale = options?.timeScale !== undefined ? { timeScale: options.timeScale } : {};
  let chosen: Promise<{ kind: 'token'; client: GitHubClient; source: string } | { kind: 'app'; auth: GitHubAppAuth }> | undefined;
  const choose = () =>
    (chosen ??= (async () => {
      if (options?.token) {
        return { kind: 'token' as const, client: createGitHubClient({ token: options.token, baseUrl: baseUrlOf(options), ...timeScale }), source: 'token option' };
      }
      const app = await resolveGitHubApp(options?.app, config);
      if (app) {
        const key = isSecret(app.privateKey) ? app.privateKey : new Secret(app.privateKey);
        const auth = createGitHubAppAuth({ ...app, privateKey: key, baseUrl: baseUrlOf(options), ...timeScale });
        return { kind: 'app' as const, auth };
      }
      const resolved = await resolveGitHubToken();
      const client = createGitHubClient({ token: resolved.token, baseUrl: options?.baseUrl ?? resolved.baseUrl, ...timeScale });
      return { kind: 'token' as const, client, source: resolved.source };
    })());
  const byInstallation = new Map<number, GitHubClient>();

  const installation = async (auth: GitHubAppAuth, target: TargetConfig | undefined) => {
    if (!target) {
      throw new CredsError('with a GitHub App, creds needs a target to know which installation to use', { code: 'INVALID_INPUT' });
    }
    return auth.installationFor(where(target));
  };

  return {
    async client(target) {
      const how = await choose();
      if (how.kind === 'token') return how.client;
      const { installationId, account } = await installation(how.auth, target);
      let client = byInstallation.get(installationId);
      if (!client) {
        client = createGitHubClient({ app: { auth: how.auth, installationId, account }, ...timeScale });
        byInstallation.set(installationId, client);
      }
      return client;
    },
    async describe(target) {
      const how = await choose();
      if (how.kind === 'token') return `token (${how.source})`;
      if (!target) return `GitHub App ${how.auth.appId}`;
      const { installationId, account } = await installation(how.auth, target);
      return `GitHub App ${how.auth.appId}, installation ${installationId} (${account})`;
    },
  };
}

function baseUrlOf(options: GitHubOptions | undefined): string {
  return options?.baseUrl ?? process.env['GITHUB_API_URL'] ?? 'https://api.github.com';
}
