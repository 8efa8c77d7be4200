import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { inject } from 'vitest';
import { transcript } from './cli.js';
import type { World } from './world.js';

declare module 'vitest' {
  export interface ProvidedContext {
    resultsDir: string;
  }
}

/** Figures one test file reports; the global teardown adds them up into the summary table. */
export interface Figures {
  killPoints?: number;
  converged?: number;
  completedBeforeKill?: number;
  orphans?: number;
  maxKeys?: number;
  rollbacksClean?: number;
  faultRuns?: number;
  faultRunsCli?: number;
  retries?: number;
  injectedErrors?: number;
  resumesNeeded?: number;
  duplicates?: number;
  corpus?: number;
  corpusOk?: number;
  corpusWrites?: number;
  scannedBytes?: number;
  scannedSecrets?: number;
  secretHits?: number;
  lockedExit4?: number;
  parallelOk?: number;
  modeChecks?: number;
  preflightCases?: number;
  preflightZeroWrites?: number;
  collisionCases?: number;
  collisionsRefused?: number;
  collisionWrites?: number;
  teardownBlocked?: number;
  teardownBlockedDeletes?: number;
  lockCases?: number;
  locksRecovered?: number;
  /** A rotation watched by a separate process taking workflow runs (test/rotation-watch.test.ts). */
  watchCalls?: number;
  watchRefused?: number;
  watchMixed?: number;
  mixedWindowMs?: number;
  inProgressCalls?: number;
  inProgressFailed?: number;
  retiredAfterRun?: number;
  drainTimeoutCases?: number;
  drainTimeoutResumed?: number;
  undoAfterEditCases?: number;
  undoAfterEditExact?: number;
  preexistingSecrets?: number;
  preexistingKept?: number;
  noopRollbackDeletes?: number;
  notes?: string[];
}

export function writeFigures(name: string, figures: Figures): void {
  writeFileSync(join(inject('resultsDir'), `${name}.json`), JSON.stringify(figures));
}

/** Bytes the CLI wrote besides stdout/stderr: journals, locks, logs under .creds/ (not the key file). */
const written: string[] = [];
/** Every secret value the sandboxes of this file issued or were given. */
const secrets = new Set<string>();

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    return e.isDirectory() ? filesUnder(path) : [path];
  });
}

/** Keeps every file the CLI wrote under `<dir>/.creds/` (journals, locks, logs), not the key file. */
export function collectDir(dir: string): void {
  const creds = join(dir, '.creds');
  for (const file of filesUnder(creds)) {
    const rel = relative(creds, file);
    // The key file is the store: it holds secrets by design (its mode is checked elsewhere).
    if (rel === 'keys.json' || rel.startsWith('keys.json.')) continue;
    if (statSync(file).size > 0) written.push(readFileSync(file, 'utf8'));
  }
}

/** Call before a world goes: keeps what the CLI wrote there and what the sandbox issued. */
export function collectWorld(world: World): void {
  collectDir(world.dir);
  for (const s of world.iam.issuedSecrets()) secrets.add(s);
  secrets.add(world.iam.admin.secretAccessKey);
  secrets.add(world.token);
}

/** Adds text the library (not the CLI) produced in this process: events, errors, results. */
export function collectText(text: string): void {
  written.push(text);
}

export function addSecrets(values: Iterable<string>): void {
  for (const v of values) secrets.add(v);
}

/** Scans every byte collected in this file for every secret value: the hits (should be none). */
export function scanSecrets(): { bytes: number; secrets: number; hits: string[] } {
  const all = [...transcript, ...written];
  const bytes = all.reduce((n, s) => n + Buffer.byteLength(s), 0);
  const hits: string[] = [];
  for (const s of secrets) {
    if (s.length < 8) continue;
    if (all.some((text) => text.includes(s))) hits.push(`${s.slice(0, 4)}…`);
  }
  return { bytes, secrets: secrets.size, hits };
}
