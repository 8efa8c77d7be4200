import type { CliContext } from '../context.js';
import { EXIT } from '../exit-codes.js';
import type { TargetSelection } from '../flags.js';
import { historyLines } from '../render/results.js';
import { openSession } from '../session.js';

/** `creds journal`: the runs and steps recorded for each target. Read-only, no network. */
export async function journal(ctx: CliContext, options: { targets: TargetSelection }): Promise<number> {
  const session = await openSession(ctx, { targets: options.targets });
  try {
    const targets = session.creds.history();
    for (const line of historyLines(targets, ctx.out.cOut)) ctx.out.print(line);
    ctx.out.result({ command: 'journal', ok: true, exitCode: EXIT.ok, targets });
    return EXIT.ok;
  } finally {
    await session.close();
  }
}
