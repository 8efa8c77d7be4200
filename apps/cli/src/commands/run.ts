import { type LoadedConfig, parseDuration, type RunRefusal, type TargetResult } from '@creds/creds';
import type { CliContext } from '../context.js';
import { UsageError } from '../errors.js';
import { EXIT } from '../exit-codes.js';
import type { RunFlags, TargetSelection } from '../flags.js';
import type { WorkflowName as Workflow } from '@creds/creds/workflows';
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
  // The library's duration rule, checked before anything is opened or asked.
  if (options.olderThan) parseDuration(options.olderThan, '--older-than');
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
    refuseOverUnfinished(ctx, creds.refusals(workflow, { resume: Boolean(options.resume) }));

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
        ...(options.drainTimeout !== undefined ? { drainTimeout: options.drainTimeout } : {}),
        ...(options.force ? { force: true } : {}),
      });
    } finally {
      progress.stop();
    }
    const exitCode = exitCodeForResults(results);
    for (const line of resultLines(results, out.cOut)) out.print(line);
    for (const line of failureAdvice(ctx, 'run', workflow, results)) out.info(line);
    const snippets = await keylessSnippets(session.config, workflow, results);
    for (const { target, snippet } of snippets) {
      out.print(`\n# ${target}: use the role in .github/workflows/*.yml\n${snippet}`);
    }
    out.result({ command: 'run', workflow, ok: exitCode === EXIT.ok, exitCode, results, ...(snippets.length > 0 ? { snippets } : {}) });
    return exitCode;
  } finally {
    interrupt.dispose();
    await session.close();
  }
}

/** After a keyless run, the workflow snippet users copy, per target that succeeded. */
async function keylessSnippets(config: LoadedConfig, workflow: Workflow, results: readonly TargetResult[]) {
  if (workflow !== 'oidc' && workflow !== 'migrate-to-oidc') return [];
  const { workflowSnippet } = await import('@creds/creds');
  return results
    .filter((r) => r.status === 'succeeded')
    .flatMap((r) => {
      const target = config.targets.find((t) => t.name === r.target);
      return target ? [{ target: r.target, snippet: workflowSnippet(target) }] : [];
    });
}

/**
 * Refused before anything is asked (the engine refuses it too; checking early lets the message name
 * the commands). The library says why; this names the commands that let it go ahead.
 */
function refuseOverUnfinished(ctx: CliContext, refusals: readonly RunRefusal[]): void {
  const first = refusals[0];
  if (!first) return;
  const alike = refusals.filter((r) => r.code === first.code && r.message === first.message).map((r) => r.target);
  const next = first.next.map((n) => {
    if (n.action === 'wait') {
      return n.takeOverInMs === undefined
        ? 'wait for it to finish'
        : `wait: it is taken over in ${Math.ceil(n.takeOverInMs / 1000)} s unless its heartbeat resumes`;
    }
    if (n.action === 'unlock') {
      return n.force
        ? `if you know that run is gone: \`${suggest(ctx, 'unlock --force')}\``
        : `if it is stuck, stop it; then \`${suggest(ctx, 'unlock')}\` removes the lock`;
    }
    return `\`${suggest(ctx, n.action === 'resume' ? `run ${n.workflow} --resume` : 'rollback')}\``;
  });
  throw new UsageError(`${alike.join(', ')}: ${first.message}`, next.join(', or '), first.code);
}
