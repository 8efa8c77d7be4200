import { closeSync, fsyncSync, ftruncateSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { JournalError } from './errors.js';
import { JOURNAL_VERSION, type JournalEntry, journalEntrySchema, type NewJournalEntry } from './journal-entry.js';

export interface JournalReadResult {
  entries: JournalEntry[];
  /** Set when the last line was torn (a crash mid-write) and was dropped. */
  tornLine?: { lineNumber: number; bytes: number };
  /** Byte length of the well-formed part of the file. */
  validBytes: number;
}

/** Parses a journal file's text. A torn last line is dropped; any other damage throws. */
export function parseJournal(text: string, path = 'journal'): JournalReadResult {
  const entries: JournalEntry[] = [];
  let offset = 0;
  let lineNumber = 0;
  while (offset < text.length) {
    lineNumber++;
    const newline = text.indexOf('\n', offset);
    const isLast = newline === -1;
    const line = isLast ? text.slice(offset) : text.slice(offset, newline);
    if (isLast) {
      // A line without its newline was being written when the process died; the engine had not
      // acted on it (it acts only after the fsync of the whole line), so dropping it is safe.
      return { entries, tornLine: { lineNumber, bytes: Buffer.byteLength(line) }, validBytes: byteOffset(text, offset) };
    }
    const parsed = parseLine(line);
    if (!parsed.ok) {
      throw new JournalError(`${path}, line ${lineNumber}: ${parsed.reason}`, {
        hint: 'the journal was edited or damaged; restore it from a backup, or move it aside to start afresh (creds then knows nothing of earlier runs)',
      });
    }
    entries.push(parsed.entry);
    offset = newline + 1;
  }
  return { entries, validBytes: byteOffset(text, offset) };
}

function byteOffset(text: string, charOffset: number): number {
  return Buffer.byteLength(text.slice(0, charOffset));
}

function parseLine(line: string): { ok: true; entry: JournalEntry } | { ok: false; reason: string } {
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch {
    return { ok: false, reason: 'not valid JSON' };
  }
  if (typeof raw === 'object' && raw !== null && 'v' in raw && raw.v !== JOURNAL_VERSION) {
    return { ok: false, reason: `entry version ${String(raw.v)} is not supported (this creds reads version ${JOURNAL_VERSION}); upgrade creds` };
  }
  const result = journalEntrySchema.safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0];
    return { ok: false, reason: `not a journal entry (${issue?.path.join('.') || 'entry'}: ${issue?.message})` };
  }
  return { ok: true, entry: result.data };
}

/**
 * An append-only JSON Lines file. Each entry is written with one write() and fsync'd before
 * `append` returns, so the engine never acts on something the journal might not hold.
 */
export class Journal {
  readonly path: string;
  #fd: number | undefined;

  constructor(path: string) {
    this.path = path;
  }

  /** Reads every entry. Missing file: no entries. */
  read(): JournalReadResult {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { entries: [], validBytes: 0 };
      throw new JournalError(`cannot read journal ${this.path}: ${(error as Error).message}`, { cause: error });
    }
    return parseJournal(text, this.path);
  }

  /**
   * Opens for appending. A torn last line is cut off first (reported to `onTornLine`), so new
   * entries start on a line of their own.
   */
  open(onTornLine?: (info: { lineNumber: number; bytes: number }) => void): JournalEntry[] {
    const { entries, tornLine, validBytes } = this.read();
    mkdirSync(dirname(this.path), { recursive: true, mode: 0o700 });
    const fd = openSync(this.path, 'a', 0o600);
    if (tornLine) {
      ftruncateSync(fd, validBytes);
      fsyncSync(fd);
      onTornLine?.(tornLine);
    }
    this.#fd = fd;
    return entries;
  }

  append(entry: NewJournalEntry): JournalEntry {
    if (this.#fd === undefined) throw new JournalError(`journal ${this.path} is not open`);
    const full = { v: JOURNAL_VERSION, at: new Date().toISOString(), ...entry } as JournalEntry;
    const line = `${JSON.stringify(full)}\n`;
    writeSync(this.#fd, line);
    fsyncSync(this.#fd);
    return full;
  }

  close(): void {
    if (this.#fd !== undefined) {
      closeSync(this.#fd);
      this.#fd = undefined;
    }
  }
}
