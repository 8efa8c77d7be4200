import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { issuedSecrets, runCli, spawnCli, tempDir, transcript, waitForOutput } from './helpers.js';
import { checkJsonOutput } from './json-shapes.js';

// The CLI against its embedded sandbox (--sandbox): the README's story, exit codes, crashes, Ctrl-C,
// the lock.

let dir: { path: string; remove(): Promise<void> };
beforeEach(async () => {
  dir = await tempDir();
});

const cli = (args: string[], env: NodeJS.ProcessEnv = {}) => runCli([...args, '--sandbox'], { cwd: dir.path, env });
const SLOW = { CREDS_SANDBOX_LATENCY_MS: '150' };
/** Every secret the sandboxes of this file issued, gathered before each temp folder goes. */
const secrets = new Set<string>();
afterEach(async () => {
  for (const s of await issuedSecrets(dir.path)) secrets.add(s);
  await dir.remove();
});

describe('the sandbox story', () => {
  it('run setup, status, run rotate, rollback: all exit 0 on a fresh folder', { timeout: 60_000 }, async () => {
    const setup = await cli(['run', 'setup', '--yes']);
    expect(setup.code, setup.stderr).toBe(0);
    expect(setup.stdout).toMatch(/demo: setup succeeded/);
    expect(existsSync(join(dir.path, '.creds', 'sandbox', 'iam.json'))).toBe(true);

    const status = await cli(['status']);
    expect(status.code, status.stdout + status.stderr).toBe(0);
    expect(status.stdout).toContain('in sync');
    expect(status.stdout).toMatch(/access key AKIA…[A-Z0-9]{4}/);

    const rotate = await cli(['run', 'rotate', '--yes']);
    expect(rotate.code, rotate.stderr).toBe(0);

    const after = await cli(['status']);
    expect(after.code, after.stdout + after.stderr).toBe(0);

    const rollback = await cli(['rollback', '--yes']);
    expect(rollback.code, rollback.stderr).toBe(0);

    const journal = await cli(['journal']);
    expect(journal.code).toBe(0);
    expect(journal.stdout).toContain('rotate');
  });

  it('--json: every line matches the documented shapes', { timeout: 60_000 }, async () => {
    const setup = await cli(['run', 'setup', '--yes', '--json']);
    expect(setup.code, setup.stderr).toBe(0);
    const run = checkJsonOutput(setup.stdout);
    expect(run.result).toMatchObject({ command: 'run', workflow: 'setup', ok: true, exitCode: 0 });
    expect(run.events.some((e) => e.type === 'step-succeeded')).toBe(true);

    for (const args of [['status'], ['plan'], ['plan', 'rotate'], ['journal'], ['doctor']]) {
      const r = await cli([...args, '--json']);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
      const { result } = checkJsonOutput(r.stdout);
      expect(result.ok).toBe(true);
    }
    const rotate = await cli(['run', 'rotate', '--yes', '--json']);
    expect(checkJsonOutput(rotate.stdout).result).toMatchObject({ ok: true });
    const rollback = await cli(['rollback', '--yes', '--json']);
    expect(checkJsonOutput(rollback.stdout).result).toMatchObject({ command: 'rollback', ok: true });
  });

  it('off a terminal without --yes a run refuses: exit 2, nothing written', async () => {
    const r = await cli(['run', 'setup']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--yes');
    const status = await cli(['status', '--json']);
    const { result } = checkJsonOutput(status.stdout);
    expect(result).toMatchObject({ command: 'status', exitCode: 3 });
    expect(JSON.stringify(result)).toContain('"exists":false');
  });

  it('status exits 3 when a secret was deleted behind creds\' back', async () => {
    expect((await cli(['run', 'setup', '--yes'])).code).toBe(0);
    const { startGitHubServer } = await import('@creds/sandbox');
    const github = await startGitHubServer({ stateFile: join(dir.path, '.creds', 'sandbox', 'github.json') });
    github.deleteSecretDirectly({ owner: 'octo-org', repo: 'demo' }, 'AWS_ACCESS_KEY_ID');
    await github.close();
    const r = await cli(['status']);
    expect(r.code).toBe(3);
    expect(r.stdout).toMatch(/AWS_ACCESS_KEY_ID.*missing/);
  });

  it('a failed run: exit 1 naming the step and the cause, then --resume or rollback', { timeout: 60_000 }, async () => {
    const failed = await cli(['run', 'setup', '--yes'], { CREDS_SANDBOX_FAULTS: 'CreateUser=AccessDenied' });
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/failed at step \S+/);
    expect(failed.stderr).toMatch(/AccessDenied|ACCESS_DENIED/);
    expect(failed.stderr).toContain('run setup --resume');
    expect(failed.stderr).toContain('creds rollback');

    const again = await cli(['run', 'setup', '--yes']);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('--resume');
    expect(again.stderr).toContain('rollback');

    const resumed = await cli(['run', 'setup', '--yes', '--resume']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect((await cli(['status'])).code).toBe(0);
  });

  it('SIGKILL in the middle of run setup, then --resume succeeds and status is in sync', { timeout: 60_000 }, async () => {
    const child = spawnCli(['run', 'setup', '--yes', '--json', '--sandbox'], { cwd: dir.path, env: SLOW });
    await waitForOutput(child, (line) => line.includes('"type":"step-succeeded"'));
    child.kill('SIGKILL');
    const killed = await child.result;
    expect(killed.signal).toBe('SIGKILL');

    const resumed = await cli(['run', 'setup', '--yes', '--resume']);
    expect(resumed.code, resumed.stderr).toBe(0);
    const status = await cli(['status']);
    expect(status.code, status.stdout + status.stderr).toBe(0);
  });

  it('Ctrl-C stops after the step in flight: exit 130, says how to resume; resume then works', { timeout: 60_000 }, async () => {
    const child = spawnCli(['run', 'setup', '--yes', '--sandbox'], { cwd: dir.path, env: SLOW });
    await waitForOutput(child, (line) => line.includes('✓'), 'stderr');
    child.kill('SIGINT');
    const r = await child.result;
    expect(r.code).toBe(130);
    expect(r.stderr).toContain('run setup --resume');
    const resumed = await cli(['run', 'setup', '--yes', '--resume']);
    expect(resumed.code, resumed.stderr).toBe(0);
  });

  it('two runs at once on one target: the second exits 4', { timeout: 120_000 }, async () => {
    // Slow enough that the first run still holds the lock however long the second takes to start.
    const first = spawnCli(['run', 'setup', '--yes', '--json', '--sandbox'], { cwd: dir.path, env: { CREDS_SANDBOX_LATENCY_MS: '1000' } });
    await waitForOutput(first, (line) => line.includes('"type":"step-started"'));
    const second = await cli(['run', 'setup', '--yes', '--resume']);
    expect(second.code, second.stderr).toBe(4);
    expect(second.stderr).toMatch(/locked by pid \d+/);
    expect((await first.result).code).toBe(0);
  });

  it('an environment the repository does not have: plan shows it created, setup creates it, rollback deletes it', { timeout: 60_000 }, async () => {
    await writeFile(
      join(dir.path, 'creds.config.json'),
      JSON.stringify({ region: 'eu-west-1', iam: { userName: 'gha-envs' }, github: { owner: 'octo', repo: 'envs', environment: 'production' } }),
    );
    const plan = await cli(['plan', 'setup']);
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stdout).toMatch(/^ {4}\+ create environment production in octo\/envs$/m);
    const setup = await cli(['run', 'setup', '--yes']);
    expect(setup.code, setup.stderr).toBe(0);
    const again = await cli(['plan', 'setup']);
    expect(again.stdout).not.toContain('environment production');
    const rollback = await cli(['rollback', '--yes']);
    expect(rollback.code, rollback.stderr).toBe(0);
    expect((await cli(['plan', 'setup'])).stdout).toMatch(/^ {4}\+ create environment production in octo\/envs$/m);
  });

  it('an invalid config with --sandbox: exit 2 naming the field, and the sandbox never started', async () => {
    await writeFile(
      join(dir.path, 'creds.config.json'),
      JSON.stringify({ region: 'us-east-1', iam: { userName: 'no spaces allowed' }, github: { owner: 'o', repo: 'r' } }),
    );
    const r = await cli(['run', 'setup', '--yes']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('iam.userName');
    expect(existsSync(join(dir.path, '.creds', 'sandbox'))).toBe(false);
  });
});

afterAll(async () => {
  // Nothing any CLI printed in this file may contain a secret access key the sandbox issued.
  const all = transcript.join('\n');
  const leaks = [...secrets].filter((s) => all.includes(s));
  expect(leaks).toEqual([]);
  expect(secrets.size).toBeGreaterThan(0);
});
