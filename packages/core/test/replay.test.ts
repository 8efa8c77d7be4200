import { describe, expect, it } from 'vitest';
import {
  blockingRun,
  createWorkflow,
  type JournalEntry,
  replayJournal,
  resumeActions,
  rollbackActions,
  rollbackOrder,
  rollbackTarget,
  wroteNothing,
} from '../src/index.js';

// Journal in → next action out. Entries are abbreviated: [type, stepId?, 'read-only' | 'failed'?].
type Short = [JournalEntry['type'], string?, ('read-only' | 'failed')?];
const STEPS = ['a', 'b', 'c'];

function journal(shorts: Short[], runId = 'r1'): JournalEntry[] {
  return shorts.map(([type, stepId, extra]) => {
    const base = { v: 1 as const, at: '2026-01-01T00:00:00.000Z', runId };
    switch (type) {
      case 'run-started':
        return { ...base, type, workflow: 'setup', steps: STEPS, pid: 1 };
      case 'run-resumed':
      case 'rollback-started':
        return { ...base, type, pid: 1 };
      case 'run-finished':
      case 'rollback-finished':
        return { ...base, type, status: extra === 'failed' ? ('failed' as const) : ('succeeded' as const) };
      case 'step-started':
        return { ...base, type, stepId: stepId!, ...(extra === 'read-only' ? { readOnly: true as const } : {}) };
      case 'step-failed':
      case 'undo-failed':
        return { ...base, type, stepId: stepId!, code: 'X', message: 'boom' };
      case 'step-succeeded':
        return { ...base, type, stepId: stepId!, output: { id: stepId } };
      default:
        return { ...base, type, stepId: stepId! };
    }
  }) as JournalEntry[];
}

const run = (shorts: Short[]) => replayJournal(journal(shorts))[0]!;

describe('resume: journal in → next action out', () => {
  it.each<[string, Short[], Record<string, string>]>([
    ['nothing done', [['run-started']], { a: 'apply', b: 'apply', c: 'apply' }],
    ['a done', [['run-started'], ['step-started', 'a'], ['step-succeeded', 'a']], { a: 'skip', b: 'apply', c: 'apply' }],
    [
      'b started, never ended (crash mid-step)',
      [['run-started'], ['step-started', 'a'], ['step-succeeded', 'a'], ['step-started', 'b']],
      { a: 'skip', b: 'apply', c: 'apply' },
    ],
    [
      'b failed',
      [['run-started'], ['step-started', 'a'], ['step-succeeded', 'a'], ['step-started', 'b'], ['step-failed', 'b']],
      { a: 'skip', b: 'apply', c: 'apply' },
    ],
    [
      'resumed once already',
      [['run-started'], ['step-started', 'a'], ['step-succeeded', 'a'], ['run-resumed'], ['step-started', 'b'], ['step-succeeded', 'b']],
      { a: 'skip', b: 'skip', c: 'apply' },
    ],
  ])('%s', (_name, shorts, expected) => {
    expect(Object.fromEntries(resumeActions(run(shorts), STEPS))).toEqual(expected);
  });
});

describe('rollback: journal in → next action out', () => {
  const withUndo = STEPS.map((id) => ({ id, hasUndo: id !== 'c' }));
  it.each<[string, Short[], Record<string, string>]>([
    [
      'all succeeded (c has no undo)',
      [['run-started'], ['step-started', 'a'], ['step-succeeded', 'a'], ['step-started', 'b'], ['step-succeeded', 'b'], ['step-started', 'c'], ['step-succeeded', 'c'], ['run-finished']],
      { a: 'undo', b: 'undo', c: 'skip-no-undo' },
    ],
    [
      'b started and never ended: undone too (it may have changed something)',
      [['run-started'], ['step-started', 'a'], ['step-succeeded', 'a'], ['step-started', 'b']],
      { a: 'undo', b: 'undo', c: 'skip-not-applied' },
    ],
    [
      'b failed: undone too',
      [['run-started'], ['step-started', 'a'], ['step-succeeded', 'a'], ['step-started', 'b'], ['step-failed', 'b']],
      { a: 'undo', b: 'undo', c: 'skip-not-applied' },
    ],
    [
      'rollback interrupted after undoing b',
      [['run-started'], ['step-started', 'a'], ['step-succeeded', 'a'], ['step-started', 'b'], ['step-succeeded', 'b'], ['rollback-started'], ['undo-started', 'b'], ['undo-succeeded', 'b'], ['undo-started', 'a']],
      { a: 'undo', b: 'skip-undone', c: 'skip-not-applied' },
    ],
    [
      'undo of b failed earlier: tried again',
      [['run-started'], ['step-started', 'b'], ['step-succeeded', 'b'], ['rollback-started'], ['undo-started', 'b'], ['undo-failed', 'b']],
      { a: 'skip-not-applied', b: 'undo', c: 'skip-not-applied' },
    ],
  ])('%s', (_name, shorts, expected) => {
    expect(Object.fromEntries(rollbackActions(run(shorts), withUndo))).toEqual(expected);
  });

  it.each<[string, Short[], string[]]>([
    [
      'everything that started, newest dependency first; c has no undo',
      [['run-started'], ['step-started', 'a'], ['step-succeeded', 'a'], ['step-started', 'b'], ['step-failed', 'b'], ['step-started', 'c']],
      ['b', 'a'],
    ],
    [
      'a resumed rollback: what is left',
      [['run-started'], ['step-started', 'a'], ['step-succeeded', 'a'], ['step-started', 'b'], ['step-succeeded', 'b'], ['rollback-started'], ['undo-started', 'b'], ['undo-succeeded', 'b']],
      ['a'],
    ],
  ])('order: %s', (_name, shorts, expected) => {
    const step = (id: string, dependsOn: string[]) => ({ id, title: id, dependsOn, apply: async () => null, ...(id === 'c' ? {} : { undo: async () => {} }) });
    const workflow = createWorkflow('setup', [step('a', []), step('b', ['a']), step('c', ['b'])]);
    expect(rollbackOrder(run(shorts), workflow)).toEqual(expected);
  });
});

