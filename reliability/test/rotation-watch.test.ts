import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, it } from 'vitest';
import { runCli, spawnCli } from '../src/cli.js';
import { collectWorld, type Figures, scanSecrets, writeFigures } from '../src/report.js';
import { createWorld, SCOPE, USER, type World } from '../src/world.js';

// A rotation as the repository's workflows see it, from a process of their own (src/watcher.mjs):
// it takes runs in the sandbox's GitHub, gets the secrets a run is handed when it starts, and calls
// STS with them. IAM refuses a new key for its propagation delay (10 s of sandbox time) and checks
// every signature, so a key AWS does not accept yet, or a mixed pair, fails the call as on AWS.

const WATCHER = fileURLToPath(new URL('../src/watcher.mjs', import.meta.url));
const figures: Figures = {};

afterAll(() => {
  const scan = scanSecrets();
  writeFigures('rotation-watch', { ...figures, scannedBytes: scan.bytes, scannedSecrets: scan.secrets, secretHits: scan.hits.length });
  expect(scan.hits).toEqual([]);
});

interface Counts {
  calls: number;
  ok: number;
  refused: number;
  mixed: number;
  runs: number;
  mixedAt: number[];
  finishedAt?: number;
}

/** Starts the watcher; resolves once its first run has started. */
async function startWatcher(world: World, mode: 'short' | 'long') {
  const child = spawn(process.execPath, [WATCHER, join(world.dir, 'world', 'github.json'), world.iam.url, `${SCOPE.owner}/${SCOPE.repo}`, mode], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    stdout += d;
  });
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
  });
  const closed = new Promise<number | null>((done) => child.on('close', done));
  const lines = () => stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { type: string } & Counts);
  await until('the watcher to start', () => lines().some((l) => l.type === 'started') || child.exitCode !== null);
  if (child.exitCode !== null) throw new Error(`the watcher exited ${child.exitCode}: ${stderr}`);
  return {
    /** Ends the watcher (a long run finishes then) and gives its counts. */
    async stop(): Promise<Counts> {
      child.kill('SIGTERM');
      const code = await closed;
      const counts = lines().find((l) => l.type === 'counts');
      if (code !== 0 || !counts) throw new Error(`the watcher exited ${code}: ${stderr}`);
      return counts;
    },
  };
}

async function until(what: string, check: () => boolean, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const cli = (world: World, args: string[]) => runCli(args, { cwd: world.dir, env: world.env });
const keys = (world: World) => world.iam.state().users.find((u) => u.userName === USER)?.accessKeys ?? [];

async function setUp(): Promise<{ world: World; old: string }> {
  const world = await createWorld();
  const setup = await cli(world, ['run', 'setup', '--yes']);
  expect(setup.code, setup.stderr).toBe(0);
  return { world, old: keys(world)[0]!.accessKeyId };
}

it('workflows starting all through a rotation: none gets a key AWS refuses; a mixed pair only between the two secret writes', async () => {
  const { world, old } = await setUp();
  try {
    const watcher = await startWatcher(world, 'short');
    const rotate = await cli(world, ['run', 'rotate', '--yes']);
    await new Promise((r) => setTimeout(r, 300));
    const counts = await watcher.stop();
    expect(rotate.code, rotate.stderr).toBe(0);
    expect(keys(world).map((k) => k.accessKeyId)).not.toContain(old);
    const writes = world.github.requests.filter((r) => r.method === 'PUT' && /\/AWS_(ACCESS_KEY_ID|SECRET_ACCESS_KEY)$/.test(r.path)).slice(-2);
    expect(writes).toHaveLength(2);
    const [from, to] = [Math.min(...writes.map((r) => r.start)), Math.max(...writes.map((r) => r.end))];
    figures.watchCalls = counts.calls;
    figures.watchRefused = counts.refused;
    figures.watchMixed = counts.mixed;
    figures.mixedWindowMs = Math.round((to - from) * 10) / 10;
    expect(counts.calls).toBeGreaterThan(20);
    expect(counts.refused).toBe(0);
    for (const at of counts.mixedAt) expect(at >= from && at <= to, `a mixed pair read at ${at}, outside the writes ${from}..${to}`).toBe(true);
  } finally {
    collectWorld(world);
    await world.remove();
  }
});

it('a run in progress at the switch keeps its old key to its end: 0 failed calls, the old key retired only after it', async () => {
  const { world, old } = await setUp();
  try {
    const deploy = await startWatcher(world, 'long');
    const rotating = spawnCli(['run', 'rotate', '--yes', '--drain-timeout', '10m'], { cwd: world.dir, env: world.env });
    await until('the switch', () => world.github.secretValue(SCOPE, 'AWS_ACCESS_KEY_ID') !== old);
    await new Promise((r) => setTimeout(r, 1_500));
    expect(keys(world).find((k) => k.accessKeyId === old)?.status).toBe('Active');
    const counts = await deploy.stop();
    const rotate = await rotating.result;
    expect(rotate.code, rotate.stderr).toBe(0);
    const deactivated = world.iam.calls.log.find((c) => c.action === 'UpdateAccessKey' && c.status === 200);
    figures.inProgressCalls = counts.calls;
    figures.inProgressFailed = counts.refused + counts.mixed;
    figures.retiredAfterRun = Number(deactivated !== undefined && deactivated.at >= counts.finishedAt!);
    expect(counts.calls).toBeGreaterThan(20);
    expect(counts.refused + counts.mixed).toBe(0);
    expect(deactivated?.at).toBeGreaterThanOrEqual(counts.finishedAt!);
    expect(keys(world).map((k) => k.accessKeyId)).not.toContain(old);
  } finally {
    collectWorld(world);
    await world.remove();
  }
});

it('a run that outlives --drain-timeout: exit 1 with a hint, the old key Active, status says so, --resume finishes', async () => {
  const { world, old } = await setUp();
  try {
    const deploy = await startWatcher(world, 'long');
    const rotate = await cli(world, ['run', 'rotate', '--yes', '--drain-timeout', '3s']);
    expect(rotate.code).toBe(1);
    expect(rotate.stderr).toMatch(/DRAIN_TIMEOUT/);
    expect(rotate.stderr).toMatch(/"Deploy" #\d+/);
    expect(rotate.stderr).toMatch(/--resume/);
    expect(keys(world).find((k) => k.accessKeyId === old)?.status).toBe('Active');
    const status = await cli(world, ['status']);
    expect(status.stdout + status.stderr).toMatch(/waiting on a drain/);
    const counts = await deploy.stop();
    expect(counts.refused + counts.mixed).toBe(0);
    const resumed = await cli(world, ['run', 'rotate', '--resume', '--yes']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(keys(world).map((k) => k.accessKeyId)).not.toContain(old);
    expect(world.github.secretValue(SCOPE, 'AWS_ACCESS_KEY_ID')).toBe(keys(world)[0]!.accessKeyId);
    figures.drainTimeoutCases = 1;
    figures.drainTimeoutResumed = 1;
  } finally {
    collectWorld(world);
    await world.remove();
  }
});
