import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  changedFields,
  ConfigChangedError,
  CredsError,
  createLogger,
  createRunner,
  createWorkflow,
  type EngineEvent,
  RollbackFailedError,
  Secret,
  type Step,
  StepFailedError,
  UnfinishedRunError,
} from '../src/index.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'creds-runner-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A stand-in cloud: resources by name, and a log of every change. */
class World {
  resources = new Set<string>();
  log: string[] = [];
  create(name: string) {
    if (this.resources.has(name)) return false;
    this.resources.add(name);
    this.log.push(`create ${name}`);
    return true;
  }
  remove(name: string) {
    if (this.resources.delete(name)) this.log.push(`delete ${name}`);
  }
}

interface Env {
  world: World;
  failOn?: Set<string>;
  failUndoOn?: Set<string>;
  gate?: Promise<void>;
}

function resource(id: string, dependsOn: string[] = [], extra: Partial<Step<Env>> = {}): Step<Env> {
  return {
    id,
    title: `create ${id}`,
    dependsOn,
    async apply(ctx) {
      await ctx.env.gate;
      if (ctx.env.failOn?.has(id)) throw new CredsError(`${id} refused`, { code: 'REFUSED' });
      return { created: ctx.env.world.create(id) };
    },
    async undo(ctx) {
      if (ctx.env.failUndoOn?.has(id)) throw new CredsError(`cannot delete ${id}`, { code: 'STUCK' });
      ctx.env.world.remove(id);
    },
    async check(ctx) {
      return ctx.env.world.resources.has(id)
        ? { inSync: true }
        : { inSync: false, changes: [{ action: 'create', resource: id }] };
    },
    ...extra,
  };
}

const diamond = () =>
  createWorkflow<Env>('setup', [
    resource('a'),
    resource('b', ['a']),
    resource('c', ['a']),
    resource('d', ['b', 'c']),
    resource('e', ['d']),
  ]);

function runnerFor(events: EngineEvent[] = [], concurrency = 4) {
  return createRunner<Env>({
    journalPath: join(dir, 'journal.jsonl'),
    concurrency,
    retry: { retries: 2, minTimeoutMs: 1, maxTimeoutMs: 5 },
    onEvent: (e) => events.push(e),
  });
}

