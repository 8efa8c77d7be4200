import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRunner, createStepContext, createWorkflow, Secret, type StepContext, ValidationError } from '@creds/core';
import type { GitHubSandbox } from '@creds/sandbox';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type GitHubEnv, type GitHubPreflightOutput, githubPreflightStep, type SecretStepOutput, secretStep, validateSecretNames } from '../src/index.js';
import { client, context, rejection, repo, sandboxRepo, startSandbox, TOKEN } from './helpers.js';

let gh: GitHubSandbox;
let env: GitHubEnv;
beforeEach(async () => {
  gh = await startSandbox();
  env = { github: client(gh) };
});
afterEach(() => gh.close());

const secret = (name: string, value: string, extra: Partial<Parameters<typeof secretStep>[0]> = {}) =>
  secretStep({ scope: repo, name, value: () => new Secret(value), ...extra });

describe('secretStep against the sandbox', () => {
  it('creates (201) then updates (204), recording name, scope and updated_at but never the value', async () => {
    const { ctx } = context(env);
    const first = await secret('AWS_ACCESS_KEY_ID', 'AKIAFIRST').apply(ctx);
    expect(first).toMatchObject({ name: 'AWS_ACCESS_KEY_ID', status: 'created', scope: { kind: 'repo', owner: 'octo', repo: 'app' } });
    expect(first.updatedAt).toBe(gh.secret(sandboxRepo, 'AWS_ACCESS_KEY_ID')?.updatedAt);
    // A later run (a new context: its notes are its own) finds the secret: updated.
    const second = await secret('AWS_ACCESS_KEY_ID', 'AKIASECOND').apply(context(env).ctx);
    expect(second.status).toBe('updated');
    expect(gh.requests.filter((r) => r.method === 'PUT').map((r) => r.status)).toEqual([201, 204]);
    expect(gh.secretValue(sandboxRepo, 'AWS_ACCESS_KEY_ID')).toBe('AKIASECOND');
    expect(JSON.stringify([first, second])).not.toMatch(/AKIA(FIRST|SECOND)/);
  });

  it('writes three secrets in parallel, and the sandbox decrypts exactly the inputs (multi-byte UTF-8, 48 KB)', async () => {
    const values = {
      AWS_DEFAULT_REGION: 'eu-central-1',
      UNICODE_VALUE: 'päßwörd — 鍵 🔑 ✓',
      BIG_VALUE: 'é'.repeat(24 * 1024), // 48 KB of two-byte characters, exactly at the limit
    };
    const { ctx } = context(env);
    const out = await Promise.all(Object.entries(values).map(([name, value]) => secret(name, value).apply(ctx)));
    expect(out.map((o) => o.status)).toEqual(['created', 'created', 'created']);
    for (const [name, value] of Object.entries(values)) expect(gh.secretValue(sandboxRepo, name)).toBe(value);
    // Concurrent steps share one public-key request.
    expect(gh.requests.filter((r) => r.path.endsWith('/public-key'))).toHaveLength(1);
  });

  it('refuses a value over 48 KB before any write', async () => {
    const { ctx } = context(env);
    const error = await rejection(secret('TOO_BIG', 'x'.repeat(48 * 1024 + 1)).apply(ctx));
    expect(error).toBeInstanceOf(ValidationError);
    expect(gh.counts().writes).toBe(0);
  });

  it('recovers when the key is rotated between reading it and writing', async () => {
    const { ctx, progress } = context(env);
    await env.github.getPublicKey(repo); // cached, as after preflight
    const oldKey = gh.publicKeyId(sandboxRepo);
    gh.rotatePublicKey(sandboxRepo);
    const out = await secret('ROTATED', 'value-after-rotation').apply(ctx);
    expect(out.status).toBe('created');
    expect(gh.publicKeyId(sandboxRepo)).not.toBe(oldKey);
    expect(gh.secretValue(sandboxRepo, 'ROTATED')).toBe('value-after-rotation');
    expect(gh.requests.filter((r) => r.method === 'PUT').map((r) => r.status)).toEqual([422, 201]);
    expect(progress.join('\n')).toMatch(/public key .* changed/);
  });

  it('surfaces a wrong key id as a clear GITHUB_REJECTED error', async () => {
    const error = await rejection(env.github.putSecret(repo, 'S', { encryptedValue: 'AAAA', keyId: 'not-the-key' }));
    expect(error.code).toBe('GITHUB_REJECTED');
    expect(error.message).toMatch(/write secret S to octo\/app \(422\): .*key_id/);
    expect(error.hint).toMatch(/current public key/);
  });

  it.each([
    ['1_LEADING_DIGIT', /must not start with a digit/],
    ['GITHUB_TOKEN', /GITHUB_/],
    ['github_lower', /GITHUB_/],
    ['HAS-DASH', /letters, digits and _/],
    ['', /empty/],
  ])('refuses the name "%s" with zero HTTP calls', (name, rule) => {
    expect(() => secret(name, 'v')).toThrow(rule);
    expect(gh.counts().total).toBe(0);
  });

  it('reports case-insensitive duplicates and every bad name together', () => {
    const error = (() => {
      try {
        validateSecretNames(['AWS_KEY', 'aws_key', '9X']);
      } catch (e) {
        return e as Error;
      }
      throw new Error('expected');
    })();
    expect(error.message).toMatch(/secrets\[1\]: "aws_key" is the same secret as "AWS_KEY"/);
    expect(error.message).toMatch(/secrets\[2\]: "9X" must not start with a digit/);
  });

  it('undo deletes, and deleting again is done (404 counts as success)', async () => {
    const { ctx, progress } = context(env);
    const step = secret('TO_DELETE', 'v');
    const out = await step.apply(ctx);
    await step.undo!(ctx, out);
    expect(gh.secretNames(sandboxRepo)).toEqual([]);
    await step.undo!(ctx, out);
    await step.undo!(ctx, undefined);
    expect(progress.filter((p) => p.includes('already gone'))).toHaveLength(2);
    expect(gh.requests.filter((r) => r.method === 'DELETE').map((r) => r.status)).toEqual([204, 404, 404]);
  });

  it('check sees a missing secret, an in-sync one, and drift when it is changed behind creds\' back', async () => {
    const step = secret('DRIFTY', 'creds-value');
    const outputs = new Map<string, unknown>();
    const driftEnv: GitHubEnv = { ...env, priorOutput: (id) => outputs.get(id) };
    const { ctx } = context(driftEnv);
    expect(await step.check!(ctx)).toEqual({ inSync: false, changes: [{ action: 'create', resource: 'secret DRIFTY in octo/app' }] });
    outputs.set(step.id, await step.apply(ctx));
    expect(await step.check!(ctx)).toEqual({ inSync: true });
    gh.setSecretValue(sandboxRepo, 'DRIFTY', 'changed-in-the-ui');
    const result = await step.check!(ctx);
    expect(result).toMatchObject({ inSync: false, changes: [{ action: 'drift', resource: 'secret DRIFTY in octo/app' }] });
    // a later run repairs it
    const repaired = await step.apply(context(driftEnv).ctx);
    expect(repaired.status).toBe('updated');
    expect(gh.secretValue(sandboxRepo, 'DRIFTY')).toBe('creds-value');
  });

  it('a re-run with the same value version writes nothing; a new version writes', async () => {
    const outputs = new Map<string, unknown>();
    let version = 'AKIA-ONE';
    const step = secret('AWS_SECRET_ACCESS_KEY', 'secret-one', { version: () => version });
    const { ctx } = context({ ...env, priorOutput: (id) => outputs.get(id) });
    outputs.set(step.id, await step.apply(ctx));
    gh.resetLog();
    expect((await step.apply(ctx)).status).toBe('unchanged');
    expect(gh.counts()).toMatchObject({ writes: 0, reads: 1 });
    version = 'AKIA-TWO';
    expect((await step.apply(context({ ...env, priorOutput: (id) => outputs.get(id) }).ctx)).status).toBe('updated');
  });

  it('undo deletes only a secret this run created: one that existed is kept with a warning, an unchanged one is not touched', async () => {
    const warnings: string[] = [];
    const run = () => createStepContext<GitHubEnv>({ env, stepId: 'step', onWarning: (m) => warnings.push(m) });
    gh.setSecretValue(sandboxRepo, 'THERE_BEFORE', 'hand-made');
    const there = secret('THERE_BEFORE', 'creds-value');
    const updatedRun = run();
    const updated = await there.apply(updatedRun);
    expect(updated.status).toBe('updated');
    await there.undo!(updatedRun, updated);
    expect(gh.secretNames(sandboxRepo)).toContain('THERE_BEFORE');
    expect(warnings).toEqual([expect.stringMatching(/secret THERE_BEFORE in octo\/app existed before this run and is left as it is: its earlier value cannot be restored/)]);

    // A crash after the write (no output): the note made before the write decides.
    const crashed = run();
    await there.apply(crashed);
    await there.undo!(crashed, undefined);
    expect(gh.secretNames(sandboxRepo)).toContain('THERE_BEFORE');
    const fresh = secret('MADE_HERE', 'v');
    const madeRun = run();
    await fresh.apply(madeRun);
    const resumed = await fresh.apply(madeRun); // a resumed attempt of the same run
    expect(resumed.status).toBe('created');
    await fresh.undo!(madeRun, undefined);
    expect(gh.secretNames(sandboxRepo)).not.toContain('MADE_HERE');

    // An undo of a step that never wrote (no output, no note), and of an unchanged one, delete nothing.
    gh.resetLog();
    await there.undo!(run(), undefined);
    await there.undo!(run(), { ...updated, status: 'unchanged' });
    expect(gh.counts().writes).toBe(0);
  });

  it('writes environment secrets', async () => {
    const { ctx } = context(env);
    await secretStep({ scope: { kind: 'environment', owner: 'octo', repo: 'app', environment: 'prod' }, name: 'E', value: () => new Secret('env-value') }).apply(ctx);
    expect(gh.secretValue({ owner: 'octo', repo: 'app', environment: 'prod' }, 'E')).toBe('env-value');
  });

  it('writes an org secret for selected repositories and changes the selection without the value', async () => {
    const outputs = new Map<string, unknown>();
    let valueReads = 0;
    const make = (repositories: string[]) =>
      secretStep({
        scope: { kind: 'org', org: 'octo', visibility: 'selected', repositories },
        name: 'ORG_SECRET',
        value: () => {
          valueReads++;
          return new Secret('org-value');
        },
        version: () => 'v1',
      });
    const { ctx } = context({ ...env, priorOutput: (id) => outputs.get(id) });
    const first = make(['octo/app']);
    outputs.set(first.id, await first.apply(ctx));
    expect(gh.secret({ org: 'octo' }, 'ORG_SECRET')).toMatchObject({ visibility: 'selected', selectedRepositoryIds: [gh.repoId('octo', 'app')] });
    const wider = make(['octo/app', 'octo/web']);
    expect(await wider.check!(ctx)).toMatchObject({ inSync: false, changes: [{ action: 'update' }] });
    const out = await wider.apply(ctx);
    expect(out.status).toBe('unchanged');
    expect(valueReads).toBe(1);
    expect(gh.secret({ org: 'octo' }, 'ORG_SECRET')?.selectedRepositoryIds?.sort()).toEqual([gh.repoId('octo', 'app'), gh.repoId('octo', 'web')].sort());
    expect(gh.requests.some((r) => r.method === 'PUT' && r.path.endsWith('/ORG_SECRET/repositories'))).toBe(true);
  });
});