describe('which run is blocking or targeted', () => {
  const finished: Short[] = [['run-started'], ['run-finished']];
  const refused: Short[] = [['run-started'], ['step-started', 'p', 'read-only'], ['step-failed', 'p'], ['run-finished', undefined, 'failed']];
  it.each<[string, JournalEntry[], string | undefined, string | undefined]>([
    ['empty journal', [], undefined, undefined],
    ['finished run', journal(finished), undefined, 'r1'],
    ['unfinished run', journal([['run-started'], ['step-started', 'a']]), 'run:r1', 'r1'],
    ['run killed before its first step', journal([['run-started']]), undefined, 'r1'],
    ['run refused by its read-only checks (its rollback undoes nothing)', journal(refused), undefined, 'r1'],
    ['run interrupted in its read-only checks', journal([['run-started'], ['step-started', 'p', 'read-only']]), undefined, 'r1'],
    ['finished run, then one refused by its checks: a rollback stops at the refused one', [...journal(finished), ...journal(refused, 'r2')], undefined, 'r2'],
    [
      'checks passed, then a write failed',
      journal([['run-started'], ['step-started', 'p', 'read-only'], ['step-succeeded', 'p'], ['step-started', 'a'], ['step-failed', 'a'], ['run-finished', undefined, 'failed']]),
      'run:r1',
      'r1',
    ],
    [
      'a step started read-only, then as a write when resumed',
      journal([['run-started'], ['step-started', 'p', 'read-only'], ['step-failed', 'p'], ['run-resumed'], ['step-started', 'p']]),
      'run:r1',
      'r1',
    ],
    ['rollback in progress of a run that wrote nothing', journal([...refused, ['rollback-started']]), undefined, 'r1'],
    ['rolled-back run', journal([...finished, ['rollback-started'], ['rollback-finished']]), undefined, undefined],
    ['rollback in progress', journal([...finished, ['rollback-started']]), 'rollback:r1', 'r1'],
    [
      'second run rolled back, first finished',
      [...journal(finished), ...journal([...finished, ['rollback-started'], ['rollback-finished']], 'r2')],
      undefined,
      'r1',
    ],
  ])('%s', (_name, entries, blocking, target) => {
    const runs = replayJournal(entries);
    const b = blockingRun(runs);
    expect(b ? `${b.kind}:${b.run.runId}` : undefined).toBe(blocking);
    expect(rollbackTarget(runs)?.runId).toBe(target);
  });
});

describe('a run that wrote nothing', () => {
  it.each<[string, Short[], boolean]>([
    ['refused by a read-only step', [['run-started'], ['step-started', 'p', 'read-only'], ['step-failed', 'p'], ['run-finished', undefined, 'failed']], true],
    ['killed before any step', [['run-started']], true],
    ['a write started (no end recorded)', [['run-started'], ['step-started', 'p', 'read-only'], ['step-started', 'a']], false],
    ['succeeded with read-only steps only: a run, rolled back as one', [['run-started'], ['step-started', 'p', 'read-only'], ['step-succeeded', 'p'], ['run-finished']], false],
  ])('%s → %s', (_name, shorts, expected) => {
    expect(wroteNothing(run(shorts))).toBe(expected);
  });
});
