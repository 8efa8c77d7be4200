import { randomUUID } from 'node:crypto';
import { appendFileSync } from 'node:fs';
import { EOL } from 'node:os';

/**
 * The Actions runner's side of a JavaScript action, as documented: inputs arrive as `INPUT_<ID>`
 * (the id upper-cased, spaces as `_`, hyphens kept), outputs and the job summary are appended to
 * the files `$GITHUB_OUTPUT` and `$GITHUB_STEP_SUMMARY` name, and workflow commands are lines on
 * stdout (`::add-mask::`, `::group::`, `::error::`).
 */
export interface Runner {
  /** An input's value, trimmed; '' when not given. */
  input(id: string): string;
  /** Tells the runner to hide this value in the log: the whole value and each of its lines. */
  mask(value: string): void;
  /** A line for the log. */
  log(line: string): void;
  group(title: string, lines: readonly string[]): void;
  error(message: string, title?: string): void;
  warning(message: string): void;
  setOutput(name: string, value: string): void;
  appendSummary(markdown: string): void;
}

export interface RunnerIo {
  env: NodeJS.ProcessEnv;
  write(text: string): void;
}

/** Escaping of a workflow command's data (the runner un-escapes `%25`, `%0D`, `%0A`). */
const escapeData = (text: string) => text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
const escapeProperty = (text: string) => escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');

export function createRunner(io: RunnerIo = { env: process.env, write: (text) => process.stdout.write(text) }): Runner {
  const line = (text: string) => io.write(`${text}${EOL}`);
  const fileOf = (variable: 'GITHUB_OUTPUT' | 'GITHUB_STEP_SUMMARY') => {
    const path = io.env[variable];
    if (!path) throw new Error(`${variable} is not set: this program runs as a GitHub Action step`);
    return path;
  };
  return {
    input: (id) => (io.env[`INPUT_${id.replace(/ /g, '_').toUpperCase()}`] ?? '').trim(),
    mask(value) {
      const parts = [value, ...value.split(/\r?\n/)].map((v) => v.trim()).filter((v) => v !== '');
      for (const part of new Set(parts)) line(`::add-mask::${escapeData(part)}`);
    },
    log: line,
    group(title, lines) {
      line(`::group::${escapeData(title)}`);
      for (const l of lines) line(l);
      line('::endgroup::');
    },
    error: (message, title) => line(`::error${title ? ` title=${escapeProperty(title)}` : ''}::${escapeData(message)}`),
    warning: (message) => line(`::warning::${escapeData(message)}`),
    setOutput(name, value) {
      // The multi-line form works for every value; the delimiter is one the value cannot contain.
      const delimiter = `ghadelimiter_${randomUUID()}`;
      if (value.includes(delimiter)) throw new Error(`output ${name}: its value holds the delimiter ${delimiter}`);
      appendFileSync(fileOf('GITHUB_OUTPUT'), `${name}<<${delimiter}${EOL}${value}${EOL}${delimiter}${EOL}`, 'utf8');
    },
    appendSummary: (markdown) => appendFileSync(fileOf('GITHUB_STEP_SUMMARY'), markdown, 'utf8'),
  };
}
