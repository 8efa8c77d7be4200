import { setTimeout as sleep } from 'node:timers/promises';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { describe, expect, it } from 'vitest';
import { baseConfig, useWorld } from './harness.js';

// The rotation as a workflow sees it: the sandbox refuses a new key for a propagation delay (300 ms
// here), and a run reads its secrets when it starts and keeps them to its end.

const w = useWorld();
const repo = { owner: 'octo-org', repo: 'demo' };
const user = () => w.iam.state().users.find((u) => u.userName === 'gh-demo')!;
const keyOf = (id: string) => user().accessKeys.find((k) => k.accessKeyId === id);

type Pair = { id?: string; secret?: string };

/**
 * Calls STS with a key pair, as a workflow step does: 'ok', 'refused' (AWS does not accept the key
 * yet, or any more), or 'mixed' (one key's id signed with another's secret: SignatureDoesNotMatch).
 */
async function call(pair: Pair): Promise<'ok' | 'refused' | 'mixed'> {
  if (!pair.id || !pair.secret) return 'refused';
  const sts = new STSClient({ region: 'eu-west-1', endpoint: w.iam.url, credentials: { accessKeyId: pair.id, secretAccessKey: pair.secret }, maxAttempts: 1 });
  try {
    await sts.send(new GetCallerIdentityCommand({}));
    return 'ok';
  } catch (error) {
    return (error as Error).name === 'SignatureDoesNotMatch' ? 'mixed' : 'refused';
  } finally {
    sts.destroy();
  }
}

/** Keeps calling STS with what `read` gives until stopped (then `after`); counts calls and failures by kind. */
function watch(read: () => Pair, after: () => void = () => {}) {
  let stop = false;
  const counts = { calls: 0, failed: 0, refused: 0, mixedAt: [] as number[] };
  const done = (async () => {
    while (!stop) {
      counts.calls += 1;
      const readAt = performance.timeOrigin + performance.now();
      const result = await call(read());
      if (result !== 'ok') counts.failed += 1;
      if (result === 'refused') counts.refused += 1;
      if (result === 'mixed') counts.mixedAt.push(readAt);
      after();
      await sleep(5);
    }
  })();
  return {
    counts,
    async stop() {
      stop = true;
      await done;
      return counts;
    },
  };
}

/** A short workflow run: it gets the secrets when it starts, calls STS once, and ends. */
let current: number | undefined;
const shortRun = () => {
  const run = w.github.startRun('octo-org', 'demo', { name: 'Watcher' });
  current = run.id;
  return { id: run.secrets?.['AWS_ACCESS_KEY_ID'], secret: run.secrets?.['AWS_SECRET_ACCESS_KEY'] };
};
const endRun = () => {
  if (current !== undefined) w.github.finishRun('octo-org', 'demo', current);
};

