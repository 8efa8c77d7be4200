import type { TargetResult } from '@creds/creds';
import type { CliContext } from '../context.js';
import { EXIT } from '../exit-codes.js';
import type { TargetSelection } from '../program.js';
import { createProgress, type Progress } from '../render/progress.js';
import { resultLines } from '../render/results.js';
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
      const lastRuns = creds.history().map(({ target, runs }) => ({ target, last: runs.at(-1) }));
      let steps = 0;
      for (const { target, last } of lastRuns) {
        if (!last) {
          out.info(`${target}: no run to roll back`);
          continue;
        }
        const done = last.steps.filter((s) => s.state !== 'failed' && s.undo !== 'succeeded');
        steps += done.length;
        out.info(`${out.c.bold(target)}: undo ${last.workflow} (run ${last.runId}, ${last.startedAt}), ${done.length} step(s):`);
        for (const step of [...done].reverse()) out.info(`    ${out.c.red('-')} ${step.stepId}`);
      }
      const targets = lastRuns.length === 1 ? lastRuns[0]!.target : `${lastRuns.length} targets`;
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
