import { CommanderError } from 'commander';
import { type CliError, describeError } from './errors.js';
import { EXIT, exitCodeFor } from './exit-codes.js';
import { buildProgram, type ParsedCommand } from './program.js';
import { type CliContext, createContext, type GlobalOptions, preflightGlobals } from './context.js';

/**
 * The entry point: parse, run one command module, turn its outcome or error into an exit code.
 * Nothing else in the CLI calls process.exit.
 */
export async function main(argv: string[]): Promise<void> {
  ignoreClosedPipes();
  const code = await runCli(argv);
  await flush();
  process.exit(code);
}

/** Parses and runs; returns the exit code. Command modules are imported only once chosen. */
export async function runCli(argv: string[]): Promise<number> {
  let parsed: ParsedCommand | undefined;
  const program = buildProgram((command) => {
    parsed = command;
  });
  const early = preflightGlobals(argv.slice(2));
  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') {
        return EXIT.ok;
      }
      if (early.json) emitJsonError('usage', { code: 'USAGE', message: error.message.replace(/^error: /, '') });
      return EXIT.usage;
    }
    throw error;
  }
  if (!parsed) return EXIT.ok;
  const ctx = createContext(parsed.globals);
  try {
    const outcome = await parsed.run(ctx);
    return outcome;
  } catch (error) {
    return reportError(ctx, parsed.name, parsed.globals, error);
  }
}

function reportError(ctx: CliContext, command: string, globals: GlobalOptions, error: unknown): number {
  const described: CliError = describeError(error);
  const code = exitCodeFor(described.code);
  if (globals.json) {
    ctx.out.result({ command, ok: false, exitCode: code, error: described });
  } else {
    ctx.out.error(described, globals.logLevel === 'debug' || globals.logLevel === 'trace' ? error : undefined);
  }
  return code;
}

function emitJsonError(command: string, error: CliError): void {
  process.stdout.write(`${JSON.stringify({ type: 'result', command, ok: false, exitCode: EXIT.usage, error })}\n`);
}

/**
 * `creds journal | head -1`: the reader went away. What was left to print has nowhere to go, but
 * the command itself (a run in flight, its journal) carries on and ends as it would have.
 */
function ignoreClosedPipes(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE' || error.code === 'ERR_STREAM_DESTROYED') return;
      throw error;
    });
  }
}

function flush(): Promise<void> {
  return new Promise((resolve) => {
    process.stdout.write('', () => process.stderr.write('', () => resolve()));
  });
}
