import { randomBytes } from 'node:crypto';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type GitHubSandbox, type IamSandbox, startGitHubServer, startIamServer } from '../../packages/sandbox/dist/index.js';
import { baseEnv } from './cli.js';

export const OWNER = 'octo-org';
export const REPO = 'demo';
export const TARGET = 'demo';
export const USER = 'gha-demo';
export const SCOPE = { owner: OWNER, repo: REPO };
export const SECRET_NAMES = ['AWS_ACCESS_KEY_ID', 'AWS_DEFAULT_REGION', 'AWS_SECRET_ACCESS_KEY'];

/** The config the crash matrix and most tests use: tags, an inline policy, a managed policy. */
export const CONFIG = {
  region: 'eu-west-1',
  iam: {
    userName: USER,
    tags: { team: 'platform', project: 'demo' },
    policy: {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject'], Resource: 'arn:aws:s3:::demo-artifacts/*' }],
    },
    managedPolicyArns: ['arn:aws:iam::aws:policy/ReadOnlyAccess'],
  },
  github: { owner: OWNER, repo: REPO },
  store: { type: 'json' },
};

/**
 * One sandboxed world: a temp folder with the config, and IAM/STS + GitHub sandbox servers in this
 * process whose worlds are JSON files under `<dir>/world/` (outside `.creds/`, so a folder can be
 * copied as a template and the CLI never reads them). The CLI is pointed at them through the env.
 */
export interface World {
  dir: string;
  iam: IamSandbox;
  github: GitHubSandbox;
  token: string;
  env: NodeJS.ProcessEnv;
  journal: string;
  close(): Promise<void>;
  remove(): Promise<void>;
}

export interface WorldOptions {
  /** Copy this folder (config, .creds/, world/) instead of starting empty. */
  template?: string;
  config?: unknown;
  /** Repositories to create in the GitHub world (`owner/name`); default octo-org/demo. */
  repos?: string[];
  orgs?: string[];
  /** Token permissions (fine-grained) or scopes (classic); all allowed when omitted. */
  token?: { scopes?: string[]; permissions?: Record<string, 'read' | 'write'> };
  githubOptions?: Parameters<typeof startGitHubServer>[0];
  iamOptions?: Parameters<typeof startIamServer>[0];
}

const ROOT_TMP = join(tmpdir(), 'creds-reliability');
/** Real ms per sandbox ms for IAM's key propagation. */
export const PROPAGATION_TIME_SCALE = 0.02;

export async function createWorld(options: WorldOptions = {}): Promise<World> {
  mkdirSync(ROOT_TMP, { recursive: true });
  const dir = mkdtempSync(join(ROOT_TMP, 'w-'));
  const worldDir = join(dir, 'world');
  let token: string;
  if (options.template) {
    cpSync(options.template, dir, { recursive: true });
    if (existsSync(join(dir, '.creds'))) chmodSync(join(dir, '.creds'), 0o700);
    if (existsSync(join(dir, '.creds', 'keys.json'))) chmodSync(join(dir, '.creds', 'keys.json'), 0o600);
    token = readFileSync(join(worldDir, 'token'), 'utf8');
  } else {
    mkdirSync(worldDir, { recursive: true });
    token = `ghp_${randomBytes(18).toString('hex')}`;
    writeFileSync(join(worldDir, 'token'), token);
    if (options.config !== null) {
      writeFileSync(join(dir, 'creds.config.json'), `${JSON.stringify(options.config ?? CONFIG, null, 2)}\n`);
    }
  }
  // New keys are refused for AWS's 10 s of propagation (the sandbox's default), 200 ms of real time here.
  const iam = await startIamServer({ stateFile: join(worldDir, 'iam.json'), timeScale: PROPAGATION_TIME_SCALE, ...options.iamOptions });
  const github = await startGitHubServer({
    stateFile: join(worldDir, 'github.json'),
    ...(options.template ? {} : { tokens: [{ token, login: 'octocat', ...options.token }] }),
    ...options.githubOptions,
  });
  if (!options.template) {
    for (const org of options.orgs ?? []) github.addOrg(org);
    for (const full of options.repos ?? [`${OWNER}/${REPO}`]) {
      const [owner, name] = full.split('/') as [string, string];
      github.addRepo({ owner, name });
    }
  }
  const env = { ...baseEnv(dir), ...iam.env(), GITHUB_API_URL: github.url, GH_TOKEN: token };
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await Promise.allSettled([iam.close(), github.close()]);
  };
  return {
    dir,
    iam,
    github,
    token,
    env,
    journal: join(dir, '.creds', 'journal', `${TARGET}.jsonl`),
    close,
    async remove() {
      await close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function setLatency(world: World, ms: number): void {
  world.iam.setLatency(ms);
  world.github.setLatency(ms);
}

/** Whether the world's config keeps no copy of the key (`store: { type: "none" }`): GitHub holds the only one. */
export function storeless(dir: string): boolean {
  const file = join(dir, 'creds.config.json');
  return existsSync(file) && (JSON.parse(readFileSync(file, 'utf8')) as { store?: { type?: string } }).store?.type === 'none';
}

/** The key GitHub's AWS_ACCESS_KEY_ID holds (store none: the key creds keeps, with no copy elsewhere). */
const githubKeyId = (world: World, scope = SCOPE) => world.github.secretValue(scope, 'AWS_ACCESS_KEY_ID');

/** The key store's entries (`.creds/keys.json`): name → access key id. */
export function storeEntries(dir: string): Record<string, string> {
  const file = join(dir, '.creds', 'keys.json');
  if (!existsSync(file)) return {};
  const text = readFileSync(file, 'utf8');
  if (text.trim() === '') return {};
  const data = JSON.parse(text) as { keys?: Record<string, { accessKeyId: string; secretAccessKey: string }> };
  return Object.fromEntries(Object.entries(data.keys ?? {}).map(([name, k]) => [name, k.accessKeyId]));
}

function storeSecrets(dir: string): Record<string, string> {
  const file = join(dir, '.creds', 'keys.json');
  if (!existsSync(file)) return {};
  const data = JSON.parse(readFileSync(file, 'utf8')) as { keys?: Record<string, { accessKeyId: string; secretAccessKey: string }> };
  return Object.fromEntries(Object.values(data.keys ?? {}).map((k) => [k.accessKeyId, k.secretAccessKey]));
}

/** Keys on a creds user that the store does not hold (the secret is lost: I3's orphans). */
export function orphanKeys(world: World): string[] {
  // Store none: the only copy of a key's secret is GitHub's, so every other key is an orphan.
  const held = new Set(storeless(world.dir) ? [githubKeyId(world)] : Object.values(storeEntries(world.dir)));
  return world.iam
    .state()
    .users.flatMap((u) => u.accessKeys.map((k) => k.accessKeyId))
    .filter((id) => !held.has(id));
}

export function maxKeysPerUser(world: World): number {
  return Math.max(0, ...world.iam.state().users.map((u) => u.accessKeys.length));
}

const canonicalJson = (text: string) => JSON.stringify(JSON.parse(text));

/**
 * The world as creds left it, without ids and times: users (path, tags, policies, number and
 * status of keys), the repository's secret names, the store's entry names, and whether the
 * secrets decrypt to the key the store holds, which is the user's key.
 */
export function normalizedState(world: World, scope = SCOPE) {
  const state = world.iam.state();
  const entries = storeEntries(world.dir);
  const secrets = storeSecrets(world.dir);
  const names = world.github.secretNames(scope);
  const problems: string[] = [];
  const user = state.users.find((u) => u.userName === USER);
  if (storeless(world.dir)) {
    // No store: GitHub's pair must be an Active key of the user and its secret (the sandbox keeps it).
    if (existsSync(join(world.dir, '.creds', 'keys.json'))) problems.push('store none wrote .creds/keys.json');
    const id = githubKeyId(world, scope);
    if (names.length > 0) {
      const key = user?.accessKeys.find((k) => k.accessKeyId === id);
      if (key?.status !== 'Active') problems.push(`AWS_ACCESS_KEY_ID holds ${id}, not an active key of ${USER}`);
      else if (world.github.secretValue(scope, 'AWS_SECRET_ACCESS_KEY') !== key.secretAccessKey) problems.push('AWS_SECRET_ACCESS_KEY is not the secret of the key AWS_ACCESS_KEY_ID names');
    }
  }
  const current = entries[TARGET];
  if (!storeless(world.dir) && (names.length > 0 || current)) {
    const id = world.github.secretValue(scope, 'AWS_ACCESS_KEY_ID');
    const secret = world.github.secretValue(scope, 'AWS_SECRET_ACCESS_KEY');
    if (id !== current) problems.push(`AWS_ACCESS_KEY_ID holds ${id}, the store ${current}`);
    if (current && secret !== secrets[current]) problems.push('AWS_SECRET_ACCESS_KEY does not decrypt to the stored secret');
    if (current && !user?.accessKeys.some((k) => k.accessKeyId === current && k.status === 'Active')) {
      problems.push(`the stored key ${current} is not an active key of ${USER}`);
    }
    const region = world.github.secretValue(scope, 'AWS_DEFAULT_REGION');
    if (names.includes('AWS_DEFAULT_REGION') && region !== CONFIG.region) problems.push(`AWS_DEFAULT_REGION is ${region}`);
  }
  return {
    users: state.users.map((u) => ({
      userName: u.userName,
      path: u.path,
      tags: u.tags.map((t) => `${t.Key}=${t.Value}`).sort(),
      inlinePolicies: Object.fromEntries(Object.entries(u.inlinePolicies).map(([n, d]) => [n, canonicalJson(d)])),
      attachedPolicies: [...u.attachedPolicies].sort(),
      keys: u.accessKeys.map((k) => k.status).sort(),
    })),
    secrets: names,
    store: Object.keys(entries).sort(),
    problems,
  };
}

export type NormalizedState = ReturnType<typeof normalizedState>;

/** What remains that creds made: users, secrets, store entries. Empty when rollback cleaned up. */
export function leftovers(world: World, scope = SCOPE): string[] {
  const out: string[] = [];
  for (const u of world.iam.state().users) out.push(`IAM user ${u.userName} (${u.accessKeys.length} keys)`);
  for (const n of world.github.secretNames(scope)) out.push(`secret ${n}`);
  for (const n of Object.keys(storeEntries(world.dir))) out.push(`store entry ${n}`);
  return out;
}

/** Samples the keys per user every few ms while `fn` runs; returns fn's result and the maximum. */
export async function sampleKeys<T>(world: World, fn: () => Promise<T>): Promise<{ value: T; maxKeys: number }> {
  let maxKeys = maxKeysPerUser(world);
  const timer = setInterval(() => {
    try {
      maxKeys = Math.max(maxKeys, maxKeysPerUser(world));
    } catch {
      // a world file mid-rename; the next sample sees it
    }
  }, 5);
  try {
    const value = await fn();
    return { value, maxKeys: Math.max(maxKeys, maxKeysPerUser(world)) };
  } finally {
    clearInterval(timer);
  }
}
