import type { CliContext } from '../context.js';
import { EXIT } from '../exit-codes.js';
import type { TargetSelection } from '../flags.js';
import { openSession } from '../session.js';

/**
 * `creds unlock`: removes each target's journal lock whose holder is gone. A holder alive on this
 * machine is never unlocked (exit 4); one on another host only with --force. Local files only.
 */
export async function unlock(ctx: CliContext, options: { force: boolean; targets: TargetSelection }): Promise<number> {
  const session = await openSession(ctx, { targets: options.targets });
  try {
    const results = session.creds.unlock({ force: options.force });
    const { cOut: c } = ctx.out;
    for (const r of results) {
      if (r.outcome === 'free') ctx.out.print(`${c.dim('·')} ${r.target}: not locked`);
      else if (r.outcome === 'removed') ctx.out.print(`${c.green('✓')} ${r.target}: removed the lock of pid ${r.holder?.pid} (${r.reason}): ${r.lockPath}`);
      else ctx.out.print(`${c.red('✗')} ${r.target}: kept the lock of pid ${r.holder?.pid} on ${r.holder?.host} since ${r.holder?.since}: ${r.reason} (${r.lockPath})`);
    }
    const refused = results.filter((r) => r.outcome === 'refused');
    if (refused.length > 0) {
      const local = refused.some((r) => r.holderState === 'alive');
      ctx.out.info(
        local
          ? 'A lock whose holder runs on this machine is never removed: wait for it, or stop that process first.'
          : 'A lock held from another host is removed with --force, once you know that run is gone.',
      );
    }
    const exitCode = refused.length > 0 ? EXIT.locked : EXIT.ok;
    ctx.out.result({ command: 'unlock', ok: exitCode === EXIT.ok, exitCode, targets: results });
    return exitCode;
  } finally {
    await session.close();
  }
}
