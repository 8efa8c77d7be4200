import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync, utimesSync } from 'node:fs';
import { chmod, mkdir, readdir, stat, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli, spawnCli, tempDir } from './helpers.js';

// Mistakes a person makes on the command line: each ends with a clear message and the right exit
// code, and writes nothing.

let dir: { path: string; remove(): Promise<void> };
beforeEach(async () => {
  dir = await tempDir('creds-safety-');
});
afterEach(async () => {
  await dir.remove();
});

const cli = (args: string[], env: NodeJS.ProcessEnv = {}) => runCli(args, { cwd: dir.path, env });
const init = () => cli(['init', '--owner', 'octo-org', '--repo', 'api', '--yes']);

describe('refused before anything is written', () => {
  it('a config path that is a folder: exit 2 naming it', async () => {
    await mkdir(join(dir.path, 'conf'));
    const r = await cli(['status', '--config', 'conf']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${join(dir.path, 'conf')} is a folder`);
    expect(r.stderr).not.toMatch(/EISDIR/);
  });

  it('--config /etc/passwd: exit 2, and not a byte of the file printed', async () => {
    const r = await cli(['status', '--config', '/etc/passwd']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/not valid JSON/);
    expect(`${r.stdout}${r.stderr}`).not.toMatch(/root:/);
  });

  it('GH_TOKEN set but empty: exit 2 saying so, with no --resume or rollback for a run never journaled', async () => {
    await init();
    const r = await cli(['run', 'setup', '--yes'], { GH_TOKEN: '' });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/GH_TOKEN is set but empty/);
    expect(r.stderr).not.toMatch(/--resume|rollback/);
    const journal = await readdir(join(dir.path, '.creds', 'journal')).catch(() => []);
    expect(journal).toEqual([]);
  });

  it('a .creds others can write to is refused, left as it was', async () => {
    await init();
    await mkdir(join(dir.path, '.creds'));
    await chmod(join(dir.path, '.creds'), 0o777);
    const r = await cli(['run', 'setup', '--yes']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/\.creds can be written by other users \(mode 0777\)/);
    expect(r.stderr).toMatch(/chmod 700/);
    expect((await stat(join(dir.path, '.creds'))).mode & 0o777).toBe(0o777);
    expect(await readdir(join(dir.path, '.creds'))).not.toContain('journal');
  });
});

describe('a reader that goes away', () => {
  for (const args of [['journal'], ['--help']]) {
    it(`creds ${args.join(' ')} into a closed pipe: no EPIPE stack trace, exit 0`, async () => {
      if (args[0] === 'journal') await init();
      const child = spawnCli(args, { cwd: dir.path });
      // Close our end before the child writes: its writes fail with EPIPE.
      child.stdout!.destroy();
      const r = await child.result;
      expect(r.stderr).not.toMatch(/EPIPE|Unhandled 'error' event|at /);
      expect(r.code).toBe(0);
    });
  }
});

describe('locks that recover: creds unlock, and runs that take over', () => {
  let holder: ChildProcess | undefined;
  afterEach(() => {
    holder?.kill('SIGKILL');
  });
  /** A real process recorded as the lock's holder, with its pid and Linux start time. */
  const liveHolder = async () => {
    holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 120_000)'], { stdio: 'ignore' });
    await new Promise((resolve) => holder!.once('spawn', resolve));
    const stat = readFileSync(`/proc/${holder.pid}/stat`, 'utf8');
    return { pid: holder.pid!, startTime: stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] };
  };
  const lockPath = () => join(dir.path, '.creds', 'journal', 'api.jsonl.lock');
  const writeLock = async (info: Record<string, unknown>) => {
    await mkdir(join(dir.path, '.creds', 'journal'), { recursive: true, mode: 0o700 });
    await writeFile(lockPath(), JSON.stringify({ since: '2026-01-01T00:00:00.000Z', host: hostname(), ...info }));
  };

  it.runIf(existsSync('/proc/self/stat'))('a live holder on this machine: run and unlock refuse (exit 4) naming the lock file; once it is killed, unlock removes it', async () => {
    await init();
    const { pid, startTime } = await liveHolder();
    await writeLock({ pid, startTime });
    const run = await cli(['run', 'setup', '--yes', '--sandbox']);
    expect(run.code).toBe(4);
    expect(run.stderr).toContain(lockPath());
    expect(run.stderr).toMatch(/creds unlock/);
    const refused = await cli(['unlock']);
    expect(refused.code).toBe(4);
    expect(existsSync(lockPath())).toBe(true);
    const exited = new Promise((resolve) => holder!.once('exit', resolve));
    holder!.kill('SIGKILL');
    await exited;
    const removed = await cli(['unlock']);
    expect(removed.code).toBe(0);
    expect(removed.stdout).toMatch(/removed the lock of pid \d+ \(pid \d+ is not running\)/);
    expect(existsSync(lockPath())).toBe(false);
  });

  it.runIf(existsSync('/proc/self/stat'))('a live pid that is not the recorded holder (start time differs): the run takes the lock over at once', async () => {
    await init();
    const { pid } = await liveHolder();
    await writeLock({ pid, startTime: '1' });
    const run = await cli(['run', 'setup', '--yes', '--sandbox']);
    expect(run.stderr).not.toMatch(/locked by/);
    expect(run.code).toBe(0);
  });

  it('a lock from another host: refused stating when it is taken over; unlock --force removes it; an old one is taken over', async () => {
    await init();
    await writeLock({ pid: 4242, host: 'ci-runner-7f3a' });
    const run = await cli(['run', 'setup', '--yes', '--sandbox']);
    expect(run.code).toBe(4);
    expect(run.stderr).toMatch(/on host ci-runner-7f3a/);
    expect(run.stderr).toContain(lockPath());
    expect(run.stderr).toMatch(/taken over in \d+ s/);
    expect(run.stderr).toMatch(/creds unlock --force/);
    expect((await cli(['unlock'])).code).toBe(4);
    expect((await cli(['unlock', '--force'])).code).toBe(0);
    expect(existsSync(lockPath())).toBe(false);
    await writeLock({ pid: 4242, host: 'ci-runner-7f3a' });
    const old = new Date(Date.now() - 10 * 60_000);
    utimesSync(lockPath(), old, old);
    const taken = await cli(['run', 'setup', '--yes', '--sandbox']);
    expect(taken.code).toBe(0);
  });
});
