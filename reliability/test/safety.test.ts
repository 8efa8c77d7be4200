import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { chmod } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { baseEnv, type CliResult, runCli, spawnCli } from '../src/cli.js';
import { watchJournal } from '../src/journal.js';
import { collectWorld, type Figures, scanSecrets, writeFigures } from '../src/report.js';
import { CONFIG, createWorld, SCOPE, setLatency, TARGET, USER, type World } from '../src/world.js';

// Safety: refusals that come before the first write (each case counts the sandbox's write calls),
// a user of another config's target refused, a teardown that would stop halfway refused before any
// delete, locks left by a killed or foreign holder recovered without waiting, and undo from the
// journal: after a config edit, of secrets that were there before, and of a run that changed nothing.

const figures: Figures = {
  preflightCases: 0,
  preflightZeroWrites: 0,
  collisionCases: 0,
  collisionsRefused: 0,
  collisionWrites: 0,
  teardownBlocked: 0,
  teardownBlockedDeletes: 0,
  lockCases: 0,
  locksRecovered: 0,
  undoAfterEditCases: 0,
  undoAfterEditExact: 0,
  preexistingSecrets: 0,
  preexistingKept: 0,
  noopRollbackDeletes: 0,
};

afterAll(() => {
  const scan = scanSecrets();
  writeFigures('safety', { ...figures, scannedBytes: scan.bytes, scannedSecrets: scan.secrets, secretHits: scan.hits.length });
  expect(scan.hits).toEqual([]);
});

const writesOf = (world: World) => world.iam.calls.writes + world.github.counts().writes;
const cli = (world: World, args: string[], env: NodeJS.ProcessEnv = {}) => runCli(args, { cwd: world.dir, env: { ...world.env, ...env } });
const withConfig = (world: World, change: (c: typeof CONFIG & Record<string, unknown>) => unknown) =>
  writeFileSync(join(world.dir, 'creds.config.json'), JSON.stringify(change(structuredClone(CONFIG) as typeof CONFIG & Record<string, unknown>)));

const withConfigArgs = (world: World, change: Parameters<typeof withConfig>[1]): undefined => {
  withConfig(world, change);
  return undefined;
};

interface PreflightCase {
  name: string;
  /** Arguments to add to `run setup` (none when undefined). */
  prepare(world: World): Promise<string[] | undefined> | string[] | undefined;
  env?: NodeJS.ProcessEnv | ((world: World) => NodeJS.ProcessEnv);
  /** 2: refused before the run started; 1: refused by the run's preflight (journaled, so `--resume` is offered). */
  exit: number;
  says: RegExp;
  /** A wrong reason the message must not give. */
  never?: RegExp;
}

/** A fake `op` on PATH that answers like the 1Password CLI of a signed-out account. */
const signedOutOp = (world: World): NodeJS.ProcessEnv => {
  const bin = join(world.dir, 'world', 'bin');
  mkdirSync(bin, { recursive: true });
  writeFileSync(join(bin, 'op'), '#!/bin/sh\necho "[ERROR] 2026/11/30 12:00:00 account is not signed in" >&2\nexit 1\n');
  chmodSync(join(bin, 'op'), 0o755);
  return { PATH: `${bin}:${process.env['PATH'] ?? ''}` };
};

