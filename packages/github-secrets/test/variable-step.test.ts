import type { GitHubSandbox } from '@creds/sandbox';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type GitHubEnv, variableStep } from '../src/index.js';
import { client, context, repo, sandboxRepo, startSandbox } from './helpers.js';

let gh: GitHubSandbox;
let env: GitHubEnv;
beforeEach(async () => {
  gh = await startSandbox();
  env = { github: client(gh) };
});
afterEach(() => gh.close());

describe('variableStep', () => {
  it('creates, leaves an equal value alone, updates a different one, and deletes on undo', async () => {
    const { ctx } = context(env);
    const step = variableStep({ scope: repo, name: 'AWS_REGION', value: 'eu-west-1' });
    const created = await step.apply(ctx);
    expect(created).toMatchObject({ status: 'created', value: 'eu-west-1' });
    gh.resetLog();
    const again = context(env).ctx; // a later run
    const unchanged = await step.apply(again);
    expect(unchanged.status).toBe('unchanged');
    expect(gh.counts().writes).toBe(0);
    await step.undo!(again, unchanged); // changed nothing: undoes nothing
    expect(gh.counts().writes).toBe(0);
    const moved = variableStep({ scope: repo, name: 'AWS_REGION', value: () => 'us-east-1' });
    const movedRun = context(env).ctx;
    const update = await moved.apply(movedRun);
    expect(update.status).toBe('updated');
    expect(gh.variable(sandboxRepo, 'AWS_REGION')?.value).toBe('us-east-1');
    await moved.undo!(movedRun, update); // puts back the value it had before that run
    expect(gh.variable(sandboxRepo, 'AWS_REGION')?.value).toBe('eu-west-1');
    await step.undo!(ctx, created);
    expect(gh.variable(sandboxRepo, 'AWS_REGION')).toBeUndefined();
    await step.undo!(ctx, created);
  });

  it('restores a value that was there before creds', async () => {
    const { ctx } = context(env);
    await env.github.createVariable(repo, 'REGION', 'ap-south-1');
    const step = variableStep({ scope: repo, name: 'REGION', value: 'eu-west-1' });
    const out = await step.apply(ctx);
    expect(out).toMatchObject({ status: 'updated', replaced: 'ap-south-1' });
    await step.undo!(ctx, out);
    expect(gh.variable(sandboxRepo, 'REGION')?.value).toBe('ap-south-1');
  });

  it('check reports create, in sync and drift', async () => {
    const outputs = new Map<string, unknown>();
    const { ctx } = context({ ...env, priorOutput: (id) => outputs.get(id) });
    const step = variableStep({ scope: { kind: 'org', org: 'octo' }, name: 'REGION', value: 'eu-west-1' });
    expect(await step.check!(ctx)).toMatchObject({ inSync: false, changes: [{ action: 'create' }] });
    outputs.set(step.id, await step.apply(ctx));
    expect(await step.check!(ctx)).toEqual({ inSync: true });
    await env.github.updateVariable({ kind: 'org', org: 'octo' }, 'REGION', 'changed');
    expect(await step.check!(ctx)).toMatchObject({ inSync: false, changes: [{ action: 'drift' }] });
  });
});
