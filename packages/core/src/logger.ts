import { type DestinationStream, type Logger, pino } from 'pino';

export type { Logger };

/** Paths pino replaces with [REDACTED] wherever they appear in a log record. */
export const REDACTED_LOG_PATHS = [
  'secret',
  'secretAccessKey',
  'token',
  'authorization',
  'password',
  'privateKey',
  '*.secret',
  '*.secretAccessKey',
  '*.SecretAccessKey',
  '*.token',
  '*.authorization',
  '*.password',
  '*.privateKey',
  'headers.authorization',
  '*.headers.authorization',
];

export interface LoggerOptions {
  level?: string;
  /** Where records go; stderr by default so stdout stays for results. */
  destination?: DestinationStream;
}

/** A pino logger that redacts secret-looking fields (Secret values redact themselves too). */
export function createLogger(options: LoggerOptions = {}): Logger {
  return pino(
    {
      level: options.level ?? 'info',
      redact: { paths: REDACTED_LOG_PATHS, censor: '[REDACTED]' },
      base: undefined,
    },
    options.destination ?? pino.destination({ fd: 2, sync: true }),
  );
}

/** A logger that writes nothing. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