const PREFLIGHT: PreflightCase[] = [
  { name: 'config path is a folder', prepare: (w) => {
      mkdirSync(join(w.dir, 'conf'));
      return ['--config', 'conf'];
    }, exit: 2, says: /is a folder/ },
  { name: '--config /etc/passwd', prepare: () => ['--config', '/etc/passwd'], exit: 2, says: /not valid JSON/ },
  { name: 'github.repo ".."', prepare: (w) => withConfigArgs(w, (c) => ({ ...c, github: { owner: 'octo-org', repo: '..' } })), exit: 2, says: /github\.repo/ },
  { name: 'environment a/../../b', prepare: (w) => withConfigArgs(w, (c) => ({ ...c, github: { ...c.github, environment: 'a/../../b' } })), exit: 2, says: /github\.environment/ },
  { name: 'targets: []', prepare: (w) => withConfigArgs(w, (c) => ({ ...c, targets: [] })), exit: 2, says: /at least one target/ },
  { name: 'iam.policy with iam.policyFile', prepare: (w) => withConfigArgs(w, (c) => ({ ...c, iam: { ...c.iam, policyFile: 'p.json' } })), exit: 2, says: /iam\.policy or iam\.policyFile/ },
  { name: '100,000-character userName', prepare: (w) => withConfigArgs(w, (c) => ({ ...c, iam: { ...c.iam, userName: 'u'.repeat(100_000) } })), exit: 2, says: /100000 characters/ },
  { name: 'GH_TOKEN set but empty', prepare: () => undefined, env: { GH_TOKEN: '' }, exit: 2, says: /GH_TOKEN is set but empty/ },
  {
    name: '.creds writable by others',
    prepare: async (w) => {
      mkdirSync(join(w.dir, '.creds'), { recursive: true });
      await chmod(join(w.dir, '.creds'), 0o777);
      return undefined;
    },
    exit: 2,
    says: /can be written by other users/,
  },
  // The key store, checked in the run's preflight: the real reason, and nothing written before it.
  { name: 'store.path is a folder', prepare: (w) => {
      mkdirSync(join(w.dir, 'keys'));
      return withConfigArgs(w, (c) => ({ ...c, store: { type: 'json', path: 'keys' } }));
    }, exit: 1, says: /keys is a folder, not a key file/, never: /chmod 600/ },
  { name: 'key file readable by others', prepare: (w) => {
      mkdirSync(join(w.dir, '.creds'), { recursive: true, mode: 0o700 });
      writeFileSync(join(w.dir, '.creds', 'keys.json'), '{"version":1,"keys":{}}\n', { mode: 0o644 });
      chmodSync(join(w.dir, '.creds', 'keys.json'), 0o644);
      return undefined;
    }, exit: 1, says: /keys\.json is readable or writable by other users \(mode 0644\)/ },
  { name: 'key file git would not ignore', prepare: (w) => {
      execFileSync('git', ['init', '-q', w.dir]);
      return withConfigArgs(w, (c) => ({ ...c, store: { type: 'json', path: 'aws-keys.json' } }));
    }, exit: 1, says: /aws-keys\.json is inside the git work tree .* and git does not ignore it/ },
  { name: 'keychain with no Secret Service', prepare: (w) => withConfigArgs(w, (c) => ({ ...c, store: { type: 'keychain' } })), env: { DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/bus' }, exit: 1, says: /no D-Bus session bus to reach the Secret Service/ },
  { name: '1Password CLI not signed in', prepare: (w) => withConfigArgs(w, (c) => ({ ...c, store: { type: '1password', vault: 'Private' } })), env: signedOutOp, exit: 1, says: /not signed in/ },
];

it.each(PREFLIGHT)('refused before the first write: $name', async (c) => {
  const world = await createWorld();
  try {
    const args = (await c.prepare(world)) ?? [];
    const before = writesOf(world);
    const result = await cli(world, ['run', 'setup', '--yes', ...args], typeof c.env === 'function' ? c.env(world) : c.env);
    const writes = writesOf(world) - before;
    figures.preflightCases! += 1;
    if (writes === 0) figures.preflightZeroWrites! += 1;
    expect(result.code, result.stderr).toBe(c.exit);
    expect(result.stderr).toMatch(c.says);
    expect(result.stderr.length).toBeLessThan(2_000);
    expect(result.stderr).not.toMatch(c.exit === 2 ? /root:|--resume|EISDIR/ : /root:|EISDIR/);
    if (c.never) expect(result.stderr).not.toMatch(c.never);
    expect(writes).toBe(0);
  } finally {
    collectWorld(world);
    await world.remove();
  }
});

it('two configs, org-a/api and org-b/api, default names: the second setup is refused naming org-a/api, writes nothing (an existing region secret included), and its teardown deletes nothing', async () => {
  const world = await createWorld({ config: null, repos: ['org-a/api', 'org-b/api'] });
  const dirB = mkdtempSync(join(world.dir, '..', 'w-b-'));
  const envB = { ...world.env, ...baseEnv(dirB) };
  const inA = (args: string[]) => runCli(args, { cwd: world.dir, env: world.env });
  const inB = (args: string[]) => runCli(args, { cwd: dirB, env: envB });
  const scopeB = { owner: 'org-b', repo: 'api' };
  try {
    expect((await inA(['init', '--owner', 'org-a', '--repo', 'api', '--yes'])).code).toBe(0);
    const setupA = await inA(['run', 'setup', '--yes']);
    expect(setupA.code, setupA.stderr).toBe(0);
    expect((await inB(['init', '--owner', 'org-b', '--repo', 'api', '--yes'])).code).toBe(0);
    const configB = join(dirB, 'creds.config.json');
    const config = JSON.parse(readFileSync(configB, 'utf8')) as { iam: Record<string, unknown> };
    config.iam['policy'] = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }] };
    writeFileSync(configB, JSON.stringify(config));
    // org-b/api already has a region secret of its own: a refused setup must leave it as it is.
    world.github.setSecretValue(scopeB, 'AWS_DEFAULT_REGION', 'ap-south-1');
    const regionBefore = world.github.secret(scopeB, 'AWS_DEFAULT_REGION');
    const userBefore = JSON.stringify(world.iam.state().users);

    const before = writesOf(world);
    const setupB = await inB(['run', 'setup', '--yes']);
    const writes = writesOf(world) - before;
    figures.collisionCases! += 1;
    figures.collisionWrites! += writes;
    if (setupB.code !== 0 && /NOT_OWNED/.test(setupB.stderr)) figures.collisionsRefused! += 1;
    expect(setupB.code, setupB.stderr).toBe(1);
    expect(setupB.stderr).toMatch(/NOT_OWNED.*IAM user gha-api is managed by creds for another target, target api of org-a\/api/);
    expect(writes).toBe(0);
    expect(world.github.secretValue(scopeB, 'AWS_DEFAULT_REGION')).toBe('ap-south-1');
    expect(world.github.secret(scopeB, 'AWS_DEFAULT_REGION')).toEqual(regionBefore);
    expect(JSON.stringify(world.iam.state().users)).toBe(userBefore);

    // plan shows the same refusal; B's run only checked, so its rollback undoes nothing; teardown deletes nothing.
    const planB = await inB(['plan', 'setup']);
    expect(`${planB.stdout}${planB.stderr}`).toMatch(/managed by creds for another target, target api of org-a\/api/);
    const rollbackB = await inB(['rollback', '--yes']);
    expect(rollbackB.code, rollbackB.stderr).toBe(0);
    const teardownB = await inB(['run', 'teardown', '--yes']);
    expect(teardownB.code, teardownB.stderr).toBe(1);
    expect(teardownB.stderr).toMatch(/NOT_OWNED.*target api of org-a\/api; teardown deletes nothing/);
    expect(writesOf(world) - before).toBe(0);
    expect(JSON.stringify(world.iam.state().users)).toBe(userBefore);

    const statusA = await inA(['status']);
    expect(statusA.code, `${statusA.stdout}${statusA.stderr}`).toBe(0);
  } finally {
    collectWorld(world);
    await world.remove();
    rmSync(dirB, { recursive: true, force: true });
  }
});

