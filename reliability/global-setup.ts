import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import type { Figures } from './src/report.js';

let dir: string;

export function setup(project: TestProject): void {
  mkdirSync(join(tmpdir(), 'creds-reliability'), { recursive: true });
  dir = mkdtempSync(join(tmpdir(), 'creds-reliability', 'results-'));
  project.provide('resultsDir', dir);
}

type Row = [string, string, string];

/** A titled markdown table of (what, value, target) rows, its columns padded to fit. */
function table(title: string, first: string, rows: Row[]): string[] {
  const all: Row[] = [[first, 'value', 'target'], ...rows];
  const width = [0, 1, 2].map((i) => Math.max(6, ...all.map((r) => r[i]!.length)));
  const line = (r: Row) => `| ${r[0].padEnd(width[0]!)} | ${r[1].padStart(width[1]!)} | ${r[2].padEnd(width[2]!)} |`;
  return ['', title, line(all[0]!), `|${width.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)];
}

/** After every file: one table of what the suite measured (each file wrote its figures). */
export function teardown(): void {
  const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
  const figures = Object.fromEntries(files.map((f) => [f.replace(/\.json$/, ''), JSON.parse(readFileSync(join(dir, f), 'utf8')) as Figures]));
  rmSync(dir, { recursive: true, force: true });
  const sum = (key: keyof Figures) => Object.values(figures).reduce((n, f) => n + (typeof f[key] === 'number' ? (f[key] as number) : 0), 0);
  const max = (key: keyof Figures) => Math.max(0, ...Object.values(figures).map((f) => (typeof f[key] === 'number' ? (f[key] as number) : 0)));
  const crash = Object.entries(figures).filter(([name]) => name.startsWith('crash-'));
  const rows: Row[] = [];
  for (const [name, f] of crash) {
    rows.push([`${name}: kill points tried / converged`, `${f.killPoints ?? 0} / ${f.converged ?? 0}`, 'all']);
    rows.push([`${name}: runs that finished before the kill`, String(f.completedBeforeKill ?? 0), '—']);
    rows.push([`${name}: rollbacks leaving nothing`, `${f.rollbacksClean ?? 0} / ${f.killPoints ?? 0}`, 'all']);
  }
  const repair = figures['repair-store-none'];
  if (repair) rows.push(['store none, run again with no journal: kill points / converged', `${repair.killPoints ?? 0} / ${repair.converged ?? 0}`, 'all']);
  rows.push(['orphaned keys after resume', String(sum('orphans')), '0']);
  rows.push(['max keys per user seen', String(max('maxKeys')), '≤ 2']);
  rows.push(['transient faults: runs (of which through the CLI)', `${sum('faultRuns')} (${sum('faultRunsCli')})`, '≥ 50']);
  rows.push(['transient faults: errors injected / retries made', `${sum('injectedErrors')} / ${sum('retries')}`, '—']);
  rows.push(['transient faults: resumes needed / duplicates', `${sum('resumesNeeded')} / ${sum('duplicates')}`, '— / 0']);
  rows.push(['bad input corpus: cases / as documented', `${sum('corpus')} / ${sum('corpusOk')}`, '≥ 60, all']);
  rows.push(['bad input corpus: write calls', String(sum('corpusWrites')), '0']);
  rows.push(['concurrency: same target exit 4 / different targets ok', `${sum('lockedExit4')} / ${sum('parallelOk')}`, '—']);
  rows.push(['file mode checks passed', String(sum('modeChecks')), '—']);
  rows.push(['secret scan: bytes / secret values', `${sum('scannedBytes')} / ${sum('scannedSecrets')}`, '—']);
  rows.push(['secret hits', String(sum('secretHits')), '0']);
  const out = table('creds reliability summary', 'measure', rows);
  const safety: Row[] = [
    ['preflight-before-write cases / with 0 writes', `${sum('preflightCases')} / ${sum('preflightZeroWrites')}`, 'all'],
    ['collisions refused / cases (writes made)', `${sum('collisionsRefused')} / ${sum('collisionCases')} (${sum('collisionWrites')})`, 'all (0)'],
    ['teardowns refused before any delete / deletes made', `${sum('teardownBlocked')} / ${sum('teardownBlockedDeletes')}`, '— / 0'],
    ['locks recovered / lock cases', `${sum('locksRecovered')} / ${sum('lockCases')}`, 'all'],
    ['undo after config edit: cases / exact', `${sum('undoAfterEditCases')} / ${sum('undoAfterEditExact')}`, 'all'],
    ['pre-existing secrets / kept by rollback', `${sum('preexistingSecrets')} / ${sum('preexistingKept')}`, 'all'],
    ['no-op run rolled back: deletes made', String(sum('noopRollbackDeletes')), '0'],
  ];
  out.push(...table('creds safety', 'case', safety));
  const rotation: Row[] = [
    ['workflows started during a rotation: calls / refused key', `${sum('watchCalls')} / ${sum('watchRefused')}`, '— / 0'],
    ['  mixed pair (started between the two secret writes) / window', `${sum('watchMixed')} / ${max('mixedWindowMs')} ms`, '—'],
    ['run in progress at the switch: calls / failed', `${sum('inProgressCalls')} / ${sum('inProgressFailed')}`, '— / 0'],
    ['  old key retired only after that run ended', sum('retiredAfterRun') > 0 ? 'yes' : 'no', 'yes'],
    ['drain timeouts: exit 1, old key kept / resumed to the end', `${sum('drainTimeoutCases')} / ${sum('drainTimeoutResumed')}`, 'all'],
  ];
  out.push(...table('creds rotation, watched from a workflow', 'case', rotation));
  for (const [name, f] of Object.entries(figures)) for (const note of f.notes ?? []) out.push(`note (${name}): ${note}`);
  console.log(out.join('\n'));
}
