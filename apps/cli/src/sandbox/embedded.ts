import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { TargetConfig } from '@creds/creds';

/** The token the embedded GitHub server accepts (it may do anything; it is not a real token). */
export const SANDBOX_TOKEN = 'creds-sandbox-token';
export const SANDBOX_LOGIN = 'creds-demo';

export interface EmbeddedSandbox {
  aws: {
    credentials: { accessKeyId: string; secretAccessKey: string };
    endpoints: { iam: string; sts: string };
    region: string;
  };
  github: { token: string; baseUrl: string; timeScale: number };
  /** Where the worlds are kept (undefined: in memory). */
  stateDir?: string;
  /** Env vars that point the AWS SDK/CLI and creds at these servers. */
  env(): Record<string, string>;
  close(): Promise<void>;
}

export interface EmbeddedSandboxOptions {
  /** The config's folder: the worlds live in <dir>/.creds/sandbox/. */
  dir: string;
  /** Repositories (and orgs) these targets name are created in the GitHub world. */
  targets: readonly TargetConfig[];
  memory?: boolean;
  iamPort?: number;
  githubPort?: number;
  /** How long a new access key is refused, in sandbox ms (default: the sandbox's 10 s, or CREDS_SANDBOX_PROPAGATION_MS). */
  propagationDelayMs?: number;
}

/** Real milliseconds per sandbox millisecond (GitHub's waits, IAM's propagation), unless CREDS_SANDBOX_TIME_SCALE says. */
const SANDBOX_TIME_SCALE = 0.05;

/**
 * Starts the IAM/STS and GitHub sandbox servers in this process, on 127.0.0.1. Their worlds are
 * JSON files under .creds/sandbox/, so consecutive commands (and a `creds sandbox` in another shell)
 * see the same users, keys and secrets. Fault injection comes from CREDS_SANDBOX_* env vars.
 */
export async function startEmbeddedSandbox(options: EmbeddedSandboxOptions): Promise<EmbeddedSandbox> {
  const { startGitHubServer, startIamServer } = await import('@creds/sandbox');
  // GitHub's waits (1 s between writes, rate-limit windows) and IAM's key propagation run faster in
  // the sandbox, on one clock for servers and client.
  const timeScale = Number(process.env['CREDS_SANDBOX_TIME_SCALE']) || SANDBOX_TIME_SCALE;
  let stateDir: string | undefined;
  if (!options.memory) {
    const { ensureStateDir, statePaths } = await import('@creds/creds');
    await ensureStateDir(options.dir);
    stateDir = statePaths(options.dir).sandbox;
    await mkdir(stateDir, { recursive: true, mode: 0o700 });
  }
  // A new key is refused for AWS's 10 s of propagation, on the same faster clock.
  const iam = await startIamServer({
    timeScale,
    ...(options.propagationDelayMs !== undefined ? { propagationDelayMs: options.propagationDelayMs } : {}),
    ...(stateDir ? { stateFile: join(stateDir, 'iam.json') } : {}),
    ...(options.iamPort !== undefined ? { port: options.iamPort } : {}),
  });
  let github: Awaited<ReturnType<typeof startGitHubServer>>;
  try {
    github = await startGitHubServer({
      ...(stateDir ? { stateFile: join(stateDir, 'github.json') } : {}),
      ...(options.githubPort !== undefined ? { port: options.githubPort } : {}),
      tokens: [{ token: SANDBOX_TOKEN, login: SANDBOX_LOGIN }],
      timeScale,
    });
  } catch (error) {
    await iam.close();
    throw error;
  }
  for (const target of options.targets) {
    const gh = target.github;
    if (gh.org) {
      github.addOrg(gh.org);
      for (const name of gh.repositories ?? []) github.addRepo({ owner: gh.org, name });
    }
    if (gh.owner && gh.repo) {
      // A configured environment is left for setup to create, as on a repository that does not have
      // it yet — unless the config says creds may not (then it is there, as it must be).
      const given = gh.environment !== undefined && gh.createEnvironment === false;
      github.addRepo({ owner: gh.owner, name: gh.repo, ...(given ? { environments: [gh.environment!] } : {}) });
    }
  }
  const admin = iam.admin;
  return {
    aws: {
      credentials: { accessKeyId: admin.accessKeyId, secretAccessKey: admin.secretAccessKey },
      endpoints: { iam: iam.url, sts: iam.url },
      region: 'us-east-1',
    },
    github: { token: SANDBOX_TOKEN, baseUrl: github.url, timeScale },
    ...(stateDir ? { stateDir } : {}),
    env: () => ({ ...iam.env(), GITHUB_API_URL: github.url, GH_TOKEN: SANDBOX_TOKEN }),
    async close() {
      await Promise.allSettled([iam.close(), github.close()]);
    },
  };
}