it('teardown of a user with a hand-attached managed policy: refused before any delete, naming it; plan teardown names it too', async () => {
  const world = await createWorld();
  try {
    expect((await cli(world, ['run', 'setup', '--yes'])).code).toBe(0);
    const handMade = world.iam.addPolicy({ policyName: 'attached-by-hand' });
    world.iam.addToUser(USER, { attachedPolicies: [handMade], loginProfile: true, groups: ['ops'] });
    const plan = await cli(world, ['plan', 'teardown']);
    expect(`${plan.stdout}${plan.stderr}`).toContain(handMade);
    const before = writesOf(world);
    const teardown = await cli(world, ['run', 'teardown', '--yes']);
    const deletes = writesOf(world) - before;
    figures.teardownBlocked! += teardown.code === 1 && /TEARDOWN_BLOCKED/.test(teardown.stderr) ? 1 : 0;
    figures.teardownBlockedDeletes! += deletes;
    expect(teardown.code, teardown.stderr).toBe(1);
    expect(teardown.stderr).toContain(handMade);
    expect(teardown.stderr).toMatch(/console password.*group ops/);
    expect(deletes).toBe(0);
    expect(world.github.secretNames({ owner: 'octo-org', repo: 'demo' })).toHaveLength(3);
  } finally {
    collectWorld(world);
    await world.remove();
  }
});

const configFile = (world: World) => join(world.dir, 'creds.config.json');
/** `sed -i s/from/to/ creds.config.json`. */
const sed = (world: World, from: string, to: string) => writeFileSync(configFile(world), readFileSync(configFile(world), 'utf8').replaceAll(from, to));
const storeEntries = (world: World): string[] => {
  const file = join(world.dir, '.creds', 'keys.json');
  return existsSync(file) ? Object.keys((JSON.parse(readFileSync(file, 'utf8')) as { keys?: Record<string, unknown> }).keys ?? {}) : [];
};
/** Nothing creds made is left: no user, no secret, no store entry. */
const nothingLeft = (world: World) =>
  world.iam.state().users.length === 0 && world.github.secretNames(SCOPE).length === 0 && storeEntries(world).length === 0;

