import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { fleetConfig, runAction, startAction, tempDir, world } from './helpers.js';

// A hosted runner keeps nothing between jobs: the journal dies with the killed job, and the re-run
// starts in a fresh folder. It must repair what the killed rotation left, from AWS and GitHub.
const REPOS = ['c0', 'c1', 'c2'];
let w: Awaited<ReturnType<typeof world>>;
const folders: Array<{ remove(): Promise<void> }> = [];

beforeEach(async () => {
  w = await world(REPOS);
});
afterEach(async () => {
  await w?.close();
  for (const f of folders.splice(0)) await f.remove();
});

async function until(condition: () => boolean, timeoutMs = 30_000): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > timeoutMs) throw new Error('timed out waiting for the crash point');
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** A job's fresh checkout: the config, and nothing else. */
async function checkout(raw: unknown): Promise<string> {
  const ws = await tempDir('creds-action-crash-ws-');
  folders.push(ws);
  writeFileSync(join(ws.path, 'creds.config.json'), JSON.stringify(raw, null, 2));
  return ws.path;
}

const CRASH_POINTS = [
  {
    name: 'right after IAM made a new key (before the store or the secrets have it)',
    arm: () => undefined,
    reached: () => w.iam.calls.log.some((c) => c.action === 'CreateAccessKey' && c.status === 200),
  },
  {
    name: "while c1's rotation waits for a CI run, after its secrets switched",
    arm: () => w.github.startRun('octo-org', 'c1'),
    reached: () => w.github.requests.some((r) => r.method === 'GET' && /^\/repos\/octo-org\/c1\/actions\/runs\?.*status=in_progress/.test(r.path) && r.path.includes('created=')),
  },
];

// `none`: the secret lives only in the run's memory and in GitHub (a hosted runner); `json`: a
// self-hosted runner's file that outlives the job.
const CASES = [
  ...CRASH_POINTS.map((point) => ({ point, store: 'none' as const })),
  { point: CRASH_POINTS[1]!, store: 'json' as const },
];

for (const { point, store } of CASES) {
  it(`store ${store}: SIGKILL ${point.name}; the re-run in a fresh folder converges`, async () => {
    const storeDir = await tempDir('creds-action-crash-store-');
    folders.push(storeDir);
    const raw = fleetConfig(REPOS, store === 'none' ? { type: 'none' } : { type: 'json', path: join(storeDir.path, 'keys.json') });
    await w.setup(raw, storeDir.path);
    w.ageKeys(REPOS.map((r) => `gh-${r}`), 100);
    const oldKeys = new Set(REPOS.map((r) => w.user(`gh-${r}`)!.accessKeys[0]!.accessKeyId));
    const token = await w.appToken();

    const ci = point.arm();
    const setupCalls = w.iam.calls.log.length;
    w.github.resetLog();
    const killed = startAction({ cwd: await checkout(raw), env: w.env, inputs: { 'github-token': token, 'older-than': '30d' } });
    await until(() => w.iam.calls.log.length > setupCalls && point.reached());
    killed.kill('SIGKILL');
    const dead = await killed.result;
    expect(dead.signal).toBe('SIGKILL');
    if (ci) w.github.finishRun('octo-org', 'c1', ci.id);
    // It did stop halfway: some old key is still there.
    expect(REPOS.some((r) => w.user(`gh-${r}`)!.accessKeys.some((k) => oldKeys.has(k.accessKeyId)))).toBe(true);

    const rerun = await runAction({ cwd: await checkout(raw), env: w.env, inputs: { 'github-token': token, 'older-than': '30d' } });
    expect(rerun.code, `${rerun.stdout}\n${rerun.summary}`).toBe(0);
    expect(JSON.parse(rerun.outputs['failed']!)).toEqual([]);
    for (const repo of REPOS) {
      const keys = w.user(`gh-${repo}`)!.accessKeys;
      expect(keys, repo).toHaveLength(1);
      expect(oldKeys.has(keys[0]!.accessKeyId), repo).toBe(false);
      expect(keys[0]!.status).toBe('Active');
      expect(w.github.secretValue({ owner: 'octo-org', repo }, 'AWS_ACCESS_KEY_ID'), repo).toBe(keys[0]!.accessKeyId);
      expect(w.github.secretValue({ owner: 'octo-org', repo }, 'AWS_SECRET_ACCESS_KEY'), repo).toBe(keys[0]!.secretAccessKey);
    }
    // Nothing left to do: a third run finds every key young.
    const third = await runAction({ cwd: await checkout(raw), env: w.env, inputs: { 'github-token': token, 'older-than': '30d' } });
    expect(third.code).toBe(0);
    expect(JSON.parse(third.outputs['skipped']!)).toEqual(REPOS);
  }, 120_000);
}
