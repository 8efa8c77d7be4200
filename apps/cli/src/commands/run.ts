import type { RunSummary, TargetResult } from 'creds';
import type { CliContext } from '../context.js';
import { UsageError } from '../errors.js';
import { EXIT } from '../exit-codes.js';
import type { RunFlags, TargetSelection, Workflow } from '../program.js';
import { createProgress, type Progress } from '../render/progress.js';
import { planLines, resultLines } from '../render/results.js';
import { openSession } from '../session.js';
import { confirm, exitCodeForResults, failureAdvice, interruptible, suggest } from './_shared.js';

export interface RunOptions extends RunFlags {
  workflow: Workflow;
  targets: TargetSelection;
}

/** `creds run setup|teardown|rotate`: plan, confirm, apply with live progress, say how to continue. */
export async function run(ctx: CliContext, options: RunOptions): Promise<number> {
  const { out } = ctx;
  const { workflow } = options;
  const interrupt = interruptible(ctx);
  let progress: Progress | undefined;
  const session = await openSession(ctx, {
    targets: options.targets,
    signal: interrupt.signal,
    onEvent: (event) => progress?.onEvent(event),
    ...(options.concurrency ? { concurrency: options.concurrency } : {}),
    ...(options.targetConcurrency ? { targetConcurrency: options.targetConcurrency } : {}),
  });
  try {
    const { creds } = session;
    refuseOverUnfinished(ctx, creds.history(), options);

    if (!options.yes) {
      const plans = await creds.plan(workflow);
      const changes = plans.reduce((n, p) => n + p.changes.length, 0);
      if (plans.some((p) => !p.inSync) || options.resume) {
        for (const line of planLines(plans, out.c)) out.info(line);
        const what = options.resume
          ? `resuming ${workflow} would continue the unfinished run`
          : `${workflow} would make ${changes} change${changes === 1 ? '' : 's'}`;
        const targets = plans.length === 1 ? plans[0]!.target : `${plans.length} targets`;
        if (!(await confirm(ctx, `Apply ${workflow} to ${targets}?`, what))) {
          out.info('Nothing was changed.');
          out.result({ command: 'run', workflow, ok: true, exitCode: EXIT.ok, cancelled: true, results: [] });
          return EXIT.ok;
        }
      }
    }

    progress = createProgress(ctx, `creds run ${workflow}${options.resume ? ' --resume' : ''}`, creds.targets);
    let results: TargetResult[];
    try {
      results = await creds.run(workflow, {
        ...(options.resume ? { resume: true } : {}),
        ...(options.olderThan ? { olderThan: options.olderThan } : {}),
      });
    } finally {
      progress.stop();
    }
    if (interrupt.interrupted()) {
      results = results.map((r) => (r.status === 'failed' && r.error?.code === 'INTERRUPTED' ? { ...r, status: 'interrupted' } : r));
    }
    const exitCode = exitCodeForResults(results);
    for (const line of resultLines(results, out.cOut)) out.print(line);
    for (const line of failureAdvice(ctx, 'run', workflow, results)) out.info(line);
    out.result({ command: 'run', workflow, ok: exitCode === EXIT.ok, exitCode, results });
    return exitCode;
  } finally {
    interrupt.dispose();
    await session.close();
  }
}

interface Blocked {
  target: string;
  run: RunSummary;
  kind: 'run' | 'rollback';
}

/**
 * A new run over a finished-but-failed one is refused before anything is asked (the engine refuses it
 * too; checking early lets the message name the commands). A run or rollback still "in progress" may
 * belong to a live process holding the lock, so that case is left to the library, which says LOCKED
 * or UNFINISHED_RUN as appropriate.
 */
function refuseOverUnfinished(ctx: CliContext, history: ReadonlyArray<{ target: string; runs: RunSummary[] }>, options: RunOptions): void {
  const blocked = history.flatMap(({ target, runs }): Blocked[] => {
    const rollingBack = runs.find((r) => r.rollback === 'failed');
    if (rollingBack) return [{ target, run: rollingBack, kind: 'rollback' }];
    const last = runs.at(-1);
    if (!last || last.rollback || last.status !== 'failed') return [];
    return [{ target, run: last, kind: 'run' }];
  });
  const rollback = blocked.filter((b) => b.kind === 'rollback');
  if (rollback.length > 0) {
    throw new UsageError(
      `${rollback.map((b) => b.target).join(', ')}: the last rollback did not finish`,
      `finish it first: ${suggest(ctx, 'rollback')}`,
      'UNFINISHED_RUN',
    );
  }
  if (options.resume) {
    const other = blocked.find((b) => b.run.workflow !== options.workflow);
    if (other) {
      throw new UsageError(
        `${other.target}: the unfinished run is a ${other.run.workflow}, not a ${options.workflow}`,
        `resume it with: ${suggest(ctx, `run ${other.run.workflow} --resume`)}`,
        'WORKFLOW_MISMATCH',
      );
    }
    return;
  }
  const first = blocked[0];
  if (!first) return;
  throw new UsageError(
    `${blocked.map((b) => b.target).join(', ')}: the last ${first.run.workflow} (run ${first.run.runId}) ${
      first.run.status === 'failed' ? 'failed' : 'did not finish'
    }; a new run will not start over it`,
    `continue it with \`${suggest(ctx, `run ${first.run.workflow} --resume`)}\`, or undo it with \`${suggest(ctx, 'rollback')}\``,
    'UNFINISHED_RUN',
  );
}
