import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_DIR, runCli, tempDir } from './helpers.js';
import { checkJsonOutput } from './json-shapes.js';

let dir: { path: string; remove(): Promise<void> };
beforeAll(async () => {
  dir = await tempDir();
});
afterAll(async () => {
  await dir.remove();
});

const COMMANDS = [[], ['init'], ['plan'], ['run'], ['rollback'], ['status'], ['doctor'], ['journal'], ['store', 'migrate'], ['sandbox']];

/**
 * Modules `--help` and `--version` must not load (the library and everything heavy under it); the
 * library's workflow registry (names and summaries, no imports) is the one part of it they read.
 */
const HEAVY = [/@aws-sdk/, /@smithy/, /@octokit/, /libsodium/, /\/zod\//, /\/pino\//, /\/yaml\//, /packages\/creds\/(?!dist\/workflows\/registry\.js$)/, /packages\/sandbox\//, /packages\/core\//];

describe('help and version', () => {
  it('--version prints the version and exits 0', async () => {
    const pkg = JSON.parse(await readFile(join(CLI_DIR, 'package.json'), 'utf8')) as { version: string };
    const r = await runCli(['--version'], { cwd: dir.path });
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(pkg.version);
  });

  it.each(COMMANDS.map((c) => [c.join(' ') || '(root)', c] as const))('%s --help has examples and exits 0', async (_name, command) => {
    const r = await runCli([...command, '--help'], { cwd: dir.path });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Usage: creds/);
    expect(r.stdout).toContain('Examples:');
  });

  it.each([
    ['--version', ['--version']],
    ['status --version', ['status', '--version']],
    ['--help', ['--help']],
    ['run --help', ['run', '--help']],
  ])('%s loads no AWS SDK, Octokit, libsodium, zod, pino or creds library', async (_name, args) => {
    const trace = join(dir.path, `trace-${args.join('')}.txt`);
    const r = await runCli(args, {
      cwd: dir.path,
      env: { CREDS_TRACE_IMPORTS: trace },
      nodeArgs: ['--import', join(CLI_DIR, 'test', 'fixtures', 'trace-imports.mjs')],
    });
    expect(r.code).toBe(0);
    const loaded = (await readFile(trace, 'utf8')).split('\n').filter(Boolean);
    if (args.length > 1 || args[0] !== '--version') expect(loaded.some((u) => u.includes('commander'))).toBe(true);
    const heavy = loaded.filter((u) => HEAVY.some((re) => re.test(u)));
    expect(heavy).toEqual([]);
  });
});

describe('usage errors exit 2', () => {
  it.each([
    ['an unknown option', ['run', 'setup', '--bogus']],
    ['an unknown command', ['deploy']],
    ['a bad workflow', ['run', 'deploy']],
    ['a missing workflow', ['run']],
    ['--target with --all', ['status', '--target', 'a', '--all']],
    ['a bad --concurrency', ['run', 'setup', '--concurrency', 'zero']],
    ['a bad --older-than', ['run', 'rotate', '--older-than', 'soon']],
    ['--older-than on setup', ['run', 'setup', '--older-than', '90d']],
    ['a bad --log-level', ['status', '--log-level', 'loud']],
    ['store migrate without --to', ['store', 'migrate']],
    ['--to 1password without --vault', ['store', 'migrate', '--to', '1password']],
  ])('%s', async (_name, args) => {
    const r = await runCli(args, { cwd: dir.path });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/error/i);
    expect(r.stdout).toBe('');
  });

  it('with --json a usage error is one result object', async () => {
    const r = await runCli(['run', 'setup', '--bogus', '--json'], { cwd: dir.path });
    expect(r.code).toBe(2);
    const { result } = checkJsonOutput(r.stdout);
    expect(result).toMatchObject({ ok: false, exitCode: 2, error: { code: 'USAGE' } });
  });

  it('no config file: exit 2, says how to make one', async () => {
    const r = await runCli(['status'], { cwd: dir.path });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('creds init');
  });

  it('global options are accepted after the command too', async () => {
    const r = await runCli(['status', '--config', 'missing.json', '--json'], { cwd: dir.path });
    expect(r.code).toBe(2);
    const { result } = checkJsonOutput(r.stdout);
    expect(result).toMatchObject({ command: 'status', ok: false, error: { code: 'INVALID_CONFIG' } });
  });
});
