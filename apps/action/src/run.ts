import {
  type Creds,
  type CredsEvent,
  type CredsOptions,
  createCreds,
  findConfig,
  type LoadedConfig,
  loadConfig,
  parseDuration,
  ROTATE_STEPS,
  type TargetResult,
} from '@creds/creds';
import { type ActionInputs, INPUT, InputError, maskSecrets, readInputs } from './inputs.js';
import { outputs, type Row, summaryMarkdown } from './report.js';
import type { Runner } from './runner.js';

/** Store backends left out of the bundle: they need a desktop keyring or the `op` CLI, which a runner has not. */
const NOT_IN_ACTION = new Set(['keychain', '1password']);

/**
 * The action: masks the secret inputs, checks every input and the config before anything is read
 * from AWS or GitHub, rotates each target (continuing a rotation this folder's journal left
 * unfinished), then writes the job summary and the outputs. Returns the exit code: 1 when a
 * target failed, once every other target has finished.
 */
export async function runAction(runner: Runner, options: { cwd: string; signal?: AbortSignal }): Promise<number> {
  maskSecrets(runner);
  let inputs: ActionInputs;
  let config: LoadedConfig;
  try {
    inputs = readInputs(runner);
    config = await loadConfig({ cwd: options.cwd, configPath: inputs.config ?? (await defaultConfig(options.cwd)) });
    checkConfig(config, inputs);
  } catch (error) {
    for (const line of errorLines(error)) runner.error(line, 'creds');
    return 1;
  }
  const selected = inputs.targets ?? config.targets.map((t) => t.name);
  runner.log(`creds rotate${inputs.dryRun ? ' (dry run: a plan only, nothing is written)' : ''}: ${selected.length} target(s) of ${config.path}`);

  const base: CredsOptions = {
    ...(inputs.githubToken ? { github: { token: inputs.githubToken } } : {}),
    ...(inputs.app ? { github: { app: inputs.app } } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  };
  const fleet = (targets: string[], onEvent?: (event: CredsEvent) => void) =>
    createCreds(config, { ...base, targets, ...(onEvent ? { onEvent } : {}) });

  const all = fleet(selected);
  const before = await keyAges(all);
  const rows = inputs.dryRun ? await plan(all, inputs, before) : await rotate(runner, fleet, selected, inputs, before, config);

  runner.appendSummary(summaryMarkdown(rows, { dryRun: inputs.dryRun, configPath: config.path }));
  for (const [name, value] of Object.entries(outputs(rows))) runner.setOutput(name, value);
  const failed = rows.filter((r) => r.status === 'failed');
  for (const row of failed) runner.error(`${row.target}: ${row.error?.code}: ${row.error?.message}`, `creds rotate: ${row.target} failed`);
  runner.log(`${rows.length - failed.length} of ${rows.length} target(s) without failure`);
  return failed.length > 0 ? 1 : 0;
}

type Fleet = (targets: string[], onEvent?: (event: CredsEvent) => void) => Creds;

async function rotate(runner: Runner, fleet: Fleet, selected: string[], inputs: ActionInputs, before: Ages, config: LoadedConfig): Promise<Row[]> {
  const progress = targetLog(runner);
  // A rotation this folder's journal left unfinished (a self-hosted runner's disk) is continued;
  // without a journal the library repairs a half-finished rotation from AWS and GitHub alone.
  const resumable = new Set(
    fleet(selected)
      .refusals('rotate')
      .filter((r) => r.code === 'UNFINISHED_RUN' && r.next.some((n) => n.action === 'resume' && n.workflow === 'rotate'))
      .map((r) => r.target),
  );
  const fresh = selected.filter((t) => !resumable.has(t));
  const drainTimeout = inputs.drainTimeout ? { drainTimeout: inputs.drainTimeout } : {};
  const results: TargetResult[] = [];
  if (fresh.length > 0) results.push(...(await fleet(fresh, progress.onEvent).run('rotate', { ...drainTimeout, ...(inputs.olderThan ? { olderThan: inputs.olderThan } : {}) })));
  if (resumable.size > 0) results.push(...(await fleet([...resumable], progress.onEvent).run('rotate', { ...drainTimeout, resume: true })));

  const after = await keyAges(fleet(selected));
  const byTarget = new Map(results.map((r) => [r.target, r]));
  return config.targets
    .filter((t) => selected.includes(t.name))
    .map((t): Row => {
      const result = byTarget.get(t.name)!;
      const status = result.status === 'succeeded' ? 'rotated' : result.status === 'skipped' ? 'skipped' : 'failed';
      return {
        target: t.name,
        status,
        // After: the new key of a rotated target; otherwise the oldest Active one, which stays in place.
        ...ageFields(before.get(t.name)?.oldest, status === 'rotated' ? after.get(t.name)?.newest : after.get(t.name)?.oldest),
        ...(progress.drainMs(t.name) !== undefined ? { drainWaitMs: progress.drainMs(t.name)! } : {}),
        ...(resumable.has(t.name) ? { resumed: true } : {}),
        ...(result.error ? { error: { code: result.error.code, message: result.error.message } } : {}),
      };
    });
}

/** A dry run: the library's plan, and the keys `older-than` would leave alone. Reads only. */
async function plan(creds: Creds, inputs: ActionInputs, before: Ages): Promise<Row[]> {
  const minAge = inputs.olderThan ? parseDuration(inputs.olderThan, INPUT.olderThan) : undefined;
  return (await creds.plan('rotate')).map((p): Row => {
    const age = before.get(p.target)?.oldest;
    const ages = ageFields(age, age);
    const error = p.errors[0];
    if (error) return { target: p.target, status: 'failed', ...ages, error: { code: error.code, message: error.message } };
    if (minAge !== undefined && age !== undefined && age < minAge) {
      return { target: p.target, status: 'skipped', ...ages, error: { code: 'KEY_NOT_OLD', message: `the key is younger than ${inputs.olderThan}` } };
    }
    return { target: p.target, status: 'planned', ...ages };
  });
}

const ageFields = (before: number | undefined, after: number | undefined) => ({
  ...(before !== undefined ? { keyAgeBeforeMs: before } : {}),
  ...(after !== undefined ? { keyAgeAfterMs: after } : {}),
});

type Ages = Map<string, { oldest?: number; newest?: number }>;

/** Each target's oldest and newest Active key, by age (IAM's CreateDate); empty where status could not read it. */
async function keyAges(creds: Creds): Promise<Ages> {
  const ages: Ages = new Map();
  let statuses: Awaited<ReturnType<Creds['status']>>;
  try {
    statuses = await creds.status();
  } catch {
    return ages;
  }
  const now = Date.now();
  for (const status of statuses) {
    const created = status.keys.filter((k) => k.status === 'Active').map((k) => Date.parse(k.createdAt));
    if (created.length > 0) ages.set(status.target, { oldest: now - Math.min(...created), newest: now - Math.max(...created) });
  }
  return ages;
}

/**
 * The log of each target, kept until it finishes and then printed as one group: targets run
 * side by side, and the runner's groups cannot interleave. Also times each target's drain.
 */
function targetLog(runner: Runner) {
  const lines = new Map<string, string[]>();
  // The drain's time counts once it reported runs to wait for (progress with elapsedMs); else nothing was waited for.
  const drain = new Map<string, { started: number; waited: boolean; ms?: number }>();
  const add = (target: string, line: string) => {
    const list = lines.get(target) ?? [];
    list.push(line);
    lines.set(target, list);
  };
  const onEvent = (e: CredsEvent) => {
    const isDrain = 'stepId' in e && e.stepId === ROTATE_STEPS.drain;
    switch (e.type) {
      case 'target-started':
        runner.log(`${e.target}: ${e.workflow} started`);
        return;
      case 'target-finished':
        runner.group(`${e.target}: ${e.status} (${Math.round(e.durationMs / 100) / 10} s)`, lines.get(e.target) ?? []);
        lines.delete(e.target);
        return;
      case 'run-started':
        return add(e.target, `${e.mode === 'resume' ? 'resuming' : 'starting'} ${e.workflow} run ${e.runId} (${e.steps} steps)`);
      case 'step-started':
        if (isDrain) drain.set(e.target, { started: Date.now(), waited: false });
        return add(e.target, `→ ${e.title}`);
      case 'step-progress': {
        const timing = drain.get(e.target);
        if (isDrain && timing && typeof e.data?.['elapsedMs'] === 'number') timing.waited = true;
        return add(e.target, `  ${e.message}`);
      }
      case 'step-retry':
        return add(e.target, `  retry ${e.attempt} in ${Math.round(e.delayMs)} ms: ${e.code}: ${e.message}`);
      case 'step-skipped':
        return add(e.target, `- ${e.title}: ${e.reason}`);
      case 'step-succeeded':
        if (isDrain) {
          const timing = drain.get(e.target);
          if (timing) timing.ms = timing.waited ? e.durationMs : 0;
        }
        return add(e.target, `✓ ${e.title} (${e.durationMs} ms)`);
      case 'step-failed': {
        const timing = drain.get(e.target);
        if (isDrain && timing) timing.ms = timing.waited ? Date.now() - timing.started : 0;
        return add(e.target, `✗ ${e.title}: ${e.code}: ${e.message}`);
      }
      case 'undo-started':
        return add(e.target, `↶ undo: ${e.title}`);
      case 'undo-failed':
        return add(e.target, `✗ undo failed: ${e.title}: ${e.code}: ${e.message}`);
      case 'run-finished':
        return add(e.target, `${e.workflow} run ${e.status}`);
      case 'warning':
        return add(e.target, `warning: ${e.message}`);
      default:
        return;
    }
  };
  return { onEvent, drainMs: (target: string) => drain.get(target)?.ms };
}

/** What the action cannot do with this config, before anything is read from AWS or GitHub. */
function checkConfig(config: LoadedConfig, inputs: ActionInputs): void {
  if (NOT_IN_ACTION.has(config.store.type)) {
    throw new Error(
      `${config.path}: store type ${config.store.type} is not available in the action (it needs a desktop keyring or the op CLI, which a runner does not have); ` +
        'use store type none (the secret lives only in GitHub), or json on a self-hosted runner that keeps its disk',
    );
  }
  const known = config.targets.map((t) => t.name);
  const unknown = (inputs.targets ?? []).filter((t) => !known.includes(t));
  if (unknown.length > 0) {
    throw new InputError(INPUT.targets, `no target named ${unknown.map((t) => `"${t}"`).join(', ')} in ${config.path} (its targets: ${known.join(', ')})`);
  }
}

/** The config file in the workspace (the job's folder), or an error that names the config input. */
async function defaultConfig(cwd: string): Promise<string> {
  try {
    return await findConfig(cwd);
  } catch (error) {
    throw new InputError(INPUT.config, `not given, and ${(error as Error).message}: check out the repository first, or give the config file's path`);
  }
}

/** An error as lines for `::error::`: each validation problem on its own line, and the hint. */
function errorLines(error: unknown): string[] {
  const { message, hint } = error as { message?: string; hint?: string };
  return [...String(message ?? error).split('\n'), ...(hint ? [hint] : [])];
}