it('a setup refused by its preflight wrote nothing, so after the fix a plain run setup starts, with no --resume; rollback then undoes only it', async () => {
  const world = await createWorld();
  try {
    world.iam.addUser({ userName: USER });
    const refused = await cli(world, ['run', 'setup', '--yes']);
    expect(refused.code, refused.stderr).toBe(1);
    expect(refused.stderr).toMatch(/NOT_OWNED/);
    sed(world, USER, 'own-user');
    const fixed = await cli(world, ['run', 'setup', '--yes']);
    expect(fixed.code, fixed.stderr).toBe(0);
    expect(fixed.stderr).not.toMatch(/UNFINISHED_RUN/);
    expect(world.iam.state().users.map((u) => u.userName).sort()).toEqual(['own-user', USER].sort());
    expect(world.github.secretNames(SCOPE)).toHaveLength(3);
    const rollback = await cli(world, ['rollback', '--yes']);
    expect(rollback.code, rollback.stderr).toBe(0);
    expect(world.iam.state().users.map((u) => u.userName)).toEqual([USER]);
    expect(world.github.secretNames(SCOPE)).toEqual([]);
    // Next comes the refused run, which wrote nothing: its rollback deletes nothing (the user it
    // refused to touch stays).
    const again = await cli(world, ['rollback', '--yes']);
    expect(again.code, again.stderr).toBe(0);
    expect(world.iam.state().users.map((u) => u.userName)).toEqual([USER]);
  } finally {
    collectWorld(world);
    await world.remove();
  }
});

it('rollback after the user name was edited undoes what the journal recorded, by those names', async () => {
  const world = await createWorld();
  try {
    expect((await cli(world, ['run', 'setup', '--yes'])).code).toBe(0);
    sed(world, USER, 'second-user');
    const rollback = await cli(world, ['rollback', '--yes']);
    const said = `${rollback.stdout}${rollback.stderr}`;
    figures.undoAfterEditCases! += 1;
    if (rollback.code === 0 && nothingLeft(world) && !said.includes('second-user')) figures.undoAfterEditExact! += 1;
    expect(rollback.code, rollback.stderr).toBe(0);
    expect(said).toContain(`IAM user ${USER}`);
    expect(said).not.toContain('second-user');
    expect(world.iam.state().users).toEqual([]);
    expect(world.github.secretNames(SCOPE)).toEqual([]);
    expect(storeEntries(world)).toEqual([]);
  } finally {
    collectWorld(world);
    await world.remove();
  }
});

it('--resume after a config edit stops with exit 2 naming the change, writes nothing; rollback then undoes the recorded run', async () => {
  const world = await createWorld();
  try {
    world.iam.injectFault({ action: 'CreateAccessKey', code: 'AccessDenied', status: 403, times: 20 });
    expect((await cli(world, ['run', 'setup', '--yes'])).code).toBe(1);
    world.iam.clearFaults();
    expect(world.iam.state().users.map((u) => u.userName)).toEqual([USER]);
    sed(world, USER, 'second-user');
    const before = writesOf(world);
    const resumed = await cli(world, ['run', 'setup', '--yes', '--resume']);
    const writes = writesOf(world) - before;
    expect(resumed.code, resumed.stderr).toBe(2);
    expect(resumed.stderr).toMatch(/CONFIG_CHANGED/);
    expect(resumed.stderr).toContain('iam.userName');
    expect(resumed.stderr).toMatch(/creds rollback/);
    expect(writes).toBe(0);
    const rollback = await cli(world, ['rollback', '--yes']);
    figures.undoAfterEditCases! += 1;
    if (resumed.code === 2 && writes === 0 && rollback.code === 0 && nothingLeft(world)) figures.undoAfterEditExact! += 1;
    expect(rollback.code, rollback.stderr).toBe(0);
    expect(world.iam.state().users).toEqual([]);
    expect(world.github.secretNames(SCOPE)).toEqual([]);
    expect((await cli(world, ['run', 'setup', '--yes'])).code).toBe(0);
    expect(world.iam.state().users.map((u) => u.userName)).toEqual(['second-user']);
  } finally {
    collectWorld(world);
    await world.remove();
  }
});

it('secrets that existed before the run are kept by rollback, each with a warning; only the ones it created are deleted', async () => {
  const world = await createWorld();
  try {
    const before = ['AWS_DEFAULT_REGION', 'AWS_ACCESS_KEY_ID'];
    for (const name of before) world.github.setSecretValue(SCOPE, name, 'set-by-hand');
    expect((await cli(world, ['run', 'setup', '--yes'])).code).toBe(0);
    const rollback = await cli(world, ['rollback', '--yes']);
    expect(rollback.code, rollback.stderr).toBe(0);
    const left = world.github.secretNames(SCOPE);
    figures.preexistingSecrets! += before.length;
    figures.preexistingKept! += before.filter((name) => left.includes(name)).length;
    expect(left).toEqual([...before].sort());
    for (const name of before) expect(rollback.stderr).toMatch(new RegExp(`secret ${name} in octo-org/demo existed before this run and is left as it is: its earlier value cannot be restored`));
    expect(world.iam.state().users).toEqual([]);
  } finally {
    collectWorld(world);
    await world.remove();
  }
});