describe('HTTP calls of a 3-secret setup and of a re-run (engine, journal, sandbox)', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'creds-gh-count-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('counts and prints them', async () => {
    const values: Record<string, { value: string; version: string }> = {
      AWS_DEFAULT_REGION: { value: 'eu-west-1', version: 'eu-west-1' },
      AWS_ACCESS_KEY_ID: { value: 'AKIAEXAMPLE', version: 'AKIAEXAMPLE' },
      AWS_SECRET_ACCESS_KEY: { value: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', version: 'AKIAEXAMPLE' },
    };
    // The preflight lists the secrets it watches; each step then knows, without a read, what was there.
    const before = (name: string) => (ctx: StepContext<GitHubEnv>) => {
      const listed = ctx.output<GitHubPreflightOutput>('github-preflight')?.secrets?.['repo:octo/app'];
      return listed ? (listed[name] ? { updatedAt: listed[name] } : null) : undefined;
    };
    const workflow = createWorkflow<GitHubEnv>('setup', [
      githubPreflightStep({ repos: [{ owner: 'octo', repo: 'app' }], watch: Object.keys(values) }),
      ...Object.entries(values).map(([name, v]) =>
        secretStep({ scope: repo, name, value: () => new Secret(v.value), version: () => v.version, before: before(name), dependsOn: ['github-preflight'] }),
      ),
    ]);
    const runner = createRunner<GitHubEnv>({ journalPath: join(dir, 'journal.jsonl') });

    await runner.run(workflow, { github: client(gh) });
    const setup = gh.counts();
    gh.resetLog();
    // What the first run recorded, as creds passes it (its standing outputs) to the next run.
    const first = runner.history()[0]!;
    const priorOutput = (id: string) => {
      const state = first.steps.get(id);
      return state?.state === 'succeeded' ? state.output : undefined;
    };
    await runner.run(workflow, { github: client(gh), priorOutput });
    const rerun = gh.counts();
    gh.resetLog();
    await runner.run(workflow, { github: client(gh) });
    const rerunWithoutRecord = gh.counts();

    console.log(
      `[http-calls] 3-secret setup: ${setup.total} (${setup.reads} reads, ${setup.writes} writes); ` +
        `re-run: ${rerun.total} (${rerun.reads} reads, ${rerun.writes} writes); ` +
        `re-run without the journal's record: ${rerunWithoutRecord.total} (${rerunWithoutRecord.writes} writes)`,
    );
    // The repository, the list of its secrets and the public key (read at once), then the three
    // writes; a re-run makes the same three reads. Whether a secret was there (what an undo may
    // delete) comes from the list.
    expect(setup).toMatchObject({ total: 6, reads: 3, writes: 3 });
    expect(rerun).toMatchObject({ total: 3, reads: 3, writes: 0 });
    for (const [name, v] of Object.entries(values)) expect(gh.secretValue(sandboxRepo, name)).toBe(v.value);

    const journalText = (await import('node:fs')).readFileSync(join(dir, 'journal.jsonl'), 'utf8');
    for (const v of Object.values(values)) if (v.value !== v.version) expect(journalText).not.toContain(v.value);
    expect(journalText).not.toContain(TOKEN);
    const out = runner.history()[0]!.steps.get('github-secret:repo:octo/app:AWS_SECRET_ACCESS_KEY');
    expect((out as { output: SecretStepOutput }).output.updatedAt).toBeTruthy();
  });
});
