import { afterAll, expect, it } from 'vitest';
import { type CliResult, runCli, spawnCli } from '../src/cli.js';
import { journalSize, readJournal, watchJournal } from '../src/journal.js';
import { collectWorld, scanSecrets } from '../src/report.js';
import { CONFIG, createWorld, normalizedState, OWNER, REPO, SECRET_NAMES, setLatency, storeEntries, type World } from '../src/world.js';

// The step that creates a missing environment, killed around its PUT: --resume converges (the
// environment there, the secrets in it) and rollback deletes the environment creds made — also
// when the kill came after the PUT and before the step's end reached the journal, where only the
// note journaled before the PUT says creds made it. The full crash matrix runs a repository-level
// config; these three points add the environment's step to it.

const ENVIRONMENT = 'production';
const STEP = `github-environment:${OWNER}/${REPO}:${ENVIRONMENT}`;
const SCOPE = { owner: OWNER, repo: REPO, environment: ENVIRONMENT };
const config = { ...CONFIG, github: { ...CONFIG.github, environment: ENVIRONMENT } };

const cli = (world: World, args: string[]): Promise<CliResult> => runCli([...args, '--json'], { cwd: world.dir, env: world.env });

async function environmentExists(world: World): Promise<boolean> {
  const res = await fetch(`${world.github.url}/repos/${OWNER}/${REPO}/environments/${ENVIRONMENT}`, { headers: { authorization: `token ${world.token}` } });
  return res.status === 200;
}

type Point = 'after step-started' | 'right after the PUT' | 'after step-succeeded';

async function killAt(point: Point) {
  const world = await createWorld({ config });
  try {
    setLatency(world, 120);
    const child = spawnCli(['run', 'setup', '--yes', '--json'], { cwd: world.dir, env: world.env });
    const kill = () => child.kill('SIGKILL');
    let poll: NodeJS.Timeout | undefined;
    const watcher =
      point === 'right after the PUT'
        ? undefined
        : watchJournal(world.journal, journalSize(world.journal), (e) => e.type === (point === 'after step-started' ? 'step-started' : 'step-succeeded') && e.stepId === STEP, kill);
    if (point === 'right after the PUT') {
      // The sandbox runs in this process: kill as soon as it has answered the PUT.
      poll = setInterval(() => {
        if (world.github.requests.some((r) => r.method === 'PUT' && r.path.endsWith(`/environments/${ENVIRONMENT}`))) kill();
      }, 1);
    }
    const first = await child.result;
    watcher?.stop();
    clearInterval(poll);
    expect(first.signal, first.stderr).toBe('SIGKILL');
    setLatency(world, 0);
    const entries = readJournal(world.journal);
    const stepEnded = entries.some((e) => e.type === 'step-succeeded' && e.stepId === STEP);

    const resumed = await cli(world, ['run', 'setup', '--resume', '--yes']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(await environmentExists(world)).toBe(true);
    expect(world.github.secretNames(SCOPE)).toEqual(SECRET_NAMES);
    expect(normalizedState(world, SCOPE).problems).toEqual([]);

    const runs = readJournal(world.journal).filter((e) => e.type === 'run-started').length;
    for (let i = 0; i < runs; i++) {
      const r = await cli(world, ['rollback', '--yes']);
      expect(r.code, r.stderr).toBe(0);
    }
    expect(await environmentExists(world)).toBe(false);
    expect(world.iam.state().users).toEqual([]);
    expect(storeEntries(world.dir)).toEqual({});
    collectWorld(world);
    return { stepEnded };
  } finally {
    await world.remove();
  }
}

afterAll(() => {
  // Nothing the CLI printed or kept outside the key store holds a secret these worlds issued.
  expect(scanSecrets().hits).toEqual([]);
});

it('the environment step: SIGKILL after its start, right after its PUT and after its end; --resume converges; rollback deletes the environment', async () => {
  expect((await killAt('after step-started')).stepEnded).toBe(false);
  // The kill landed between the PUT and the step's end: only the note tells rollback creds made it.
  expect((await killAt('right after the PUT')).stepEnded).toBe(false);
  expect((await killAt('after step-succeeded')).stepEnded).toBe(true);
});
