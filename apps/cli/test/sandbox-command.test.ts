import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli, spawnCli, tempDir, waitForOutput } from './helpers.js';
import { checkJsonOutput } from './json-shapes.js';


let dir: { path: string; remove(): Promise<void> };
beforeEach(async () => {
  dir = await tempDir();
});
afterEach(async () => {
  await dir.remove();
});

describe('creds sandbox', () => {
  it('prints the env vars, serves until Ctrl-C, then exits 0', async () => {
    const child = spawnCli(['sandbox'], { cwd: dir.path });
    await waitForOutput(child, (l) => l.startsWith('export GH_TOKEN='));
    child.kill('SIGINT');
    const r = await child.result;
    expect(r.code).toBe(0);
    for (const name of ['AWS_ENDPOINT_URL_IAM', 'AWS_ENDPOINT_URL_STS', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'GITHUB_API_URL']) {
      expect(r.stdout).toMatch(new RegExp(`^export ${name}=`, 'm'));
    }
  });

  it('--json: a sandbox-ready event, then a result on stop', async () => {
    const child = spawnCli(['sandbox', '--json', '--memory'], { cwd: dir.path });
    await waitForOutput(child, (l) => l.includes('"sandbox-ready"'));
    child.kill('SIGTERM');
    const r = await child.result;
    expect(r.code).toBe(0);
    const { events, result } = checkJsonOutput(r.stdout);
    expect(events[0]?.type).toBe('sandbox-ready');
    expect(result).toMatchObject({ command: 'sandbox', ok: true });
  });

  it('a creds run pointed at it with the printed env vars works', { timeout: 60_000 }, async () => {
    const child = spawnCli(['sandbox', '--json'], { cwd: dir.path });
    const line = await waitForOutput(child, (l) => l.includes('"sandbox-ready"'));
    const { env } = JSON.parse(line) as { env: Record<string, string> };
    try {
      const r = await runCli(['run', 'setup', '--yes'], { cwd: dir.path, env });
      // No config in the folder and no --sandbox: the CLI asks for one.
      expect(r.code).toBe(2);
      const init = await runCli(['init', '--owner', 'octo-org', '--repo', 'demo', '--user', 'creds-demo'], { cwd: dir.path });
      expect(init.code).toBe(0);
      const setup = await runCli(['run', 'setup', '--yes'], { cwd: dir.path, env });
      expect(setup.code, setup.stderr).toBe(0);
    } finally {
      child.kill('SIGINT');
      await child.result;
    }
  });
});