it('setup twice, then rollback: the second run changed nothing and its rollback removes nothing; the next rollback undoes the first', async () => {
  const world = await createWorld();
  try {
    expect((await cli(world, ['run', 'setup', '--yes'])).code).toBe(0);
    expect((await cli(world, ['run', 'setup', '--yes'])).code).toBe(0);
    const before = writesOf(world);
    const noop = await cli(world, ['rollback', '--yes']);
    const deletes = writesOf(world) - before;
    figures.noopRollbackDeletes! += deletes;
    expect(noop.code, noop.stderr).toBe(0);
    expect(deletes).toBe(0);
    expect(noop.stdout).toMatch(/rollback succeeded .*0 undone, 7 unchanged by that run/);
    expect(world.iam.state().users.map((u) => u.userName)).toEqual([USER]);
    expect(world.github.secretNames(SCOPE)).toHaveLength(3);
    expect(storeEntries(world)).toEqual([TARGET]);
    expect((await cli(world, ['status'])).code).toBe(0);
    const first = await cli(world, ['rollback', '--yes']);
    expect(first.code, first.stderr).toBe(0);
    expect(nothingLeft(world)).toBe(true);
  } finally {
    collectWorld(world);
    await world.remove();
  }
});

/** A real process that is not creds: a live pid. */
async function sleeper(): Promise<ChildProcess & { startTime: string }> {
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 120_000)'], { stdio: 'ignore' });
  await new Promise((resolve) => child.once('spawn', resolve));
  const stat = readFileSync(`/proc/${child.pid}/stat`, 'utf8');
  return Object.assign(child, { startTime: stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]! });
}

const lockPath = (world: World) => join(world.dir, '.creds', 'journal', `${TARGET}.jsonl.lock`);
const writeLock = (world: World, info: Record<string, unknown>, ageMs = 0) => {
  mkdirSync(join(world.dir, '.creds', 'journal'), { recursive: true, mode: 0o700 });
  writeFileSync(lockPath(world), JSON.stringify({ since: new Date().toISOString(), host: hostname(), ...info }));
  const at = new Date(Date.now() - ageMs);
  utimesSync(lockPath(world), at, at);
};

const recovered = (result: CliResult) => {
  figures.lockCases! += 1;
  if (result.code === 0) figures.locksRecovered! += 1;
  expect(result.code, result.stderr).toBe(0);
};

it.runIf(existsSync('/proc/self/stat'))('locks that recover: SIGKILL mid-run then --resume at once; a reused pid; another host, old or unlocked', async () => {
  const world = await createWorld();
  try {
    // A run killed while it holds the lock: --resume right away.
    setLatency(world, 200);
    const first = spawnCli(['run', 'setup', '--yes', '--json'], { cwd: world.dir, env: world.env });
    await new Promise<void>((resolve) => watchJournal(world.journal, 0, (e) => e.type === 'step-started', resolve));
    first.kill('SIGKILL');
    await first.result;
    setLatency(world, 0);
    expect(existsSync(lockPath(world))).toBe(true);
    recovered(await cli(world, ['run', 'setup', '--yes', '--resume']));

    // A lock whose pid now belongs to another process (start time differs): taken over at once.
    const other = await sleeper();
    try {
      writeLock(world, { pid: other.pid, startTime: '1' });
      recovered(await cli(world, ['run', 'rotate', '--yes']));
    } finally {
      other.kill('SIGKILL');
    }

    // Another host's lock whose heartbeat stopped long ago: taken over.
    writeLock(world, { pid: 4242, host: 'ci-runner-gone' }, 10 * 60_000);
    recovered(await cli(world, ['run', 'rotate', '--yes']));

    // Another host's fresh lock: refused naming the file; creds unlock --force, then the run goes.
    writeLock(world, { pid: 4242, host: 'ci-runner-fresh' });
    const refused = await cli(world, ['run', 'rotate', '--yes']);
    expect(refused.code).toBe(4);
    expect(refused.stderr).toContain(lockPath(world));
    expect((await cli(world, ['unlock', '--force'])).code).toBe(0);
    recovered(await cli(world, ['run', 'rotate', '--yes']));
  } finally {
    collectWorld(world);
    await world.remove();
  }
});
