import { spawn, spawnSync } from 'node:child_process';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BASE_ENV, CLI, runCli, tempDir } from './helpers.js';
import { checkJsonOutput } from './json-shapes.js';

let dir: { path: string; remove(): Promise<void> };
beforeEach(async () => {
  dir = await tempDir();
});
afterEach(async () => {
  await dir.remove();
});

const FLAGS = ['--owner', 'octo-org', '--repo', 'demo', '--user', 'gha-demo', '--region', 'eu-west-1'];

describe('creds init', () => {
  it('writes a config the library accepts and git-ignores .creds/', async () => {
    const r = await runCli(['init', ...FLAGS], { cwd: dir.path });
    expect(r.code, r.stderr).toBe(0);
    const config = JSON.parse(await readFile(join(dir.path, 'creds.config.json'), 'utf8'));
    expect(config).toMatchObject({ region: 'eu-west-1', iam: { userName: 'gha-demo' }, github: { owner: 'octo-org', repo: 'demo' }, store: { type: 'json' } });
    expect(await readFile(join(dir.path, '.gitignore'), 'utf8')).toMatch(/^\.creds\/$/m);
    const lib = await import('@creds/creds');
    const loaded = await lib.loadConfig({ cwd: dir.path });
    expect(loaded.targets.map((t) => t.name)).toEqual(['demo']);
  });

  it('keeps an existing .gitignore and does not add the line twice', async () => {
    await writeFile(join(dir.path, '.gitignore'), 'node_modules/');
    await runCli(['init', ...FLAGS], { cwd: dir.path });
    await runCli(['init', ...FLAGS, '--force'], { cwd: dir.path });
    const text = await readFile(join(dir.path, '.gitignore'), 'utf8');
    expect(text.startsWith('node_modules/\n')).toBe(true);
    expect(text.match(/^\.creds\/$/gm)).toHaveLength(1);
  });

  it('refuses to overwrite without --force (exit 2, file unchanged)', async () => {
    await writeFile(join(dir.path, 'creds.config.json'), '{"keep": true}\n');
    const r = await runCli(['init', ...FLAGS], { cwd: dir.path });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--force');
    expect(await readFile(join(dir.path, 'creds.config.json'), 'utf8')).toBe('{"keep": true}\n');
    const forced = await runCli(['init', ...FLAGS, '--force'], { cwd: dir.path });
    expect(forced.code).toBe(0);
  });

  it('writes commented YAML with --format yaml, equal to the JSON one', async () => {
    const r = await runCli(['init', ...FLAGS, '--format', 'yaml', '--store', 'keychain', '--json'], { cwd: dir.path });
    expect(r.code, r.stderr).toBe(0);
    const text = await readFile(join(dir.path, 'creds.config.yaml'), 'utf8');
    // The same document as the JSON form, and a comment above each top-level field and the user's.
    const { $schema: _, ...config } = (checkJsonOutput(r.stdout).result as { config: Record<string, unknown> }).config;
    expect((await import('yaml')).parse(text)).toEqual(config);
    for (const field of ['region', 'iam', 'github', 'store', '  userName', '  policy']) expect(text).toMatch(new RegExp(`^ *#.*\\n${field}:`, 'm'));
    expect(text).toContain('Action: [ "s3:ListBucket" ]');
    expect(text).toContain('Version: "2012-10-17"');
    const lib = await import('@creds/creds');
    const loaded = await lib.loadConfig({ cwd: dir.path });
    expect(loaded.store).toEqual({ type: 'keychain' });
    expect(loaded.targets[0]).toMatchObject({ region: 'eu-west-1', iam: { userName: 'gha-demo' } });
  });

  it('off a terminal without --owner/--repo: exit 2, nothing written', async () => {
    const r = await runCli(['init'], { cwd: dir.path });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--owner');
    await expect(stat(join(dir.path, 'creds.config.json'))).rejects.toThrow();
  });

  it('an invalid value: exit 2 naming the field, nothing written', async () => {
    const r = await runCli(['init', '--owner', 'o', '--repo', 'r', '--user', 'bad user!'], { cwd: dir.path });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('iam.userName');
    await expect(stat(join(dir.path, 'creds.config.json'))).rejects.toThrow();
    await expect(stat(join(dir.path, '.gitignore'))).rejects.toThrow();
  });

  it('--json prints one result object', async () => {
    const r = await runCli(['init', ...FLAGS, '--json'], { cwd: dir.path });
    expect(r.code).toBe(0);
    const { result } = checkJsonOutput(r.stdout);
    expect(result).toMatchObject({ command: 'init', ok: true, gitignore: 'added' });
  });
});

