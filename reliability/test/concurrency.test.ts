import { afterAll, expect, it } from 'vitest';
import { runCli, spawnCli } from '../src/cli.js';
import { watchJournal } from '../src/journal.js';
import { collectWorld, type Figures, scanSecrets, writeFigures } from '../src/report.js';
import { CONFIG, createWorld, setLatency } from '../src/world.js';

// Two CLIs on one target: the second exits 4 (locked by pid N). On different targets: both succeed.

const figures: Figures = { lockedExit4: 0, parallelOk: 0 };

afterAll(() => {
  const scan = scanSecrets();
  writeFigures('concurrency', { ...figures, scannedBytes: scan.bytes, scannedSecrets: scan.secrets, secretHits: scan.hits.length });
  expect(scan.hits).toEqual([]);
});

it('two runs on one target: the second exits 4 naming the holder; the first succeeds', async () => {
  const world = await createWorld();
  try {
    // 1 s a call: the first run still holds the lock however long the others take to start.
    setLatency(world, 1000);
    const first = spawnCli(['run', 'setup', '--yes', '--json'], { cwd: world.dir, env: world.env });
    // Start the second once the first holds the lock (its run is journaled).
    await new Promise<void>((resolve) => watchJournal(world.journal, 0, (e) => e.type === 'step-started', resolve));
    const [second, rotate] = await Promise.all([
      runCli(['run', 'setup', '--yes', '--resume'], { cwd: world.dir, env: world.env }),
      runCli(['run', 'rotate', '--yes'], { cwd: world.dir, env: world.env }),
    ]);
    const done = await first.result;
    expect(second.code, second.stderr).toBe(4);
    expect(second.stderr).toMatch(/locked by pid \d+/);
    expect(rotate.code, rotate.stderr).toBe(4);
    expect(done.code, done.stderr).toBe(0);
    figures.lockedExit4! += [second, rotate].filter((r) => r.code === 4).length;
  } finally {
    collectWorld(world);
    await world.remove();
  }
});

it('two runs on different targets of one config at once: both succeed', async () => {
  const config = { ...CONFIG, targets: [{ name: 'web', iam: { userName: 'gha-web' }, github: { owner: 'octo-org', repo: 'web' } }, { name: 'api', iam: { userName: 'gha-api' }, github: { owner: 'octo-org', repo: 'api' } }] };
  const world = await createWorld({ config, repos: ['octo-org/web', 'octo-org/api'] });
  try {
    setLatency(world, 50);
    const [web, api] = await Promise.all([
      runCli(['run', 'setup', '--yes', '--target', 'web'], { cwd: world.dir, env: world.env }),
      runCli(['run', 'setup', '--yes', '--target', 'api'], { cwd: world.dir, env: world.env }),
    ]);
    expect(web.code, web.stderr).toBe(0);
    expect(api.code, api.stderr).toBe(0);
    expect(world.github.secretNames({ owner: 'octo-org', repo: 'web' })).toHaveLength(3);
    expect(world.github.secretNames({ owner: 'octo-org', repo: 'api' })).toHaveLength(3);
    figures.parallelOk! += 2;
  } finally {
    collectWorld(world);
    await world.remove();
  }
});
