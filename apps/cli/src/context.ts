import type { CliError } from './errors.js';
import { type Colors, colors, maskKeyIdsIn } from './render/format.js';

export const LOG_LEVELS = ['silent', 'error', 'warn', 'info', 'debug', 'trace'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Options every command takes, normalised. */
export interface GlobalOptions {
  config?: string;
  json: boolean;
  logLevel: LogLevel;
  color: boolean;
  sandbox: boolean;
  profile?: string;
  cwd: string;
}

export type OutputMode = 'tty' | 'plain' | 'json';

/**
 * Where a command writes. Results go to stdout; progress, notices and errors to stderr; with --json
 * stdout carries only NDJSON (events, then one result object).
 */
export interface Output {
  readonly mode: OutputMode;
  /** Colours for stderr (progress) and stdout (results), off with --no-color, NO_COLOR or a pipe. */
  readonly c: Colors;
  readonly cOut: Colors;
  /** Whether a person can answer a prompt: stdin and stderr are terminals and --json is off. */
  readonly interactive: boolean;
  /** Columns of the terminal on stderr (80 when unknown). */
  readonly columns: number;
  /** Result text for people (stdout). Ignored with --json. */
  print(text: string): void;
  /** Progress and notices for people (stderr). Ignored with --json or --log-level below info. */
  info(text: string): void;
  /** Warnings (stderr). Ignored with --json or --log-level below warn. */
  warn(text: string): void;
  /** One NDJSON line on stdout (--json only). */
  event(event: Record<string, unknown>): void;
  /** The final JSON object (--json only). */
  result(result: Record<string, unknown> & { command: string; ok: boolean; exitCode: number }): void;
  error(error: CliError, raw?: unknown): void;
  /** Raw write to stderr (the live progress frame). */
  stderr(text: string): void;
}

export interface CliContext {
  readonly globals: GlobalOptions;
  readonly out: Output;
}

export function preflightGlobals(args: string[]): { json: boolean } {
  return { json: args.includes('--json') };
}

export function createContext(globals: GlobalOptions): CliContext {
  return { globals, out: createOutput(globals) };
}

function colorWanted(globals: GlobalOptions, stream: NodeJS.WriteStream): boolean {
  if (!globals.color) return false;
  if (process.env['NO_COLOR'] !== undefined && process.env['NO_COLOR'] !== '') return false;
  if (process.env['FORCE_COLOR'] !== undefined && process.env['FORCE_COLOR'] !== '0') return true;
  return Boolean(stream.isTTY);
}

export function createOutput(globals: GlobalOptions): Output {
  const mode: OutputMode = globals.json ? 'json' : process.stderr.isTTY ? 'tty' : 'plain';
  const level = LOG_LEVELS.indexOf(globals.logLevel);
  const atLeast = (l: LogLevel) => level >= LOG_LEVELS.indexOf(l);
  const c = colors(colorWanted(globals, process.stderr));
  const cOut = colors(colorWanted(globals, process.stdout));
  const errLine = (text: string) => process.stderr.write(`${maskKeyIdsIn(text)}\n`);
  return {
    mode,
    c,
    cOut,
    interactive: !globals.json && Boolean(process.stdin.isTTY) && Boolean(process.stderr.isTTY),
    columns: process.stderr.columns || 80,
    print(text) {
      if (mode !== 'json') process.stdout.write(`${maskKeyIdsIn(text)}\n`);
    },
    info(text) {
      if (mode !== 'json' && atLeast('info')) errLine(text);
    },
    warn(text) {
      if (mode !== 'json' && atLeast('warn')) errLine(c.yellow(`warning: ${text}`));
    },
    event(event) {
      if (mode === 'json') process.stdout.write(`${jsonLine({ ...event, ts: new Date().toISOString() })}\n`);
    },
    result(result) {
      if (mode === 'json') process.stdout.write(`${jsonLine({ type: 'result', ...result })}\n`);
    },
    error(error, raw) {
      if (mode === 'json') return;
      errLine(`${c.red(c.bold('error:'))} ${error.message}`);
      const known = new Set(error.message.split('\n'));
      for (const issue of error.issues ?? []) {
        const line = `${issue.field}: ${issue.rule}`;
        if (!known.has(line)) errLine(`  - ${line}`);
      }
      if (error.hint) errLine(c.dim(`  → ${error.hint}`));
      if (raw instanceof Error && raw.stack) errLine(c.dim(raw.stack));
    },
    stderr(text) {
      process.stderr.write(text);
    },
  };
}

/** JSON with access key ids masked wherever they appear. */
export function jsonLine(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'string' ? maskKeyIdsIn(v) : v));
}
