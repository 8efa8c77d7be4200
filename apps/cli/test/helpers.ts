import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const CLI_DIR = resolve(fileURLToPath(new URL('.', import.meta.url)), '..');
export const CLI = join(CLI_DIR, 'bin', 'creds.js');
export const REPO_ROOT = resolve(CLI_DIR, '..', '..');

if (!existsSync(join(CLI_DIR, 'dist', 'main.js'))) {
  throw new Error('apps/cli is not built: run `corepack pnpm turbo run build --filter @creds/cli...` first');
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Everything every CLI child wrote in this test file, for the secret scan. */
export const transcript: string[] = [];

export const BASE_ENV: NodeJS.ProcessEnv = {
  PATH: process.env['PATH'],
  HOME: process.env['HOME'],
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  // Never reach a real account or the real GitHub from a test.
  AWS_EC2_METADATA_DISABLED: 'true',
  AWS_CONFIG_FILE: '/nonexistent/aws-config',
  AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/aws-credentials',
  NO_COLOR: '1',
};

export interface SpawnOptions {
  cwd: string;
  env?: NodeJS.ProcessEnv;
  nodeArgs?: string[];
  input?: string;
}

/** Starts the built CLI as a child process (never imported). */
export function spawnCli(args: string[], options: SpawnOptions): ChildProcess & { result: Promise<CliResult> } {
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), CLI, ...args], {
    cwd: options.cwd,
    env: { ...BASE_ENV, ...options.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    stdout += d;
  });
  child.stderr!.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
  });
  if (options.input !== undefined) child.stdin!.end(options.input);
  else child.stdin!.end();
  const result = new Promise<CliResult>((done) => {
    child.on('close', (code, signal) => {
      transcript.push(stdout, stderr);
      done({ code, signal, stdout, stderr });
    });
  });
  return Object.assign(child, { result });
}

export function runCli(args: string[], options: SpawnOptions): Promise<CliResult> {
  return spawnCli(args, options).result;
}

/** Waits until the child's stdout (or stderr) has a line matching `test`. */
export function waitForOutput(
  child: ChildProcess,
  test: (line: string) => boolean,
  stream: 'stdout' | 'stderr' = 'stdout',
  timeoutMs = 20_000,
): Promise<string> {
  return new Promise((resolveLine, reject) => {
    let buffer = '';
    const timer = setTimeout(() => reject(new Error(`no matching ${stream} line within ${timeoutMs} ms:\n${buffer}`)), timeoutMs);
    const onData = (data: string) => {
      buffer += data;
      for (const line of buffer.split('\n')) {
        if (test(line)) {
          clearTimeout(timer);
          child[stream]!.off('data', onData);
          resolveLine(line);
          return;
        }
      }
    };
    child[stream]!.on('data', onData);
    child.on('close', () => {
      clearTimeout(timer);
      reject(new Error(`exited before a matching ${stream} line:\n${buffer}`));
    });
  });
}

/** NDJSON lines of a --json run. */
export function ndjson(stdout: string): Array<Record<string, unknown> & { type: string }> {
  return stdout
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown> & { type: string });
}

export function finalResult(stdout: string): Record<string, unknown> & { type: string } {
  const lines = ndjson(stdout);
  const last = lines.at(-1);
  if (last?.type !== 'result') throw new Error(`no final result object in:\n${stdout}`);
  return last;
}

export async function tempDir(prefix = 'creds-cli-'): Promise<{ path: string; remove(): Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

/** The secret access keys the sandbox issued (kept in its world file). */
export async function issuedSecrets(dir: string): Promise<string[]> {
  const stateFile = join(dir, '.creds', 'sandbox', 'iam.json');
  if (!existsSync(stateFile)) return [];
  const { startIamServer } = await import('@creds/sandbox');
  const iam = await startIamServer({ stateFile });
  try {
    return iam.issuedSecrets();
  } finally {
    await iam.close();
  }
}
