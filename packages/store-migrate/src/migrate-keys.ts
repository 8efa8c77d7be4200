import { CredsError, errorCode, errorMessage, type KeyStore, type StoredKey } from '@creds/core';

/** What happened to one entry. */
export type MigrationOutcome =
  /** copied, verified in the target, removed from the source */
  | 'moved'
  /** the target already held the same key; removed from the source */
  | 'already-in-target'
  /** the target holds a different key under this name; both left alone */
  | 'conflict'
  /** named in `names` but not in the source */
  | 'missing'
  /** an error; the source still holds the key (the target may hold a copy too) */
  | 'failed'
  /** not tried because an earlier entry failed */
  | 'not-attempted';

export interface MigrationEntryReport {
  name: string;
  outcome: MigrationOutcome;
  /** For `failed`: the error's code and message (never a secret: stores keep them out of errors). */
  error?: { code: string; message: string };
}

export interface MigrationReport {
  from: string;
  to: string;
  entries: MigrationEntryReport[];
  /** True when every entry was moved, already in the target, or missing. */
  ok: boolean;
}

export interface MigrateKeysOptions {
  from: KeyStore;
  to: KeyStore;
  /** Entries to move. Default: every entry the source lists. */
  names?: string[];
  /** Called after each entry. */
  onProgress?: (entry: MigrationEntryReport, done: number, total: number) => void;
  /** Keep going after a failed entry. Default false: stop, and report the rest as not attempted. */
  continueOnError?: boolean;
}

const sameKey = (a: StoredKey, b: StoredKey): boolean =>
  a.accessKeyId === b.accessKeyId && a.secretAccessKey.equals(b.secretAccessKey);

/**
 * Moves keys from one store to another, one entry at a time: copy, read back from the target and
 * compare (same id, same secret), and only then delete from the source. Stopped at any instant,
 * an entry is in the source, or in both — never in neither. Run it again to finish: entries the
 * target already holds are recognised and only removed from the source.
 */
export async function migrateKeys(options: MigrateKeysOptions): Promise<MigrationReport> {
  const { from, to } = options;
  const names = options.names ?? (await from.list());
  const entries: MigrationEntryReport[] = [];
  let stopped = false;
  for (const name of names) {
    let report: MigrationEntryReport;
    if (stopped) report = { name, outcome: 'not-attempted' };
    else {
      try {
        report = { name, outcome: await moveOne(from, to, name) };
      } catch (error) {
        report = { name, outcome: 'failed', error: { code: errorCode(error), message: errorMessage(error) } };
        if (!options.continueOnError) stopped = true;
      }
    }
    entries.push(report);
    options.onProgress?.(report, entries.length, names.length);
  }
  const ok = entries.every((e) => e.outcome === 'moved' || e.outcome === 'already-in-target' || e.outcome === 'missing');
  return { from: from.describe(), to: to.describe(), entries, ok };
}

async function moveOne(from: KeyStore, to: KeyStore, name: string): Promise<MigrationOutcome> {
  const key = await from.get(name);
  if (key === undefined) return 'missing';
  const existing = await to.get(name);
  if (existing !== undefined && !sameKey(existing, key)) return 'conflict';
  if (existing === undefined) {
    await to.put(name, key);
    const copy = await to.get(name);
    if (copy === undefined || !sameKey(copy, key)) {
      throw new CredsError(`the copy of ${name} in ${to.describe()} does not read back as written`, {
        code: 'MIGRATE_VERIFY_FAILED',
        hint: `the key is still in ${from.describe()}; check the target store and run the migration again`,
      });
    }
  }
  await from.delete(name);
  return existing === undefined ? 'moved' : 'already-in-target';
}
