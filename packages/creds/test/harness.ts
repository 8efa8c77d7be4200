import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type GitHubSandbox, type IamSandbox, type SandboxRateLimitOptions, startGitHubServer, startIamServer } from '@creds/sandbox';
import { afterEach, beforeEach } from 'vitest';
import { type Creds, type CredsOptions, createCreds, type LoadedConfig, resolveConfig } from '../src/index.js';

process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] = 'true';

export const TOKEN = 'ghp_sandboxtoken000000000000000000000000';

export const POLICY = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: ['s3:GetObject'], Resource: 'arn:aws:s3:::demo-bucket/*' }],
};

export function baseConfig(overrides: Record<string, unknown> = {}) {
  return {
    region: 'eu-west-1',
    iam: { userName: 'gh-demo', tags: { team: 'platform' }, policy: POLICY, managedPolicyArns: ['arn:aws:iam::aws:policy/ReadOnlyAccess'] },
    github: { owner: 'octo-org', repo: 'demo' },
    ...overrides,
  };
}

/** Both sandbox servers, a temp folder for state, and a creds instance wired to them. */
export async function world(
  options: { repos?: Array<{ owner: string; name: string; environments?: string[] }>; orgs?: string[]; rateLimit?: SandboxRateLimitOptions } = {},
) {
  const dir = mkdtempSync(join(tmpdir(), 'creds-lib-'));
  const iam: IamSandbox = await startIamServer({ propagationDelayMs: 300 });
  const github: GitHubSandbox = await startGitHubServer({
    tokens: [{ token: TOKEN }],
    repos: options.repos ?? [{ owner: 'octo-org', name: 'demo' }],
    ...(options.orgs ? { orgs: options.orgs } : {}),
    ...(options.rateLimit ? { rateLimit: options.rateLimit } : {}),
    timeScale: 0.001,
  });
  /** A creds instance for a config in `at` (default the world's folder; another folder is another config's state). */
  const creds = async (raw: unknown, extra: CredsOptions = {}, at = dir): Promise<{ creds: Creds; config: LoadedConfig }> => {
    const config = await resolveConfig(raw, { path: join(at, 'creds.config.json'), dir: at });
    return {
      config,
      creds: createCreds(config, {
        aws: { credentials: { accessKeyId: iam.admin.accessKeyId, secretAccessKey: iam.admin.secretAccessKey }, endpoints: { iam: iam.url, sts: iam.url } },
        github: { token: TOKEN, baseUrl: github.url, timeScale: 0.001 },
        verifyTimeoutMs: 10_000,
        ...extra,
      }),
    };
  };
  const close = async () => {
    await Promise.all([iam.close(), github.close()]);
    rmSync(dir, { recursive: true, force: true });
  };
  return { dir, iam, github, creds, close };
}

export type World = Awaited<ReturnType<typeof world>>;

/** A fresh world for each test of the file (started before, closed after), read through `w`. */
export function useWorld(options: Parameters<typeof world>[0] = {}): World {
  let current: World | undefined;
  beforeEach(async () => {
    current = await world(options);
  });
  afterEach(async () => {
    await current?.close();
    current = undefined;
  });
  return new Proxy({} as World, { get: (_target, key) => current?.[key as keyof World] });
}
