import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, expect, it } from 'vitest';
import { pool, runCli } from '../src/cli.js';
import { killPoints, prepareTemplate, reference, runAndKill } from '../src/crash.js';
import { collectDir, collectWorld, scanSecrets, writeFigures } from '../src/report.js';
import { createWorld, SCOPE, sampleKeys, USER, type World } from '../src/world.js';

// A rotation with store none whose journal is lost with the machine it ran on (a CI runner's disk):
// SIGKILL at every step boundary, then `creds run rotate` again in the same folder with `.creds/`
// deleted (no journal, no lock). It must repair the half-finished rotation from AWS and GitHub
// alone and converge: one Active key, GitHub's pair authenticates with STS, no orphan, no marker.

const LATENCY_MS = 120;

/** GitHub's pair, used the way a workflow uses it: STS must answer as the user. */
async function githubPairAuthenticates(world: World): Promise<boolean> {
  const accessKeyId = world.github.secretValue(SCOPE, 'AWS_ACCESS_KEY_ID');
  const secretAccessKey = world.github.secretValue(SCOPE, 'AWS_SECRET_ACCESS_KEY');
  if (!accessKeyId || !secretAccessKey) return false;
  const sts = new STSClient({ region: 'eu-west-1', endpoint: world.iam.url, credentials: { accessKeyId, secretAccessKey }, maxAttempts: 1 });
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        const out = await sts.send(new GetCallerIdentityCommand({}));
        return out.Arn?.endsWith(`/${USER}`) === true;
      } catch (error) {
        // A key made a moment ago is refused while the sandbox propagates it.
        if (attempt >= 40 || (error as Error).name !== 'InvalidClientTokenId') return false;
        await new Promise((done) => setTimeout(done, 50));
      }
    }
  } finally {
    sts.destroy();
  }
}

interface RepairResult {
  label: string;
  killed: boolean;
  exit: number | null;
  problems: string[];
  maxKeys: number;
  stderr?: string;
}

const results: RepairResult[] = [];

it('rotate with store none: killed at every step boundary, run again with no journal; converges from AWS and GitHub alone', async () => {
  const template = await prepareTemplate('rotate', 'none');
  try {
    const ref = await reference('rotate', template.dir, LATENCY_MS);
    const points = killPoints(ref.steps, ref.durations, ref.durationMs, { latencyMs: LATENCY_MS, randomKills: 2, concurrency: 3, seed: 19 });
    results.push(
      ...(await pool(points, 3, async (point): Promise<RepairResult> => {
        const world = await createWorld({ template: template.dir });
        try {
          const { first, killed } = await runAndKill(world, 'rotate', point.trigger, LATENCY_MS);
          // The killed run's journal goes with the runner: scanned for secrets, then deleted.
          collectDir(world.dir);
          rmSync(join(world.dir, '.creds'), { recursive: true, force: true });

          const again = await sampleKeys(world, () => runCli(['run', 'rotate', '--yes', '--json'], { cwd: world.dir, env: world.env }));
          const user = world.iam.state().users.find((u) => u.userName === USER);
          const problems: string[] = [];
          const keys = user?.accessKeys ?? [];
          if (keys.length !== 1 || keys[0]!.status !== 'Active') problems.push(`keys: ${keys.map((k) => `${k.accessKeyId} ${k.status}`).join(', ') || 'none'}`);
          if (world.github.secretValue(SCOPE, 'AWS_ACCESS_KEY_ID') !== keys[0]?.accessKeyId) problems.push('AWS_ACCESS_KEY_ID is not the user\'s key');
          if (!(await githubPairAuthenticates(world))) problems.push('GitHub\'s pair does not authenticate');
          if (user?.tags.some((t) => t.Key === 'creds:key-pending')) problems.push('the key-pending marker is still on the user');
          collectWorld(world);
          return {
            label: point.label,
            killed,
            exit: again.value.code,
            problems,
            maxKeys: Math.max(first.maxKeys, again.maxKeys),
            ...(again.value.code === 0 && problems.length === 0 ? {} : { stderr: again.value.stderr.slice(-2000) }),
          };
        } finally {
          await world.remove();
        }
      })),
    );
  } finally {
    collectWorld(template);
    await template.remove();
  }
  const failed = results.filter((r) => r.exit !== 0 || r.problems.length > 0);
  expect(failed).toEqual([]);
  expect(Math.max(...results.map((r) => r.maxKeys))).toBeLessThanOrEqual(2);
  expect(results.filter((r) => r.killed).length).toBeGreaterThan(results.length / 2);
});

afterAll(() => {
  const scan = scanSecrets();
  writeFigures('repair-store-none', {
    killPoints: results.length,
    converged: results.filter((r) => r.exit === 0 && r.problems.length === 0).length,
    completedBeforeKill: results.filter((r) => !r.killed).length,
    maxKeys: Math.max(0, ...results.map((r) => r.maxKeys)),
    scannedBytes: scan.bytes,
    scannedSecrets: scan.secrets,
    secretHits: scan.hits.length,
  });
  expect(scan.hits).toEqual([]);
});
