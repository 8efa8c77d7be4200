import type { CliContext } from '../context.js';
import { EXIT } from '../exit-codes.js';
import type { TargetSelection } from '../flags.js';
import { statusLines } from '../render/results.js';
import { openSession } from '../session.js';

/** `creds status`: what is there, what drifted. Exit 3 when anything drifted. */
export async function status(ctx: CliContext, options: { targets: TargetSelection }): Promise<number> {
  const session = await openSession(ctx, { targets: options.targets });
  try {
    const targets = await session.creds.status();
    for (const line of statusLines(targets, ctx.out.cOut)) ctx.out.print(line);
    const drifted = targets.filter((t) => !t.inSync).map((t) => t.target);
    const exitCode = drifted.length > 0 ? EXIT.drift : EXIT.ok;
    if (drifted.length > 0) {
      ctx.out.info(ctx.out.c.yellow(`drift in ${drifted.join(', ')}: \`creds plan setup\` shows what setup would put back`));
    }
    ctx.out.result({ command: 'status', ok: exitCode === EXIT.ok, exitCode, targets });
    return exitCode;
  } finally {
    await session.close();
  }
}
