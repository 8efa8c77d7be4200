import { z } from 'zod';

/** Journal format version; an entry with another version is refused, never guessed at. */
export const JOURNAL_VERSION = 1;

const base = { v: z.literal(JOURNAL_VERSION), at: z.string(), runId: z.string().min(1) };
const stepBase = { ...base, stepId: z.string().min(1) };
const failure = { code: z.string(), message: z.string() };

export const journalEntrySchema = z.discriminatedUnion('type', [
  z.object({
    ...base,
    type: z.literal('run-started'),
    workflow: z.string(),
    configHash: z.string().optional(),
    /** What the run was built from (JSON, no secret): rollback and resume use it, not today's configuration. */
    config: z.unknown().optional(),
    steps: z.array(z.string()),
    pid: z.number().int(),
  }),
  z.object({ ...base, type: z.literal('run-resumed'), configHash: z.string().optional(), pid: z.number().int() }),
  /** `readOnly`: the step changes nothing outside the journal (Step.readOnly); absent for a step that may write. */
  z.object({ ...stepBase, type: z.literal('step-started'), readOnly: z.literal(true).optional() }),
  /** What a step found before its first change in this run (see StepContext.record). */
  z.object({ ...stepBase, type: z.literal('step-noted'), note: z.unknown() }),
  z.object({ ...stepBase, type: z.literal('step-succeeded'), output: z.unknown() }),
  z.object({ ...stepBase, type: z.literal('step-failed'), ...failure }),
  z.object({ ...base, type: z.literal('run-finished'), status: z.enum(['succeeded', 'failed']) }),
  z.object({ ...base, type: z.literal('rollback-started'), pid: z.number().int() }),
  z.object({ ...stepBase, type: z.literal('undo-started') }),
  z.object({ ...stepBase, type: z.literal('undo-succeeded'), output: z.unknown().optional() }),
  z.object({ ...stepBase, type: z.literal('undo-failed'), ...failure }),
  z.object({ ...base, type: z.literal('rollback-finished'), status: z.enum(['succeeded', 'failed']) }),
]);

export type JournalEntry = z.infer<typeof journalEntrySchema>;
export type JournalEntryType = JournalEntry['type'];

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
/** An entry as the runner writes it; the journal adds `v` and `at`. */
export type NewJournalEntry = DistributiveOmit<JournalEntry, 'v' | 'at'>;
