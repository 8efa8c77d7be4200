import { join } from 'node:path';
import { createJsonStore } from '@creds/store-json';
import { describe, expect, it } from 'vitest';
import type { CredsEvent } from '../src/index.js';
import { baseConfig, useWorld } from './harness.js';

// Undo acts on what the journal recorded: the names a run used, whether each secret was made or
// only overwritten, and whether a step changed anything at all — never on today's configuration.

const w = useWorld();

const repo = { owner: 'octo-org', repo: 'demo' };
const SECRETS = ['AWS_ACCESS_KEY_ID', 'AWS_DEFAULT_REGION', 'AWS_SECRET_ACCESS_KEY'];
const userNamed = (name: string) => w.iam.state().users.find((u) => u.userName === name);
const writes = () => w.iam.calls.writes + w.github.counts().writes;
const storeNames = () => createJsonStore({ path: join(w.dir, '.creds', 'keys.json') }).list();

/** A creds instance whose events are kept, for what a rollback says. */
async function credsWithEvents(config: unknown) {
  const events: CredsEvent[] = [];
  const { creds } = await w.creds(config, { onEvent: (e) => events.push(e) });
  const said = () => events.map((e) => ('title' in e ? e.title : 'message' in e ? e.message : '')).join('\n');
  return { creds, events, said };
}

describe('undo from the journal', () => {
  it('rollback after the user name was edited undoes the recorded user, key, policy and store entry, and names them', async () => {
    const { creds } = await w.creds(baseConfig());
    const [setup] = await creds.run('setup');
    expect(setup?.status).toBe('succeeded');

    const edited = baseConfig({ iam: { ...baseConfig().iam, userName: 'second-user' } });
    const later = await credsWithEvents(edited);
    const plan = await later.creds.planRollback();
    expect(plan[0]!.steps.map((s) => s.title).join('\n')).toMatch(/IAM user gh-demo/);
    const [undo] = await later.creds.rollback();
    expect(undo?.error).toBeUndefined();
    expect(undo?.status).toBe('succeeded');
    expect(userNamed('gh-demo')).toBeUndefined();
    expect(userNamed('second-user')).toBeUndefined();
    expect(w.iam.state().users).toEqual([]);
    expect(await storeNames()).toEqual([]);
    expect(w.github.secretNames(repo)).toEqual([]);
    const said = later.said();
    expect(said).toMatch(/IAM user gh-demo/);
    expect(said).toMatch(/Access key for gh-demo/);
    expect(said).toMatch(/Inline policy iam-user-eu-west-1-gh-demo-inline-policy/);
    expect(said).not.toMatch(/second-user/);
  });

  it('resume refuses a configuration that changed since the unfinished run (CONFIG_CHANGED, nothing written), and rollback still undoes the recorded run', async () => {
    const { creds } = await w.creds(baseConfig());
    w.iam.injectFault({ action: 'CreateAccessKey', code: 'AccessDenied', status: 403, times: 10 });
    const [failed] = await creds.run('setup');
    expect(failed?.status).toBe('failed');
    w.iam.clearFaults();
    expect(userNamed('gh-demo')).toBeDefined();

    const edited = baseConfig({ iam: { ...baseConfig().iam, userName: 'second-user', tags: { team: 'other' } } });
    const { creds: later } = await w.creds(edited);
    const before = writes();
    const [resumed] = await later.run('setup', { resume: true });
    expect(resumed?.status).toBe('failed');
    expect(resumed?.error).toMatchObject({ code: 'CONFIG_CHANGED' });
    expect(resumed?.error?.message).toMatch(/iam\.tags\.team, iam\.userName/);
    expect(resumed?.error?.hint).toMatch(/creds rollback/);
    expect(writes() - before).toBe(0);

    const [undo] = await later.rollback();
    expect(undo?.error).toBeUndefined();
    expect(w.iam.state().users).toEqual([]);
    expect(w.github.secretNames(repo)).toEqual([]);
    // The old run rolled back, the new configuration runs from scratch.
    const [fresh] = await later.run('setup');
    expect(fresh?.status).toBe('succeeded');
    expect(userNamed('second-user')).toBeDefined();
  });

  it('keeps a secret that existed before the run, with a warning that its old value cannot be restored; deletes only those it created', async () => {
    w.github.setSecretValue(repo, 'AWS_DEFAULT_REGION', 'hand-made');
    const { creds, said } = await credsWithEvents(baseConfig());
    const [setup] = await creds.run('setup');
    expect(setup?.status).toBe('succeeded');
    const [undo] = await creds.rollback();
    expect(undo?.error).toBeUndefined();
    expect(w.github.secretNames(repo)).toEqual(['AWS_DEFAULT_REGION']);
    expect(said()).toMatch(
      /secret AWS_DEFAULT_REGION in octo-org\/demo existed before this run and is left as it is: its earlier value cannot be restored \(GitHub never returns a secret's value\)/,
    );
    expect(w.iam.state().users).toEqual([]);
  });

  it('a second setup that changed nothing is rolled back by removing nothing; the next rollback undoes the first', async () => {
    const { creds } = await w.creds(baseConfig());
    await creds.run('setup');
    const [again] = await creds.run('setup');
    expect(again?.status).toBe('succeeded');
    const before = writes();
    const [noop] = await creds.rollback();
    expect(noop?.error).toBeUndefined();
    expect(noop?.undone).toEqual([]);
    expect(noop?.unchanged?.sort()).toEqual(['iam-access-key', 'iam-inline-policy', 'iam-managed-policies', 'iam-user', ...SECRETS.map((s) => `github-secret:repo:octo-org/demo:${s}`)].sort());
    expect(writes() - before).toBe(0);
    expect(userNamed('gh-demo')?.accessKeys).toHaveLength(1);
    expect(w.github.secretNames(repo)).toEqual(SECRETS);
    expect(await storeNames()).toEqual(['demo']);
    const [status] = await creds.status();
    expect(status?.drift).toEqual([]);

    const [first] = await creds.rollback();
    expect(first?.error).toBeUndefined();
    expect(w.iam.state().users).toEqual([]);
    expect(w.github.secretNames(repo)).toEqual([]);
    expect(await storeNames()).toEqual([]);
  });
});
