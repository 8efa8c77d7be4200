import { describe, expect, it } from 'vitest';
import { SETUP_STEPS } from '../src/index.js';
import { baseConfig, useWorld } from './harness.js';

const w = useWorld();

// One step at a time, so the engine undoes in exactly the order it starts undos, and the preview
// can be compared with what it did step for step.
const oneAtATime = { concurrency: 1 };

describe('planRollback() names exactly what rollback() then undoes', () => {
  it('after a failed run: that run, its failed step included', async () => {
    const { creds } = await w.creds(baseConfig(), oneAtATime);
    await creds.run('setup');
    w.iam.injectFault({ action: 'UpdateAccessKey', code: 'AccessDenied', status: 403, times: 10 });
    const [rotate] = await creds.run('rotate');
    expect(rotate?.status).toBe('failed');
    const failedStep = rotate!.error!.stepId!;
    const rotateRun = creds.history()[0]!.runs.at(-1)!;
    w.iam.clearFaults();

    const [plan] = await creds.planRollback();
    expect(plan?.run).toMatchObject({ runId: rotateRun.runId, workflow: 'rotate', status: 'failed', continues: false });
    expect(plan?.steps.find((s) => s.stepId === failedStep)?.state).toBe('failed');
    expect(plan?.steps.every((s) => s.title.length > 0)).toBe(true);

    const [rollback] = await creds.rollback();
    expect(rollback?.error).toBeUndefined();
    expect(rollback?.runId).toBe(plan!.run!.runId);
    expect(rollback?.undone).toEqual(plan!.steps.map((s) => s.stepId));
  });

  it('after a previous rollback: the run before it, not the one already undone', async () => {
    const { creds } = await w.creds(baseConfig(), oneAtATime);
    const [setup] = await creds.run('setup');
    w.iam.injectFault({ action: 'UpdateAccessKey', code: 'AccessDenied', status: 403, times: 10 });
    await creds.run('rotate');
    w.iam.clearFaults();
    await creds.rollback();

    const [plan] = await creds.planRollback();
    expect(plan?.run).toMatchObject({ runId: setup!.runId, workflow: 'setup', status: 'succeeded' });
    expect(plan!.steps.length).toBeGreaterThan(3);

    const [rollback] = await creds.rollback();
    expect(rollback?.error).toBeUndefined();
    expect(rollback?.runId).toBe(setup!.runId);
    expect(rollback?.undone).toEqual(plan!.steps.map((s) => s.stepId));

    const [nothing] = await creds.planRollback();
    expect(nothing).toMatchObject({ steps: [], skipped: { code: 'NOTHING_TO_ROLL_BACK' } });
    expect(nothing?.run).toBeUndefined();
  });

  it('after a rollback that stopped part-way: only what is left, marked as finishing it', async () => {
    const { creds } = await w.creds(baseConfig(), oneAtATime);
    await creds.run('setup');
    // The user cannot be deleted yet: every other undo succeeds, that one fails.
    w.iam.injectFault({ action: 'DeleteUser', code: 'ServiceFailure', status: 500, times: 100 });
    const [first] = await creds.rollback();
    expect(first?.status).toBe('failed');
    w.iam.clearFaults();

    const [plan] = await creds.planRollback();
    expect(plan?.run?.continues).toBe(true);
    // What the first attempt undid is not undone again; the user, whose undo failed, is.
    expect(plan!.steps.map((s) => s.stepId)).toContain(SETUP_STEPS.user);
    expect(plan!.steps.map((s) => s.stepId)).not.toContain(SETUP_STEPS.accessKey);
    const [rollback] = await creds.rollback();
    expect(rollback?.error).toBeUndefined();
    expect(rollback?.undone).toEqual(plan!.steps.map((s) => s.stepId));
  });
});

describe('refusals()', () => {
  it('says why a run would be refused and what lets it go ahead, by the engine’s rules', async () => {
    const { creds } = await w.creds(baseConfig());
    expect(creds.refusals('setup')).toEqual([]);
    w.iam.injectFault({ action: 'PutUserPolicy', code: 'AccessDenied', status: 403, times: 10 });
    await creds.run('setup');
    w.iam.clearFaults();
    expect(creds.refusals('teardown')).toEqual([
      expect.objectContaining({ target: 'demo', code: 'UNFINISHED_RUN', next: [{ action: 'resume', workflow: 'setup' }, { action: 'rollback' }] }),
    ]);
    expect(creds.refusals('rotate', { resume: true })).toEqual([
      expect.objectContaining({ target: 'demo', code: 'WORKFLOW_MISMATCH', next: [{ action: 'resume', workflow: 'setup' }] }),
    ]);
    expect(creds.refusals('setup', { resume: true })).toEqual([]);
    const [resumed] = await creds.run('setup', { resume: true });
    expect(resumed?.status).toBe('succeeded');
    expect(creds.refusals('teardown')).toEqual([]);
  });
});