async function until(what: string, check: () => boolean, ms = 20_000) {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

describe('rotation with no failed workflow', () => {
  it('writes the secrets only once AWS accepts the new key: a reader of the secrets never gets a refused key', async () => {
    const { creds } = await w.creds(baseConfig());
    await creds.run('setup');
    const old = user().accessKeys[0]!.accessKeyId;
    const watcher = watch(shortRun, endRun);
    const [rotate] = await creds.run('rotate');
    const counts = await watcher.stop();
    expect(rotate?.error).toBeUndefined();
    expect(counts.calls).toBeGreaterThan(10);
    // No run ever got a key AWS refused. A run that started between the two secret writes can get a
    // mixed pair (docs/rotation.md says so); any such read fell inside the writes' window.
    expect(counts.refused).toBe(0);
    const writes = w.github.requests.filter((r) => r.method === 'PUT' && /\/AWS_(ACCESS_KEY_ID|SECRET_ACCESS_KEY)$/.test(r.path)).slice(-2);
    expect(writes).toHaveLength(2);
    const [from, to] = [Math.min(...writes.map((r) => r.start)), Math.max(...writes.map((r) => r.end))];
    for (const at of counts.mixedAt) expect(at >= from && at <= to, `mixed pair read at ${at}, outside the writes ${from}..${to}`).toBe(true);
    const fresh = user().accessKeys[0]!;
    expect(fresh.accessKeyId).not.toBe(old);
    // GitHub's updated_at (to the second) of the switch is not before AWS accepted the key.
    const switched = Date.parse(w.github.secret(repo, 'AWS_ACCESS_KEY_ID')!.updatedAt);
    expect(switched + 999).toBeGreaterThanOrEqual(fresh.usableAt!);
  });

  it('waits for a run in progress at the switch, which keeps using the old key to its end; then retires the old key', async () => {
    const { creds } = await w.creds(baseConfig());
    await creds.run('setup');
    const old = user().accessKeys[0]!.accessKeyId;
    const run = w.github.startRun('octo-org', 'demo', { name: 'Deploy' });
    const workflow = watch(() => ({ id: run.secrets?.['AWS_ACCESS_KEY_ID'], secret: run.secrets?.['AWS_SECRET_ACCESS_KEY'] }));
    const rotating = creds.run('rotate', { drainTimeout: '2h' });
    await until('the switch', () => w.github.secretValue(repo, 'AWS_ACCESS_KEY_ID') !== old);
    await sleep(300);
    // Still draining: the old key is Active and the run's calls go through.
    expect(keyOf(old)?.status).toBe('Active');
    // The run's last step, then it ends.
    const counts = await workflow.stop();
    w.github.finishRun('octo-org', 'demo', run.id);
    const finishedAt = Date.now();
    const [rotate] = await rotating;
    expect(rotate?.error).toBeUndefined();
    expect(counts.failed).toBe(0);
    expect(counts.calls).toBeGreaterThan(10);
    expect(keyOf(old)).toBeUndefined();
    // Deactivated only after the run finished (its last uses came after the switch and did not stop the rotation).
    const deactivated = w.iam.calls.log.find((c) => c.action === 'UpdateAccessKey' && c.status === 200);
    expect(deactivated?.at).toBeGreaterThanOrEqual(finishedAt);
  });

  it('a run that outlives the drain bound: exit with DRAIN_TIMEOUT, old key Active, status says so, --resume finishes', async () => {
    const { creds } = await w.creds(baseConfig());
    await creds.run('setup');
    const old = user().accessKeys[0]!.accessKeyId;
    const run = w.github.startRun('octo-org', 'demo', { name: 'Long tests' });
    // One GitHub minute lasts 60 ms on the harness's clock.
    const [rotate] = await creds.run('rotate', { drainTimeout: '1m' });
    expect(rotate?.status).toBe('failed');
    expect(rotate?.error).toMatchObject({ code: 'DRAIN_TIMEOUT', stepId: 'rotate-drain' });
    expect(rotate?.error?.message).toContain('"Long tests" #1');
    expect(rotate?.error?.hint).toMatch(/--resume/);
    expect(keyOf(old)?.status).toBe('Active');
    const [status] = await creds.status();
    expect(status?.drift.join('\n')).toMatch(/waiting on a drain.*creds run rotate --resume/);
    // The run keeps using the old key (well past the switch) and then ends: on --resume it counts as
    // one of the runs drained, not as something else holding the key.
    await sleep(2_500);
    expect(await call({ id: run.secrets?.['AWS_ACCESS_KEY_ID'], secret: run.secrets?.['AWS_SECRET_ACCESS_KEY'] })).toBe('ok');
    await sleep(1_100);
    w.github.finishRun('octo-org', 'demo', run.id);
    const [resumed] = await creds.run('rotate', { resume: true });
    expect(resumed?.error).toBeUndefined();
    expect(keyOf(old)).toBeUndefined();
    expect(w.github.secretValue(repo, 'AWS_ACCESS_KEY_ID')).toBe(user().accessKeys[0]!.accessKeyId);
  });

  it('stops before deactivating an old key something else used after the drain, unless --force', async () => {
    const { creds } = await w.creds(baseConfig());
    await creds.run('setup');
    const oldKey = user().accessKeys[0]!;
    const run = w.github.startRun('octo-org', 'demo');
    await creds.run('rotate', { drainTimeout: '1m' });
    w.github.finishRun('octo-org', 'demo', run.id);
    // Something outside the repository's workflows uses the old key a few seconds later.
    await sleep(3_200);
    expect(await call({ id: oldKey.accessKeyId, secret: oldKey.secretAccessKey })).toBe('ok');
    const [stopped] = await creds.run('rotate', { resume: true });
    expect(stopped?.error).toMatchObject({ code: 'OLD_KEY_STILL_USED', stepId: 'rotate-old-key-unused' });
    expect(stopped?.error?.hint).toMatch(/--force/);
    expect(keyOf(oldKey.accessKeyId)?.status).toBe('Active');
    const [forced] = await creds.run('rotate', { resume: true, force: true });
    expect(forced?.error).toBeUndefined();
    expect(keyOf(oldKey.accessKeyId)).toBeUndefined();
  });

  it('drainTimeout 0 retires the old key without looking at runs', async () => {
    const { creds } = await w.creds(baseConfig({ rotation: { drainTimeout: '0' } }));
    await creds.run('setup');
    const old = user().accessKeys[0]!.accessKeyId;
    w.github.startRun('octo-org', 'demo');
    w.github.resetLog();
    const [rotate] = await creds.run('rotate');
    expect(rotate?.error).toBeUndefined();
    expect(keyOf(old)).toBeUndefined();
    expect(w.github.requests.filter((r) => r.path.includes('/actions/runs'))).toEqual([]);
  });
});
