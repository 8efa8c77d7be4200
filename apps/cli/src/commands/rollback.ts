import type { TargetResult } from '@creds/creds';
import type { CliContext } from '../context.js';
import { EXIT } from '../exit-codes.js';
import type { TargetSelection } from '../flags.js';
import { createProgress, type Progress } from '../render/progress.js';
import { resultLines, rollbackPlanLines } from '../render/results.js';
import { openSession } from '../session.js';
import { confirm, exitCodeForResults, failureAdvice, interruptible } from './_shared.js';

/** `creds rollback`: undo the last run of each target, in reverse, journaled and resumable. */
export async function rollback(ctx: CliContext, options: { yes: boolean; targets: TargetSelection }): Promise<number> {
  const { out } = ctx;
  const interrupt = interruptible(ctx);
  let progress: Progress | undefined;
  const session = await openSession(ctx, {
    targets: options.targets,
    signal: interrupt.signal,
    onEvent: (event) => progress?.onEvent(event),
  });
  try {
    const { creds } = session;
    if (!options.yes) {
      const plans = await creds.planRollback();
      for (const line of rollbackPlanLines(plans, out.c)) out.info(line);
      const steps = plans.reduce((n, p) => n + p.steps.length, 0);
      const targets = plans.length === 1 ? plans[0]!.target : `${plans.length} targets`;
      if (!(await confirm(ctx, `Roll back ${targets}?`, `rollback would undo ${steps} step(s)`))) {
        out.info('Nothing was changed.');
        out.result({ command: 'rollback', ok: true, exitCode: EXIT.ok, cancelled: true, results: [] });
        return EXIT.ok;
      }
    }
    progress = createProgress(ctx, 'creds rollback', creds.targets);
    let results: TargetResult[];
    try {
      results = await creds.rollback();
    } finally {
      progress.stop();
    }
    const exitCode = exitCodeForResults(results);
    for (const line of resultLines(results, out.cOut)) out.print(line);
    for (const line of failureAdvice(ctx, 'rollback', 'rollback', results)) out.info(line);
    out.result({ command: 'rollback', ok: exitCode === EXIT.ok, exitCode, results });
    return exitCode;
  } finally {
    interrupt.dispose();
    await session.close();
  }
}
