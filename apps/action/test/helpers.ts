import { type ChildProcess, spawn } from 'node:child_process';
import { createPrivateKey, createSign } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createCreds, resolveConfig } from '@creds/creds';
import { type GitHubSandbox, type IamSandbox, startGitHubServer, startIamServer } from '@creds/sandbox';
import { parse as parseYaml } from 'yaml';

export const ACTION_DIR = resolve(fileURLToPath(new URL('.', import.meta.url)), '..');
export const ENTRY = join(ACTION_DIR, 'dist', 'index.js');
export const TOKEN = 'ghs_actionsandboxtoken00000000000000000';

process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] = 'true';

export interface ActionMetadata {
  name?: unknown;
  description?: unknown;
  inputs?: Record<string, { description?: unknown; required?: unknown; default?: unknown }>;
  outputs?: Record<string, { description?: unknown }>;
  runs?: { using?: unknown; main?: unknown };
  [key: string]: unknown;
}

export const metadata = () => parseYaml(readFileSync(join(ACTION_DIR, 'action.yml'), 'utf8')) as ActionMetadata;

export interface ActionRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  summary: string;
  outputs: Record<string, string>;
}

/** Everything every action process wrote in this test file, for the secret scan. */
export const transcript: string[] = [];

/**
 * Starts the committed bundle the way the runner does: `node dist/index.js` in the workspace,
 * every input of action.yml as `INPUT_<ID>` (upper-cased, hyphens kept) with its default unless
 * given, and fresh GITHUB_OUTPUT and GITHUB_STEP_SUMMARY files outside the workspace.
 */
export function startAction(options: { cwd: string; inputs?: Record<string, string>; env?: NodeJS.ProcessEnv }): ChildProcess & { result: Promise<ActionRun> } {
  const declared = metadata().inputs ?? {};
  const inputEnv: Record<string, string> = {};
  for (const [id, spec] of Object.entries(declared)) {
    const value = options.inputs?.[id] ?? (spec.default === undefined ? undefined : String(spec.default));
    if (value !== undefined) inputEnv[`INPUT_${id.replace(/ /g, '_').toUpperCase()}`] = value;
  }
  for (const id of Object.keys(options.inputs ?? {})) {
    if (!(id in declared)) throw new Error(`test gives input ${id}, which action.yml does not declare`);
  }
  const files = join(tmpdir(), `creds-action-files-${process.pid}-${Math.random().toString(36).slice(2)}`);
  const outputFile = `${files}-output`;
  const summaryFile = `${files}-summary`;
  writeFileSync(outputFile, '');
  writeFileSync(summaryFile, '');
  const child = spawn(process.execPath, [ENTRY], {
    cwd: options.cwd,
    env: {
      PATH: process.env['PATH'],
      HOME: process.env['HOME'],
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_CONFIG_FILE: '/nonexistent/aws-config',
      AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/aws-credentials',
      GITHUB_ACTIONS: 'true',
      GITHUB_WORKSPACE: options.cwd,
      GITHUB_OUTPUT: outputFile,
      GITHUB_STEP_SUMMARY: summaryFile,
      ...inputEnv,
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const chunks = { stdout: [] as string[], stderr: [] as string[] };
  for (const stream of ['stdout', 'stderr'] as const) child[stream]!.setEncoding('utf8').on('data', (d: string) => chunks[stream].push(d));
  const result = new Promise<ActionRun>((done) => {
    child.on('close', async (code, signal) => {
      const [stdout, stderr] = [chunks.stdout.join(''), chunks.stderr.join('')];
      const summary = readFileSync(summaryFile, 'utf8');
      const outputs = parseOutputFile(readFileSync(outputFile, 'utf8'));
      transcript.push(stdout, stderr, summary, JSON.stringify(outputs));
      await Promise.all([rm(outputFile, { force: true }), rm(summaryFile, { force: true })]);
      done({ code, signal, stdout, stderr, summary, outputs });
    });
  });
  return Object.assign(child, { result });
}

export const runAction = (options: Parameters<typeof startAction>[0]) => startAction(options).result;

/** The runner's reading of $GITHUB_OUTPUT: `name=value` lines and `name<<DELIMITER` blocks. */
export function parseOutputFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line === '') continue;
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc) {
      const end = lines.indexOf(heredoc[2]!, i + 1);
      if (end < 0) throw new Error(`output ${heredoc[1]}: no closing delimiter ${heredoc[2]}`);
      out[heredoc[1]!] = lines.slice(i + 1, end).join('\n');
      i = end;
      continue;
    }
    const eq = line.indexOf('=');
    if (eq < 0) throw new Error(`not an output line: ${line}`);
    out[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return out;
}

export async function tempDir(prefix: string): Promise<{ path: string; remove(): Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

const POLICY = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['s3:GetObject'], Resource: 'arn:aws:s3:::demo-bucket/*' }] };

