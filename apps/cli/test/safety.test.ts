import { chmod, mkdir, readdir, stat } from 'node:fs/promises';
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