const BOUNDARY = 'arn:aws:iam::123456789012:policy/gh-actions-boundary';

describe('creds init: the permissions boundary', () => {
  it('--permissions-boundary writes iam.permissionsBoundary, which the library loads', async () => {
    const r = await runCli(['init', ...FLAGS, '--permissions-boundary', BOUNDARY], { cwd: dir.path });
    expect(r.code, r.stderr).toBe(0);
    const config = JSON.parse(await readFile(join(dir.path, 'creds.config.json'), 'utf8'));
    expect(config.iam.permissionsBoundary).toBe(BOUNDARY);
    const lib = await import('@creds/creds');
    expect((await lib.loadConfig({ cwd: dir.path })).targets[0]?.iam.permissionsBoundary).toBe(BOUNDARY);
    expect(r.stderr).not.toContain('consider iam.permissionsBoundary');
  });

  it('without one, no field is written and the next steps point at docs/permissions.md', async () => {
    const r = await runCli(['init', ...FLAGS], { cwd: dir.path });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(await readFile(join(dir.path, 'creds.config.json'), 'utf8')).iam).not.toHaveProperty('permissionsBoundary');
    expect(r.stderr).toContain('consider iam.permissionsBoundary');
  });

  it('YAML: the boundary with a comment above it', async () => {
    const r = await runCli(['init', ...FLAGS, '--permissions-boundary', BOUNDARY, '--format', 'yaml'], { cwd: dir.path });
    expect(r.code, r.stderr).toBe(0);
    expect(await readFile(join(dir.path, 'creds.config.yaml'), 'utf8')).toMatch(/^ *#.*docs\/permissions\.md.*\n {2}permissionsBoundary: "arn:aws:iam::123456789012:policy\/gh-actions-boundary"$/m);
  });

  it('an ARN that is not a policy ARN: exit 2 naming iam.permissionsBoundary, nothing written', async () => {
    const r = await runCli(['init', ...FLAGS, '--permissions-boundary', 'arn:aws:iam::123456789012:user/gh-actions-boundary'], { cwd: dir.path });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('iam.permissionsBoundary');
    await expect(stat(join(dir.path, 'creds.config.json'))).rejects.toThrow();
  });

  // On a terminal (a pseudo-terminal from util-linux's `script`), init asks; the library's rule
  // refuses a bad answer and asks again; an empty answer would write none.
  it.skipIf(!hasScript())('asks on a terminal, refuses a bad ARN and takes a good one', async () => {
    const command = [process.execPath, CLI, 'init', ...FLAGS, '--store', 'json'].map((a) => `'${a}'`).join(' ');
    const child = spawn('script', ['-qec', command, '/dev/null'], { cwd: dir.path, env: { ...BASE_ENV } });
    const answers = ['not-an-arn', BOUNDARY];
    let out = '';
    let asked = 0;
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const prompts = out.split('Permissions boundary policy ARN').length - 1;
      if (prompts > asked && asked < answers.length) child.stdin.write(`${answers[asked++]}\n`);
    });
    const code = await new Promise((done) => child.on('close', done));
    expect(code, out).toBe(0);
    expect(asked).toBe(2);
    expect(out).toContain('"not-an-arn" is not an IAM policy ARN');
    expect(JSON.parse(await readFile(join(dir.path, 'creds.config.json'), 'utf8')).iam.permissionsBoundary).toBe(BOUNDARY);
  });
});

function hasScript(): boolean {
  return spawnSync('script', ['--version']).status === 0;
}
