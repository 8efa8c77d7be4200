import type { TargetResult } from '@creds/creds';
import type { CliContext } from '../context.js';
import { UsageError } from '../errors.js';
import { combineExitCodes, EXIT, exitCodeFor } from '../exit-codes.js';

/** A creds command line the user can paste, keeping the flags that chose this config and world. */
export function suggest(ctx: CliContext, rest: string, targets?: readonly string[]): string {
  const parts = ['creds', rest];
  if (targets && targets.length > 0) parts.push(...targets.map((t) => `--target ${t}`));
  if (ctx.globals.config) parts.push(`--config ${ctx.globals.config}`);
  if (ctx.globals.sandbox) parts.push('--sandbox');
  if (ctx.globals.profile) parts.push(`--profile ${ctx.globals.profile}`);
  return parts.join(' ');
}

/**
 * Asks a yes/no question on a terminal; refuses (exit 2, nothing done) when nobody can answer.
 * `what` says what would happen, for the refusal message.
 */
export async function confirm(ctx: CliContext, question: string, what: string): Promise<boolean> {
  if (!ctx.out.interactive) {
    throw new UsageError(`${what}; not asking because this is not a terminal, so nothing was done`, 'pass --yes to go ahead without asking');
  }
  const { createInterface } = await import('node:readline/promises');
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  const aborted = new AbortController();
  const onSigint = () => aborted.abort();
  rl.on('SIGINT', onSigint);
  try {
    const answer = await rl.question(`${question} ${ctx.out.c.dim('[y/N]')} `, { signal: aborted.signal });
    return /^y(es)?$/i.test(answer.trim());
  } catch {
    process.stderr.write('\n');
    return false;
  } finally {
    rl.close();
  }
}

/**
 * Ctrl-C while a run works: the first one aborts the library's signal (it stops after the steps in
 * flight, journaled); a second one is left to Node's default, which ends the process at once.
 */
export function interruptible(ctx: CliContext): { signal: AbortSignal; interrupted(): boolean; dispose(): void } {
  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    if (ctx.out.mode !== 'json') {
      process.stderr.write(
        `\n${ctx.out.c.yellow(`${signal === 'SIGINT' ? 'Ctrl-C' : signal}: stopping after the step in flight`)} ${ctx.out.c.dim('(press Ctrl-C again to quit at once)')}\n`,
      );
    } else {
      ctx.out.event({ type: 'interrupt', signal });
    }
    controller.abort(new Error(`${signal} received`));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal: controller.signal,
    interrupted: () => controller.signal.aborted,
    dispose() {
      process.removeListener('SIGINT', onSignal);
      process.removeListener('SIGTERM', onSignal);
    },
  };
}

/** One exit code for a set of target results. */
export function exitCodeForResults(results: readonly TargetResult[]): number {
  return combineExitCodes(
    results.map((r) => {
      if (r.status === 'succeeded' || r.status === 'skipped') return EXIT.ok;
      if (r.status === 'interrupted') return EXIT.interrupted;
      return exitCodeFor(r.error?.code);
    }),
  );
}

/**
 * What to tell people after a run or rollback that did not succeed everywhere: the step, the cause,
 * and the commands that continue or undo it.
 */
export function failureAdvice(ctx: CliContext, kind: 'run' | 'rollback', workflow: string, results: readonly TargetResult[]): string[] {
  const { c } = ctx.out;
  const lines: string[] = [];
  const failed = results.filter((r) => r.status === 'failed' || r.status === 'interrupted');
  for (const r of failed) {
    if (r.status === 'interrupted') {
      lines.push(`${c.yellow('■')} ${r.target}: ${kind === 'run' ? workflow : 'rollback'} stopped after the step in flight; the journal has every finished step.`);
      continue;
    }
    const e = r.error;
    const step = e?.stepId ? ` at step ${c.bold(e.stepId)}` : '';
    lines.push(`${c.red('✗')} ${r.target}: ${kind === 'run' ? workflow : 'rollback'} failed${step}: ${e ? `${e.code}: ${e.message}` : 'unknown error'}`);
    if (e?.hint) lines.push(c.dim(`    → ${e.hint}`));
  }
  // A run continues or is undone only if the journal has it: a step ran (stepId), it was stopped
  // mid-way, or an earlier one is unfinished. A failure before the first step wrote nothing.
  const journaled = (r: TargetResult) => kind === 'rollback' || r.status === 'interrupted' || Boolean(r.error?.stepId);
  const resumable = failed
    .filter((r) => r.error?.code === 'UNFINISHED_RUN' || (journaled(r) && (r.status === 'interrupted' || exitCodeFor(r.error?.code) === EXIT.failed)))
    .map((r) => r.target);
  if (resumable.length > 0) {
    const targets = resumable.length === results.length ? undefined : resumable;
    if (kind === 'run') {
      lines.push(`  Continue with:  ${c.bold(suggest(ctx, `run ${workflow} --resume`, targets))}`);
      lines.push(`  or undo it:     ${c.bold(suggest(ctx, 'rollback', targets))}`);
    } else {
      lines.push(`  Run it again to retry what is left:  ${c.bold(suggest(ctx, 'rollback', targets))}`);
    }
  }
  return lines;
}
