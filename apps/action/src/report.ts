/** One target's line of the job summary and of the `summary-json` output. */
export interface Row {
  target: string;
  /** `planned`: a dry run found the key due (nothing was written). */
  status: 'rotated' | 'skipped' | 'failed' | 'planned';
  /**
   * In ms: the oldest Active key before the run (the one a rotation replaces), and after it the new
   * key of a rotated target, else the oldest Active key (what a skipped or failed rotation left in place).
   */
  keyAgeBeforeMs?: number;
  keyAgeAfterMs?: number;
  /** How long the rotation waited for workflow runs that started before the switch. */
  drainWaitMs?: number;
  /** It continued an unfinished rotation that this folder's journal recorded. */
  resumed?: boolean;
  /** Why it failed, or why it was skipped. */
  error?: { code: string; message: string };
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** A key's age at the coarsest unit that fits: `100 d`, `5 h`, `12 min`, `< 1 min`. */
export function formatAge(ms: number | undefined): string {
  if (ms === undefined) return '—';
  if (ms >= DAY) return `${Math.floor(ms / DAY)} d`;
  if (ms >= HOUR) return `${Math.floor(ms / HOUR)} h`;
  if (ms >= MINUTE) return `${Math.floor(ms / MINUTE)} min`;
  return '< 1 min';
}

/** A wait: whole seconds, or minutes from two minutes on. */
export function formatWait(ms: number | undefined): string {
  if (ms === undefined) return '—';
  return ms >= 2 * MINUTE ? `${Math.round(ms / MINUTE)} min` : `${Math.round(ms / 1000)} s`;
}

/** Text safe inside a Markdown table cell: no pipe, no line break, no HTML. */
const cell = (text: string) => text.replace(/[|\\]/g, (c) => `\\${c}`).replace(/</g, '&lt;').replace(/\r?\n/g, ' ');

const RESULT: Record<Row['status'], string> = { rotated: 'rotated', skipped: 'skipped', failed: 'failed', planned: 'would rotate' };

/** The job summary: a heading, one table row per target, and the counts. */
export function summaryMarkdown(rows: readonly Row[], options: { dryRun: boolean; configPath: string }): string {
  const heading = options.dryRun ? '## creds rotate: plan (dry run, nothing written)' : '## creds rotate';
  const lines = [
    heading,
    '',
    '| Target | Result | Key age before | Key age after | Drain wait | Error |',
    '| --- | --- | --- | --- | --- | --- |',
    ...rows.map((r) => {
      const cells = [
        cell(r.target),
        `${RESULT[r.status]}${r.resumed ? ' (resumed)' : ''}`,
        formatAge(r.keyAgeBeforeMs),
        formatAge(r.keyAgeAfterMs),
        formatWait(r.drainWaitMs),
        r.error ? cell(`${r.error.code}: ${r.error.message}`) : '',
      ];
      return `| ${cells.join(' | ')} |`;
    }),
    '',
    `${counts(rows, options.dryRun)} (config ${cell(options.configPath)})`,
    '',
  ];
  return `${lines.join('\n')}\n`;
}

function counts(rows: readonly Row[], dryRun: boolean): string {
  const n = (status: Row['status']) => rows.filter((r) => r.status === status).length;
  const done = dryRun ? `${n('planned')} would rotate` : `${n('rotated')} rotated`;
  return `${done}, ${n('skipped')} skipped, ${n('failed')} failed.`;
}

/** The step's outputs: target names per result, and every row as JSON (ages and waits in seconds). */
export function outputs(rows: readonly Row[]): Record<string, string> {
  const names = (status: Row['status']) => JSON.stringify(rows.filter((r) => r.status === status).map((r) => r.target));
  const seconds = (ms: number | undefined) => (ms === undefined ? null : Math.round(ms / 1000));
  const json = rows.map((r) => ({
    target: r.target,
    status: r.status,
    keyAgeBeforeSeconds: seconds(r.keyAgeBeforeMs),
    keyAgeAfterSeconds: seconds(r.keyAgeAfterMs),
    drainWaitSeconds: seconds(r.drainWaitMs),
    resumed: r.resumed ?? false,
    error: r.error ?? null,
  }));
  return { rotated: names('rotated'), skipped: names('skipped'), failed: names('failed'), planned: names('planned'), 'summary-json': JSON.stringify(json) };
}
