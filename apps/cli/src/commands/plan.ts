import type { CliContext } from '../context.js';
import { combineExitCodes, EXIT, exitCodeFor } from '../exit-codes.js';
import type { TargetSelection } from '../flags.js';
import type { WorkflowName as Workflow } from '@creds/creds/workflows';
import { planLines } from '../render/results.js';
import { openSession } from '../session.js';

/** `creds plan`: read-only; what the workflow would change, per target. */
export async function plan(ctx: CliContext, options: { workflow: Workflow; targets: TargetSelection }): Promise<number> {
  const session = await openSession(ctx, { targets: options.targets });
  try {
    const plans = await session.creds.plan(options.workflow);
    for (const line of planLines(plans, ctx.out.cOut)) ctx.out.print(line);
    // A plan that could not read what it had to is no plan: it fails (2 for bad input, 1 otherwise).
    const exitCode = combineExitCodes(plans.flatMap((p) => p.errors.map((e) => exitCodeFor(e.code))));
    ctx.out.result({ command: 'plan', workflow: options.workflow, ok: exitCode === EXIT.ok, exitCode, plans });
    return exitCode;
  } finally {
    await session.close();
  }
}