/** A fleet's config: one target per repository of octo-org, each with its own IAM user. */
export function fleetConfig(repos: readonly string[], store: Record<string, unknown>) {
  return {
    region: 'eu-west-1',
    iam: { policy: POLICY },
    store,
    targets: repos.map((repo) => ({ name: repo, github: { owner: 'octo-org', repo }, iam: { userName: `gh-${repo}` } })),
  };
}

/** Both sandbox servers (IAM's world in a file, so a test can age keys), and the env that points an action at them. */
export async function world(repos: readonly string[]) {
  const dir = await tempDir('creds-action-world-');
  const iam: IamSandbox = await startIamServer({ propagationDelayMs: 300, stateFile: join(dir.path, 'iam.json') });
  const github: GitHubSandbox = await startGitHubServer({
    tokens: [{ token: TOKEN }],
    repos: repos.map((name) => ({ owner: 'octo-org', name })),
    orgs: ['octo-org'],
  });
  // The organization's GitHub App, installed with what rotation needs.
  const app = github.addApp({ name: 'Creds Rotator', permissions: { secrets: 'write', actions: 'read' } });
  const { installationId } = github.addInstallation({ appId: app.appId, account: 'octo-org' });
  /** An installation token, minted as actions/create-github-app-token does in a workflow before the action's step. */
  const appToken = () => installationToken(github.url, app, installationId);
  /** What the job's environment gives the action: AWS keys (the SDK's default chain) and the API's URL. */
  const env = {
    AWS_ACCESS_KEY_ID: iam.admin.accessKeyId,
    AWS_SECRET_ACCESS_KEY: iam.admin.secretAccessKey,
    AWS_ENDPOINT_URL_IAM: iam.url,
    AWS_ENDPOINT_URL_STS: iam.url,
    GITHUB_API_URL: github.url,
  };
  /** Sets the fleet up with the library, as a person would have with the CLI before scheduling rotation. */
  const setup = async (raw: unknown, at: string) => {
    const config = await resolveConfig(raw, { path: join(at, 'creds.config.json'), dir: at });
    const creds = createCreds(config, {
      aws: { credentials: { accessKeyId: iam.admin.accessKeyId, secretAccessKey: iam.admin.secretAccessKey }, endpoints: { iam: iam.url, sts: iam.url } },
      github: { token: TOKEN, baseUrl: github.url, timeScale: 0.001 },
      targetConcurrency: 10,
    });
    const results = await creds.run('setup');
    const failed = results.filter((r) => r.status !== 'succeeded');
    if (failed.length > 0) throw new Error(`setup failed: ${JSON.stringify(failed)}`);
  };
  /** Makes every key of these users look `days` old (IAM's CreateDate), editing the sandbox's world file. */
  const ageKeys = (userNames: readonly string[], days: number) => {
    const file = join(dir.path, 'iam.json');
    const state = JSON.parse(readFileSync(file, 'utf8')) as { users: Array<{ userName: string; accessKeys: Array<{ createdAt: number; usableAt?: number }> }> };
    for (const user of state.users.filter((u) => userNames.includes(u.userName))) {
      for (const key of user.accessKeys) {
        key.createdAt -= days * 86_400_000;
        if (key.usableAt !== undefined) key.usableAt -= days * 86_400_000;
      }
    }
    writeFileSync(file, JSON.stringify(state));
  };
  const user = (name: string) => iam.state().users.find((u) => u.userName === name);
  const close = async () => {
    await Promise.all([iam.close(), github.close()]);
    await dir.remove();
  };
  return { dir: dir.path, iam, github, app, installationId, appToken, env, setup, ageKeys, user, close };
}

/**
 * What actions/create-github-app-token does: a JWT signed with the App's key (RS256, iss = app id)
 * exchanged for an installation token. Written here from GitHub's documentation; not product code.
 */
export async function installationToken(baseUrl: string, app: { appId: number; privateKeyPem: string }, installationId: number): Promise<string> {
  const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const data = `${part({ alg: 'RS256', typ: 'JWT' })}.${part({ iat: now - 60, exp: now + 540, iss: String(app.appId) })}`;
  const jwt = `${data}.${createSign('RSA-SHA256').update(data).sign(createPrivateKey(app.privateKeyPem)).toString('base64url')}`;
  const response = await fetch(`${baseUrl}/app/installations/${installationId}/access_tokens`, {
    method: 'POST',
    headers: { authorization: `Bearer ${jwt}`, accept: 'application/vnd.github+json' },
  });
  if (response.status !== 201) throw new Error(`installation token: ${response.status} ${await response.text()}`);
  return ((await response.json()) as { token: string }).token;
}
