import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '..', '..');
export const CLI = join(ROOT, 'apps', 'cli', 'bin', 'creds.js');

if (!existsSync(join(ROOT, 'apps', 'cli', 'dist', 'main.js'))) {
  throw new Error('apps/cli is not built: run `corepack pnpm turbo run build` first (pnpm test:reliability does)');
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** A child's environment: nothing from ours but PATH, never a real AWS account or GitHub. */
export function baseEnv(home: string): NodeJS.ProcessEnv {
  return {
    PATH: process.env['PATH'],
    HOME: home,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_CONFIG_FILE: '/nonexistent/aws-config',
    AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/aws-credentials',
    NO_COLOR: '1',
  };
}

/** Everything every CLI child wrote (stdout and stderr), for the secret scan. */
export const transcript: string[] = [];

export type CliChild = ChildProcess & { result: Promise<CliResult> };

/** Starts the built CLI as a child process. */
export function spawnCli(args: string[], options: { cwd: string; env: NodeJS.ProcessEnv; input?: string }): CliChild {
  const started = Date.now();
  const child = spawn(process.execPath, [CLI, ...args], { cwd: options.cwd, env: options.env, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    stdout += d;
  });
  child.stderr!.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
  });
  child.stdin!.on('error', () => {});
  child.stdin!.end(options.input ?? '');
  const result = new Promise<CliResult>((done) => {
    child.on('close', (code, signal) => {
      transcript.push(stdout, stderr);
      done({ code, signal, stdout, stderr, ms: Date.now() - started });
    });
  });
  return Object.assign(child, { result });
}

export const runCli = (args: string[], options: { cwd: string; env: NodeJS.ProcessEnv; input?: string }) => spawnCli(args, options).result;

export type JsonLine = Record<string, unknown> & { type: string };

/** The NDJSON lines of a --json run (lines that are not JSON are skipped: a SIGKILL can cut one). */
export function ndjson(stdout: string): JsonLine[] {
  const out: JsonLine[] = [];
  for (const line of stdout.split('\n')) {
    if (line.trim() === '') continue;
    try {
      out.push(JSON.parse(line) as JsonLine);
    } catch {
      // a line cut short by a kill
    }
  }
  return out;
}

/** Runs `fn` over `items`, at most `limit` at once, keeping the order of results. */
export async function pool<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** A small seeded PRNG (mulberry32), so random kill times can be replayed. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
