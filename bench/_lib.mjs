// Shared pieces of the benchmarks: the built packages, the real SDKs (resolved from the packages
// that depend on them), sandbox worlds on 127.0.0.1, and small statistics.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
const from = (pkg, spec) => import(pathToFileURL(createRequire(join(ROOT, 'packages', pkg, 'package.json')).resolve(spec)).href);

for (const dist of ['packages/sandbox/dist/index.js', 'packages/creds/dist/index.js', 'apps/cli/dist/main.js']) {
  try {
    createRequire(import.meta.url).resolve(join(ROOT, dist));
  } catch {
    console.error(`${dist} is missing: build first (corepack pnpm bench builds)`);
    process.exit(2);
  }
}

export const sandbox = await import(pathToFileURL(join(ROOT, 'packages/sandbox/dist/index.js')).href);
export const creds = await import(pathToFileURL(join(ROOT, 'packages/creds/dist/index.js')).href);
export const loadIam = () => from('aws-iam', '@aws-sdk/client-iam');
export const loadOctokit = () => from('github-secrets', '@octokit/rest');
export const loadSodium = () => from('github-secrets', 'libsodium-wrappers');

export const TOKEN = 'ghp_bench_token_0000000000000000000000';

/** A temp folder plus IAM/STS and GitHub sandbox servers in this process. */
export async function world({ repos = [], orgs = [], github = {}, iam = {}, config } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'creds-bench-'));
  // Setup's figures count API rounds: no propagation wait unless a benchmark asks for one.
  const iamServer = await sandbox.startIamServer({ propagationDelayMs: 0, ...iam });
  const githubServer = await sandbox.startGitHubServer({ tokens: [{ token: TOKEN, scopes: ['repo', 'admin:org'] }], orgs, repos, ...github });
  if (config) writeFileSync(join(dir, 'creds.config.json'), JSON.stringify(config));
  return {
    dir,
    iam: iamServer,
    github: githubServer,
    env: {
      PATH: process.env.PATH,
      HOME: dir,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_CONFIG_FILE: '/nonexistent/aws-config',
      AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/aws-credentials',
      NO_COLOR: '1',
      ...iamServer.env(),
      GITHUB_API_URL: githubServer.url,
      GH_TOKEN: TOKEN,
    },
    /** Library options pointing at these servers; GitHub waits run on `timeScale`. */
    options(extra = {}, timeScale = 0.001) {
      const { accessKeyId, secretAccessKey } = iamServer.admin;
      return {
        aws: { credentials: { accessKeyId, secretAccessKey }, endpoints: { iam: iamServer.url, sts: iamServer.url } },
        github: { token: TOKEN, baseUrl: githubServer.url, timeScale },
        ...extra,
      };
    },
    setLatency(ms) {
      iamServer.setLatency(ms);
      githubServer.setLatency(ms);
    },
    calls() {
      return { total: iamServer.calls.total + githubServer.counts().total, writes: iamServer.calls.writes + githubServer.counts().writes };
    },
    resetCalls() {
      iamServer.calls.reset();
      githubServer.resetLog();
    },
    async close() {
      await Promise.allSettled([iamServer.close(), githubServer.close()]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function loadConfig(w, raw) {
  return creds.resolveConfig(raw, { path: join(w.dir, 'creds.config.json'), dir: w.dir });
}

/** Serial rounds of API calls in world `w`, counted from both servers' logs (each call's start and end). */
export function serialRounds(w) {
  return sandbox.serialRounds([...w.iam.calls.log, ...w.github.requests]);
}

export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

export const ms = (x) => `${Math.round(x)} ms`;
export const ratio = (x) => `${x.toFixed(2)}×`;