describe('Runner', () => {
  it('runs a DAG, reports events, and a second run changes nothing (I1)', async () => {
    const env: Env = { world: new World() };
    const events: EngineEvent[] = [];
    const result = await runnerFor(events).run(diamond(), env);
    expect(result.applied.sort()).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(env.world.log).toEqual(['create a', 'create b', 'create c', 'create d', 'create e']);
    expect(events.filter((e) => e.type === 'step-succeeded')).toHaveLength(5);
    const again = await runnerFor().run(diamond(), env);
    expect(again.outputs['a']).toEqual({ created: false });
    expect(env.world.log).toHaveLength(5);
  });

  it('runs independent steps at the same time, up to the limit', async () => {
    let running = 0;
    let peak = 0;
    const slow = (id: string, deps: string[] = []): Step<Env> => ({
      id,
      title: id,
      dependsOn: deps,
      async apply() {
        running++;
        peak = Math.max(peak, running);
        await new Promise((r) => setTimeout(r, 20));
        running--;
        return null;
      },
    });
    const wf = createWorkflow<Env>('fan', [slow('root'), slow('x', ['root']), slow('y', ['root']), slow('z', ['root'])]);
    await runnerFor([], 2).run(wf, { world: new World() });
    expect(peak).toBe(2);
    peak = 0;
    rmSync(join(dir, 'journal.jsonl'));
    await runnerFor([], 8).run(wf, { world: new World() });
    expect(peak).toBe(3);
  });

  it('stops at a failure, refuses a new run, and resume finishes it without redoing work', async () => {
    const env: Env = { world: new World(), failOn: new Set(['d']) };
    await expect(runnerFor().run(diamond(), env)).rejects.toThrow(StepFailedError);
    expect([...env.world.resources].sort()).toEqual(['a', 'b', 'c']);
    await expect(runnerFor().run(diamond(), env)).rejects.toThrow(UnfinishedRunError);
    env.failOn = undefined;
    const events: EngineEvent[] = [];
    const resumed = await runnerFor(events).resume(diamond(), env);
    expect(resumed.skipped).toEqual(['a', 'b', 'c']);
    expect(resumed.applied).toEqual(['d', 'e']);
    expect(env.world.log.filter((l) => l === 'create a')).toHaveLength(1);
  });

  it('a run refused by its read-only checks blocks nothing: a new run starts, resume starts afresh, its rollback undoes nothing', async () => {
    const checked = (ok: () => boolean): Step<Env> => ({
      id: 'check',
      title: 'check',
      readOnly: true,
      async apply() {
        if (!ok()) throw new CredsError('not yours', { code: 'NOT_OWNED' });
        return null;
      },
    });
    let allowed = false;
    const wf = () => createWorkflow<Env>('setup', [checked(() => allowed), resource('a', ['check']), resource('b', ['a'])]);
    const env: Env = { world: new World() };
    const entries = () => readFileSync(join(dir, 'journal.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);

    // Its rollback undoes nothing: the run wrote nothing.
    await expect(runnerFor().run(wf(), env)).rejects.toThrow(/not yours/);
    expect((await runnerFor().rollback(wf(), env)).undone).toEqual([]);
    // --resume of it is a new run from the start.
    allowed = true;
    const resumed = await runnerFor().resume(wf(), env);
    expect(resumed.applied.sort()).toEqual(['a', 'b', 'check']);
    expect(resumed.skipped).toEqual([]);
    const runIds = new Set(entries().filter((e) => e['type'] === 'run-started').map((e) => e['runId']));
    expect(runIds.size).toBe(2);
    expect(runIds.has(resumed.runId)).toBe(true);
    expect(env.world.resources.size).toBe(2);
    expect(entries().some((e) => e['type'] === 'run-resumed')).toBe(false);
    // Only the read-only step's start is marked; a write step's entry is as before.
    const starts = entries().filter((e) => e['type'] === 'step-started' && e['runId'] === resumed.runId);
    expect(starts.find((e) => e['stepId'] === 'check')).toMatchObject({ readOnly: true });
    expect(Object.keys(starts.find((e) => e['stepId'] === 'a')!).sort()).toEqual(['at', 'runId', 'stepId', 'type', 'v']);

    // Refused again after a run that wrote: a rollback undoes the refused run (nothing), never the
    // run before it; a second rollback does.
    allowed = false;
    await expect(runnerFor().run(wf(), env)).rejects.toThrow(/not yours/);
    await expect(runnerFor().resume(createWorkflow<Env>('teardown', [resource('x')]), env)).rejects.toMatchObject({ code: 'NOTHING_TO_RESUME' });
    const first = await runnerFor().rollback(wf(), env);
    expect(first.runId).not.toBe(resumed.runId);
    expect(first.undone).toEqual([]);
    expect(env.world.resources.size).toBe(2);
    const second = await runnerFor().rollback(wf(), env);
    expect(second.runId).toBe(resumed.runId);
    expect(env.world.resources.size).toBe(0);
    allowed = true;
    expect((await runnerFor().run(wf(), env)).applied.sort()).toEqual(['a', 'b', 'check']);

    // A run whose checks passed and whose write failed still blocks.
    env.failOn = new Set(['b']);
    rmSync(join(dir, 'journal.jsonl'));
    await expect(runnerFor().run(wf(), env)).rejects.toThrow(StepFailedError);
    await expect(runnerFor().run(wf(), env)).rejects.toThrow(UnfinishedRunError);
  });

  it('retries retryable errors within the bound and fails terminal ones at once', async () => {
    let attempts = 0;
    const flaky: Step<Env> = {
      id: 'flaky',
      title: 'flaky',
      async apply() {
        attempts++;
        if (attempts < 3) throw new CredsError('throttled', { code: 'THROTTLED', retryable: true });
        return 'ok';
      },
    };
    const events: EngineEvent[] = [];
    await runnerFor(events).run(createWorkflow('f', [flaky]), { world: new World() });
    expect(attempts).toBe(3);
    expect(events.filter((e) => e.type === 'step-retry')).toHaveLength(2);

    attempts = 0;
    const always: Step<Env> = { ...flaky, id: 'always', apply: async () => { attempts++; throw new CredsError('slow down', { code: 'THROTTLED', retryable: true }); } };
    rmSync(join(dir, 'journal.jsonl'));
    await expect(runnerFor().run(createWorkflow('g', [always]), { world: new World() })).rejects.toThrow(/slow down/);
    expect(attempts).toBe(3);

    attempts = 0;
    const denied: Step<Env> = { ...flaky, id: 'denied', apply: async () => { attempts++; throw new CredsError('denied', { code: 'ACCESS_DENIED' }); } };
    rmSync(join(dir, 'journal.jsonl'));
    await expect(runnerFor().run(createWorkflow('h', [denied]), { world: new World() })).rejects.toThrow(/denied/);
    expect(attempts).toBe(1);
  });

  it('starts no retry once the total time bound per step has passed, however many attempts are left', async () => {
    let attempts = 0;
    const slow: Step<Env> = {
      id: 'slow',
      title: 'slow',
      async apply() {
        attempts++;
        if (attempts > 1) await new Promise((resolve) => setTimeout(resolve, 300));
        throw new CredsError('unavailable', { code: 'UNAVAILABLE', retryable: true });
      },
    };
    const runner = createRunner<Env>({
      journalPath: join(dir, 'journal.jsonl'),
      retry: { retries: 50, minTimeoutMs: 1, maxTimeoutMs: 1, maxElapsedMs: 250 },
    });
    await expect(runner.run(createWorkflow('bound', [slow]), { world: new World() })).rejects.toThrow(/unavailable/);
    // The first attempt fails at once, the second after 300 ms: past the bound, so no third.
    expect(attempts).toBe(2);
  });

  it('rolls back in reverse dependency order, including a step that started but never finished', async () => {
    const env: Env = { world: new World(), failOn: new Set(['e']) };
    await expect(runnerFor().run(diamond(), env)).rejects.toThrow();
    const events: EngineEvent[] = [];
    const result = await runnerFor(events).rollback(diamond(), env);
    expect(env.world.resources.size).toBe(0);
    const order = events.filter((e) => e.type === 'undo-started').map((e) => (e as { stepId: string }).stepId);
    expect(order[0]).toBe('e');
    expect(order.indexOf('d')).toBeLessThan(order.indexOf('b'));
    expect(order.indexOf('d')).toBeLessThan(order.indexOf('c'));
    expect(order.at(-1)).toBe('a');
    expect(result.undone).toHaveLength(5);
    // A finished rollback leaves nothing blocking: a new run may start.
    await runnerFor().run(diamond(), { world: new World() });
  });

  it('journals what an undo that writes a value back returns, and nothing for one that returns nothing', async () => {
    const env: Env = { world: new World() };
    const writeBack = resource('b', ['a'], { undo: async () => ({ restored: 'old value' }) });
    const wf = () => createWorkflow<Env>('setup', [resource('a'), writeBack]);
    await runnerFor().run(wf(), env);
    await runnerFor().rollback(wf(), env);
    const [run] = runnerFor().history();
    expect(run?.rollback?.undo.get('b')).toBe('succeeded');
    expect(run?.rollback?.restored.get('b')).toEqual({ restored: 'old value' });
    expect(run?.rollback?.restored.has('a')).toBe(false);
  });

  it('attempts every undo, reports all failures together, and a second rollback retries only those', async () => {
    const env: Env = { world: new World() };
    await runnerFor().run(diamond(), env);
    env.failUndoOn = new Set(['b', 'e']);
    const err = await runnerFor().rollback(diamond(), env).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RollbackFailedError);
    expect((err as RollbackFailedError).failures.map((f) => f.stepId).sort()).toEqual(['b', 'e']);
    expect([...env.world.resources].sort()).toEqual(['b', 'e']);
    await expect(runnerFor().run(diamond(), env)).rejects.toThrow(UnfinishedRunError);
    env.failUndoOn = undefined;
    const events: EngineEvent[] = [];
    const second = await runnerFor(events).rollback(diamond(), env);
    expect(second.undone.sort()).toEqual(['b', 'e']);
    expect(env.world.resources.size).toBe(0);
  });

  it('keeps the first note a step records in a run: a resumed attempt and the undo read it, another run does not', async () => {
    const seen: Array<{ attempt: string; note: unknown }> = [];
    let fail = true;
    const noting: Step<Env> = {
      id: 'noting',
      title: 'noting',
      async apply(ctx) {
        ctx.record({ existed: ctx.env.world.resources.has('r') });
        ctx.record({ existed: 'ignored: only the first note is kept' });
        seen.push({ attempt: 'apply', note: ctx.recorded() });
        ctx.env.world.create('r');
        if (fail) throw new CredsError('crashed after the write', { code: 'REFUSED' });
        return { done: true };
      },
      async undo(ctx) {
        seen.push({ attempt: 'undo', note: ctx.recorded() });
        ctx.record({ existed: 'an undo records nothing' });
        if (ctx.recorded<{ existed: boolean }>()?.existed === false) ctx.env.world.remove('r');
        else ctx.unchanged('r was there before this run');
      },
    };
    const wf = createWorkflow<Env>('noted', [noting]);
    const env: Env = { world: new World() };
    await expect(runnerFor().run(wf, env)).rejects.toThrow(StepFailedError);
    fail = false;
    await runnerFor().resume(wf, env);
    await runnerFor().run(wf, env); // a second run: its own note says the resource was there
    expect(seen).toEqual([
      { attempt: 'apply', note: { existed: false } },
      { attempt: 'apply', note: { existed: false } },
      { attempt: 'apply', note: { existed: true } },
    ]);
    const events: EngineEvent[] = [];
    const second = await runnerFor(events).rollback(wf, env); // the second run: the resource was there before it
    expect(env.world.resources.has('r')).toBe(true);
    expect(second).toMatchObject({ undone: [], unchanged: ['noting'] });
    expect(events.filter((e) => e.type.startsWith('undo-')).map((e) => e.type)).toEqual(['undo-started', 'undo-skipped']);
    expect(events.find((e) => e.type === 'undo-skipped')).toMatchObject({ reason: 'r was there before this run' });
    const first = await runnerFor().rollback(wf, env); // the first: it made it
    expect(env.world.resources.has('r')).toBe(false);
    expect(first).toMatchObject({ undone: ['noting'], unchanged: [] });
    expect(seen.slice(3)).toEqual([
      { attempt: 'undo', note: { existed: true } },
      { attempt: 'undo', note: { existed: false } },
    ]);
    const notes = readFileSync(join(dir, 'journal.jsonl'), 'utf8').split('\n').filter((l) => l.includes('"step-noted"'));
    expect(notes).toHaveLength(2);
  });

  it('journals the configuration a run was built from; resume refuses another one, naming the fields (CONFIG_CHANGED)', async () => {
    const env: Env = { world: new World(), failOn: new Set(['d']) };
    const config = { iam: { userName: 'first-user', tags: { team: 'a' } }, region: 'eu-west-1' };
    await expect(runnerFor().run(diamond(), env, { config })).rejects.toThrow(StepFailedError);
    expect(runnerFor().history()[0]!.config).toEqual(config);
    env.failOn = undefined;
    const changed = { iam: { userName: 'second-user', tags: { team: 'a', extra: 'x' } }, region: 'eu-west-1' };
    const error = await runnerFor().resume(diamond(), env, { config: changed }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigChangedError);
    expect(error).toMatchObject({ code: 'CONFIG_CHANGED', fields: ['iam.tags.extra', 'iam.userName'] });
    expect((error as Error).message).toMatch(/changed since the unfinished setup started \(iam\.tags\.extra, iam\.userName\)/);
    expect([...env.world.resources].sort()).toEqual(['a', 'b', 'c']); // nothing more was done
    const resumed = await runnerFor().resume(diamond(), env, { config: structuredClone(config) });
    expect(resumed.applied).toEqual(['d', 'e']);
  });

  it('names changed fields of nested objects, arrays as a whole, and a whole value', () => {
    expect(changedFields({ a: 1, b: { c: [1, 2] } }, { a: 1, b: { c: [1, 2] } })).toEqual([]);
    expect(changedFields({ a: 1, b: { c: [1, 2] } }, { a: 2, b: { c: [2, 1] }, d: true })).toEqual(['a', 'b.c', 'd']);
    expect(changedFields('x', 'y')).toEqual(['(the whole value)']);
  });

  it('plans without writing anything', async () => {
    const env: Env = { world: new World() };
    env.world.create('a');
    const plan = await runnerFor().plan(diamond(), env);
    expect(plan.inSync).toBe(false);
    expect(plan.steps.filter((s) => s.result && !s.result.inSync).map((s) => s.id)).toEqual(['b', 'c', 'd', 'e']);
    expect(env.world.log).toEqual(['create a']);
    expect(() => readFileSync(join(dir, 'journal.jsonl'))).toThrow();
  });

  it('stops after the steps in flight when aborted, and the run resumes', async () => {
    const controller = new AbortController();
    let release!: () => void;
    const env: Env = { world: new World(), gate: new Promise<void>((r) => { release = r; }) };
    const runner = createRunner<Env>({ journalPath: join(dir, 'journal.jsonl'), signal: controller.signal });
    const pending = runner.run(diamond(), env);
    await new Promise((r) => setTimeout(r, 10));
    controller.abort();
    release();
    await expect(pending).rejects.toMatchObject({ code: 'INTERRUPTED' });
    expect([...env.world.resources]).toEqual(['a']);
    const resumed = await runnerFor().resume(diamond(), env);
    expect(resumed.applied).toEqual(['b', 'c', 'd', 'e']);
  });

  it('never writes a secret value to the journal, the logs or an error message', async () => {
    const value = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY';
    const secret = new Secret(value);
    let logged = '';
    const logger = createLogger({
      level: 'debug',
      destination: new Writable({ write(chunk, _enc, cb) { logged += String(chunk); cb(); } }),
    });
    const leaky: Step<Env> = {
      id: 'leaky',
      title: 'leaky',
      async apply(ctx) {
        ctx.logger.info({ secret, nested: { secretAccessKey: value } }, `using ${secret}`);
        ctx.progress(`handling ${secret}`);
        return { key: secret, note: `${secret}` };
      },
    };
    const failing: Step<Env> = {
      id: 'failing',
      title: 'failing',
      dependsOn: ['leaky'],
      async apply() {
        throw new CredsError(`could not store ${secret}`, { code: 'STORE' });
      },
    };
    const events: EngineEvent[] = [];
    const runner = createRunner<Env>({ journalPath: join(dir, 'journal.jsonl'), logger, onEvent: (e) => events.push(e) });
    const err = await runner.run(createWorkflow('leak', [leaky, failing]), { world: new World() }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StepFailedError);
    const haystacks = {
      journal: readFileSync(join(dir, 'journal.jsonl'), 'utf8'),
      logs: logged,
      error: `${(err as Error).message}\n${(err as Error).stack}`,
      events: JSON.stringify(events),
    };
    for (const [where, text] of Object.entries(haystacks)) {
      expect(text.length, where).toBeGreaterThan(0);
      expect(text.includes(value), `secret found in ${where}`).toBe(false);
    }
    expect(haystacks.journal).toContain('[REDACTED]');
  });
});
