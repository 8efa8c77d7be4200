import type { CliContext } from '../context.js';
import { EXIT } from '../exit-codes.js';
import type { TargetSelection, Workflow } from '../program.js';
import { planLines } from '../render/results.js';
import { openSession } from '../session.js';

/** `creds plan`: read-only; what the workflow would change, per target. */
export async function plan(ctx: CliContext, options: { workflow: Workflow; targets: TargetSelection }): Promise<number> {
  const session = await openSession(ctx, { targets: options.targets });
  try {
    const plans = await session.creds.plan(options.workflow);
    for (const line of planLines(plans, ctx.out.cOut)) ctx.out.print(line);
    ctx.out.result({ command: 'plan', workflow: options.workflow, ok: true, exitCode: EXIT.ok, plans });
    return EXIT.ok;
  } finally {
    await session.close();
  }
}
