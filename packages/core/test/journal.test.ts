import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Journal, JournalError, parseJournal } from '../src/index.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'creds-journal-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const started = (runId: string) =>
  JSON.stringify({ v: 1, at: '2026-01-01T00:00:00Z', type: 'run-started', runId, workflow: 'w', steps: [], pid: 1 });

describe('Journal', () => {
  it('appends entries that read back in order, one line each', () => {
    const journal = new Journal(join(dir, 'j.jsonl'));
    journal.open();
    journal.append({ type: 'run-started', runId: 'r', workflow: 'w', steps: ['a'], pid: 1 });
    journal.append({ type: 'step-started', runId: 'r', stepId: 'a' });
    journal.close();
    const lines = readFileSync(journal.path, 'utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(journal.read().entries.map((e) => e.type)).toEqual(['run-started', 'step-started']);
  });

  it('drops a torn last line with a warning and cuts it off before appending', () => {
    const path = join(dir, 'j.jsonl');
    writeFileSync(path, `${started('r')}\n{"v":1,"at":"2026`);
    const journal = new Journal(path);
    const warnings: unknown[] = [];
    expect(journal.open((info) => warnings.push(info))).toHaveLength(1);
    expect(warnings).toEqual([{ lineNumber: 2, bytes: 17 }]);
    journal.append({ type: 'run-finished', runId: 'r', status: 'succeeded' });
    journal.close();
    expect(journal.read().entries.map((e) => e.type)).toEqual(['run-started', 'run-finished']);
  });

  it.each([
    ['invalid JSON in the middle', `${started('r')}\nnot json\n${started('s')}\n`, /line 2: not valid JSON/],
    ['an unknown entry type', `${JSON.stringify({ v: 1, at: 'x', runId: 'r', type: 'party' })}\n`, /line 1: not a journal entry/],
    ['a missing field', `${JSON.stringify({ v: 1, at: 'x', type: 'step-started', runId: 'r' })}\n`, /line 1: not a journal entry \(stepId/],
    ['a newer format version', `${JSON.stringify({ v: 2, at: 'x', type: 'run-finished', runId: 'r' })}\n`, /version 2 is not supported.*upgrade creds/],
  ])('refuses %s with a clear error', (_name, text, message) => {
    expect(() => parseJournal(text, 'j')).toThrow(JournalError);
    expect(() => parseJournal(text, 'j')).toThrow(message);
  });

  it('creates the journal file 0600', () => {
    const journal = new Journal(join(dir, 'sub', 'j.jsonl'));
    journal.open();
    journal.close();
    expect(statSync(journal.path).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'sub')).mode & 0o777).toBe(0o700);
  });
});
