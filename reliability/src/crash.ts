import { statSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { type CliResult, ndjson, pool, runCli, seeded, spawnCli } from './cli.js';
import { journalSize, readJournal, watchJournal } from './journal.js';
import { collectWorld } from './report.js';
import { CONFIG, createWorld, leftovers, type NormalizedState, normalizedState, orphanKeys, sampleKeys, setLatency, type World } from './world.js';

export type Workflow = 'setup' | 'rotate' | 'teardown';

export type Trigger =
  | { kind: 'entry'; type: 'step-started' | 'step-succeeded'; stepId: string; delayMs: number }
  | { kind: 'time'; ms: number };

export interface KillPoint {
  label: string;
  trigger: Trigger;
}

export interface PointResult {
  label: string;
  /** Whether the SIGKILL landed (the run may have finished first). */
  killed: boolean;
  /** How the run was continued: resumed, started again (killed before its journal), or nothing left. */
  mode: 'resume' | 'rerun' | 'finished';
  resumeExit: number | null;
  converged: boolean;
  orphans: string[];
  maxKeys: number;
  rollbackExits: Array<number | null>;
  leftovers: string[];
  modeChecks: number;
  /** What differed from the uninterrupted run, when it did. */
  diff?: string;
  stderr?: string;
}

export interface MatrixOptions {
  /** The key store of the world's config: json (the default) or none (GitHub holds the only copy). */
  store?: 'json' | 'none';
  latencyMs: number;
  randomKills: number;
  concurrency: number;
  seed: number;
}

/** Runs of `workflow` not yet rolled back after a kill and its resume: how many rollbacks clean up. */
/** Rollbacks that undo everything: the workflow's run and, for rotate and teardown, the setup before it. */
const ROLLBACKS: Record<Workflow, number> = { setup: 1, rotate: 2, teardown: 2 };

const ok = (r: CliResult) => r.code === 0;

async function cli(world: World, args: string[]): Promise<CliResult> {
  return runCli([...args, '--json'], { cwd: world.dir, env: world.env });
}

/** A world after an uninterrupted `creds run setup`, kept as a folder to copy for each kill point. */
export async function prepareTemplate(workflow: Workflow, store: MatrixOptions['store'] = 'json'): Promise<World> {
  const world = await createWorld({ config: { ...CONFIG, store: { type: store } } });
  if (workflow !== 'setup') {
    const r = await cli(world, ['run', 'setup', '--yes']);
    if (!ok(r)) throw new Error(`template setup failed (${r.code}):\n${r.stderr}`);
  }
  await world.close();
  return world;
}

function modes(world: World): number {
  let checks = 0;
  const mode = (path: string) => statSync(path).mode & 0o777;
  const creds = join(world.dir, '.creds');
  if (mode(creds) !== 0o700) throw new Error(`.creds/ is ${mode(creds).toString(8)}, not 700`);
  checks++;
  try {
    const keys = mode(join(creds, 'keys.json'));
    if (keys !== 0o600) throw new Error(`.creds/keys.json is ${keys.toString(8)}, not 600`);
    checks++;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  return checks;
}

/** The uninterrupted run with latency on: end state, duration, steps and each step's duration. */
export async function reference(workflow: Workflow, template: string, latencyMs: number) {
  const world = await createWorld({ template });
  try {
    setLatency(world, latencyMs);
    const offset = journalSize(world.journal);
    const run = await cli(world, ['run', workflow, '--yes']);
    if (!ok(run)) throw new Error(`reference ${workflow} failed (${run.code}):\n${run.stderr}`);
    const started = readJournal(world.journal, offset).find((e) => e.type === 'run-started');
    const steps = started?.steps ?? [];
    const durations = new Map<string, number>();
    for (const e of ndjson(run.stdout)) if (e.type === 'step-succeeded') durations.set(String(e['stepId']), Number(e['durationMs']));
    setLatency(world, 0);
    const state = normalizedState(world);
    const checks = modes(world);
    collectWorld(world);
    return { state, durationMs: run.ms, steps, durations, modeChecks: checks };
  } finally {
    await world.remove();
  }
}

/** Every step boundary (started, succeeded), a point halfway into each step, and random times. */
export function killPoints(steps: string[], durations: Map<string, number>, totalMs: number, options: MatrixOptions): KillPoint[] {
  const points: KillPoint[] = [];
  for (const stepId of steps) {
    const short = stepId.replace(/^github-(secret|delete-secret):repo:octo-org\/demo:/, 'secret:');
    points.push({ label: `after step-started ${short}`, trigger: { kind: 'entry', type: 'step-started', stepId, delayMs: 0 } });
    const half = Math.round((durations.get(stepId) ?? options.latencyMs) / 2);
    points.push({ label: `${half} ms into ${short}`, trigger: { kind: 'entry', type: 'step-started', stepId, delayMs: half } });
    points.push({ label: `after step-succeeded ${short}`, trigger: { kind: 'entry', type: 'step-succeeded', stepId, delayMs: 0 } });
  }
  const random = seeded(options.seed);
  for (let i = 0; i < options.randomKills; i++) {
    const ms = Math.round(totalMs * (0.05 + 0.9 * random()));
    points.push({ label: `random ${ms} ms`, trigger: { kind: 'time', ms } });
  }
  return points;
}

/**
 * Starts `creds run <workflow>` with latency on and SIGKILLs it at the trigger (a journal entry, or
 * a time); latency is off again when it returns. The keys per user are sampled throughout.
 */
export async function runAndKill(world: World, workflow: Workflow, trigger: Trigger, latencyMs: number) {
  setLatency(world, latencyMs);
  const offset = journalSize(world.journal);
  const child = spawnCli(['run', workflow, '--yes', '--json'], { cwd: world.dir, env: world.env });
  const kill = () => child.kill('SIGKILL');
  const timers: NodeJS.Timeout[] = [];
  const watcher =
    trigger.kind === 'entry'
      ? watchJournal(
          world.journal,
          offset,
          (e) => e.type === trigger.type && e.stepId === trigger.stepId,
          () => (trigger.delayMs > 0 ? timers.push(setTimeout(kill, trigger.delayMs)) : kill()),
        )
      : undefined;
  if (trigger.kind === 'time') timers.push(setTimeout(kill, trigger.ms));
  const first = await sampleKeys(world, () => child.result);
  watcher?.stop();
  for (const t of timers) clearTimeout(t);
  setLatency(world, 0);
  return { first, offset, killed: first.value.signal === 'SIGKILL' };
}

/** One kill point: run with latency, SIGKILL at the trigger, resume, compare, roll back. */
export async function runPoint(workflow: Workflow, template: string, expected: NormalizedState, point: KillPoint, latencyMs: number): Promise<PointResult> {
  const world = await createWorld({ template });
  try {
    const { first, offset, killed } = await runAndKill(world, workflow, point.trigger, latencyMs);

    const entries = readJournal(world.journal, offset);
    const hasRun = entries.some((e) => e.type === 'run-started');
    const finished = entries.some((e) => e.type === 'run-finished');
    const mode: PointResult['mode'] = !hasRun ? 'rerun' : finished ? 'finished' : 'resume';
    // 'finished': the kill came after run-finished was journaled; there is nothing to resume.
    let resumeExit: number | null = mode === 'finished' ? null : first.value.code;
    let stderr = first.value.stderr;
    let maxKeys = first.maxKeys;
    if (mode !== 'finished') {
      const args = mode === 'resume' ? ['run', workflow, '--resume', '--yes'] : ['run', workflow, '--yes'];
      const second = await sampleKeys(world, () => cli(world, args));
      resumeExit = second.value.code;
      stderr = second.value.stderr;
      maxKeys = Math.max(maxKeys, second.maxKeys);
    }
    const orphans = orphanKeys(world);
    const state = normalizedState(world);
    const same = isDeepStrictEqual(state, expected);
    const converged = (mode === 'finished' || resumeExit === 0) && same && orphans.length === 0 && state.problems.length === 0;
    const checks = mode === 'finished' || resumeExit === 0 ? modes(world) : 0;

    const rollbackExits: Array<number | null> = [];
    // One rollback per run, newest first. A run killed in its read-only preflight wrote nothing, and
    // its --resume started a fresh run: that killed run is one more, whose rollback undoes nothing.
    const runs = readJournal(world.journal, 0).filter((e) => e.type === 'run-started').length;
    for (let i = 0; i < Math.max(ROLLBACKS[workflow], runs); i++) {
      const r = await sampleKeys(world, () => cli(world, ['rollback', '--yes']));
      maxKeys = Math.max(maxKeys, r.maxKeys);
      rollbackExits.push(r.value.code);
      if (r.value.code !== 0) stderr += r.value.stderr;
    }
    const left = leftovers(world);
    collectWorld(world);
    return {
      label: point.label,
      killed,
      mode,
      resumeExit,
      converged,
      orphans,
      maxKeys,
      rollbackExits,
      leftovers: left,
      modeChecks: checks,
      ...(same ? {} : { diff: `expected ${JSON.stringify(expected)}\n     got ${JSON.stringify(state)}` }),
      ...(converged && rollbackExits.every((c) => c === 0) && left.length === 0 ? {} : { stderr: stderr.slice(-3000) }),
    };
  } finally {
    await world.remove();
  }
}

/** The whole matrix for one workflow. */
export async function crashMatrix(workflow: Workflow, options: MatrixOptions) {
  const template = await prepareTemplate(workflow, options.store);
  try {
    const ref = await reference(workflow, template.dir, options.latencyMs);
    const points = killPoints(ref.steps, ref.durations, ref.durationMs, options);
    const results = await pool(points, options.concurrency, (p) => runPoint(workflow, template.dir, ref.state, p, options.latencyMs));
    return { reference: ref, points, results };
  } finally {
    collectWorld(template);
    await template.remove();
  }
}
