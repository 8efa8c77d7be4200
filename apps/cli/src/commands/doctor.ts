import type { CliContext } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { doctorLines } from '../render/results.js';
import { openSession } from '../session.js';

/** `creds doctor`: can creds work here? Exit 1 when a check fails. */
export async function doctor(ctx: CliContext): Promise<number> {
  const session = await openSession(ctx);
  try {
    const checks = await session.creds.doctor();
    for (const line of doctorLines(checks, ctx.out.cOut)) ctx.out.print(line);
    const ok = checks.every((c) => c.ok);
    const exitCode = ok ? EXIT.ok : EXIT.failed;
    ctx.out.result({ command: 'doctor', ok, exitCode, checks });
    return exitCode;
  } finally {
    await session.close();
  }
}
