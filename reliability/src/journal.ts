import { existsSync, readFileSync, statSync } from 'node:fs';

export interface JournalEntry {
  type: string;
  runId?: string;
  stepId?: string;
  workflow?: string;
  steps?: string[];
  status?: string;
}

/** The entries of a journal file from byte `offset` on (a torn last line is left out). */
export function readJournal(file: string, offset = 0): JournalEntry[] {
  if (!existsSync(file)) return [];
  const text = readFileSync(file).subarray(offset).toString('utf8');
  const out: JournalEntry[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      out.push(JSON.parse(line) as JournalEntry);
    } catch {
      // torn last line
    }
  }
  return out;
}

export const journalSize = (file: string) => (existsSync(file) ? statSync(file).size : 0);

/**
 * Polls the journal every millisecond or so from `offset` until an entry matches, then calls
 * `onMatch` once. No product hook: only the file the engine writes anyway. Bounded by `timeoutMs`.
 */
export function watchJournal(
  file: string,
  offset: number,
  match: (entry: JournalEntry) => boolean,
  onMatch: () => void,
  timeoutMs = 30_000,
): { stop(): void; matched(): boolean } {
  let done = false;
  let matched = false;
  let seen = offset;
  const deadline = Date.now() + timeoutMs;
  const tick = () => {
    if (done) return;
    if (Date.now() > deadline) {
      done = true;
      return;
    }
    try {
      const size = journalSize(file);
      if (size > seen) {
        const entries = readJournal(file, offset);
        seen = size;
        if (entries.some(match)) {
          done = true;
          matched = true;
          onMatch();
          return;
        }
      }
    } catch {
      // the file is being created
    }
    setTimeout(tick, 1);
  };
  tick();
  return {
    stop() {
      done = true;
    },
    matched: () => matched,
  };
}
