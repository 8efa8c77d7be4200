import { type AwsClients, createAwsClients } from '@creds/aws-iam';
import { blockingRun, CredsError, createLogger, Lock, type RunRecord, rollbackOrder, rollbackTarget, ValidationError, wroteNothing } from '@creds/core';
import type { BlockedTarget, Creds, CredsOptions, LockedBy, RollbackPlan, RunRefusal, TargetResult, UnlockResult, WorkflowName } from './api.js';
import type { LoadedConfig } from './config/load.js';
import type { TargetConfig } from './config/schema.js';
import { runDoctor } from './doctor.js';
import { storeNames, type TargetEnv } from './env.js';
import { forEachTarget, outcome, runnerFor } from './fleet.js';
import { createGitHubAccess } from './github-auth.js';
import { summarizeRuns } from './history.js';
import { standingOutputs } from './prior-outputs.js';
import { recordedConfig, runConfig } from './recorded-config.js';
import { keyAge, parseDuration } from './durations.js';
import { planTarget, statusReader } from './status.js';
import { ensureStateDir, statePaths } from './state.js';
import { createStore } from './stores.js';
import type { CredsInternals, WorkflowRequest } from './internals.js';
import type { WorkflowRegistry } from './workflows/module.js';
import { workflowNames, workflowRegistry } from './workflows/registry.js';

/** The shared machinery behind Creds and SetupGitHubRepo: lazily built clients, store, env, workflows. */
export function createInternals(config: LoadedConfig, given: CredsOptions = {}, registry: WorkflowRegistry = workflowRegistry): CredsInternals {
  const options: CredsOptions = given.logger || !given.logLevel ? given : { ...given, logger: createLogger({ level: given.logLevel }) };
  const targets = selectTargets(config, options.targets);
  const once = <T>(make: () => Promise<T>) => {
    let value: Promise<T> | undefined;
    return () => (value ??= make());
  };
  const store = once(async () => options.store ?? createStore(config.store, config.dir));
  const githubAccess = createGitHubAccess(options.github, config.githubApp);
  const github = (target?: TargetConfig) => githubAccess.client(target);
  const awsByRegion = new Map<string, AwsClients>();
  const aws = (target: TargetConfig) => {
    let clients = awsByRegion.get(target.region);
    if (!clients) {
      clients = createAwsClients({
        region: target.region,
        ...(options.aws?.profile ? { profile: options.aws.profile } : {}),
        ...(options.aws?.credentials ? { credentials: options.aws.credentials } : {}),
        ...(options.aws?.endpoints ? { endpoints: options.aws.endpoints } : {}),
      });
      awsByRegion.set(target.region, clients);
    }
    return clients;
  };
  const env = async (target: TargetConfig, runs: readonly RunRecord[]): Promise<TargetEnv> => ({
    target,
    aws: aws(target),
    github: await github(target),
    store: await store(),
    priorOutput: standingOutputs(runs),
  });
  const module = async (name: string) => {
    const entry = Object.hasOwn(registry, name) ? registry[name] : undefined;
    if (!entry) {
      throw new CredsError(`unknown workflow "${name}"`, { code: 'INVALID_INPUT', hint: `use one of ${workflowNames(registry).join(', ')}` });
    }
    return entry.load();
  };
  const followersOf = (target: TargetConfig) => config.targets.filter((t) => t.keyOwner === target.name);
  const workflow = async ({ name, target, env: targetEnv, runs, run, followers, drainTimeoutMs, force }: WorkflowRequest) =>
    (await module(name)).build({
      target,
      followers: followers ?? followersOf(target),
      env: targetEnv,
      runs,
      ...(run ? { run } : {}),
      ...(options.verifyTimeoutMs ? { verifyTimeoutMs: options.verifyTimeoutMs } : {}),
      drainTimeoutMs: drainTimeoutMs ?? parseDuration(config.rotation.drainTimeout, 'rotation.drainTimeout'),
      ...(force ? { force } : {}),
    });
  /**
   * A run being rolled back, built as it was recorded: its undo names the user, key, policies and
   * secrets the run used, whatever the configuration says now (today's for an older journal).
   */
  const recordedWorkflow = async (target: TargetConfig, runs: readonly RunRecord[], run: RunRecord) => {
    const recorded = recordedConfig(run) ?? { target, followers: followersOf(target) };
    const targetEnv = await env(recorded.target, runs);
    const wf = await workflow({ name: run.workflow, target: recorded.target, followers: recorded.followers, env: targetEnv, runs, run });
    return { workflow: wf, env: targetEnv };
  };
  return { config, options, targets, store, aws, github, githubAuth: (target) => githubAccess.describe(target), env, module, workflow, followersOf, recordedWorkflow };
}

/** Builds the front-end for a loaded config. Nothing is read or written until a method is called. */
export function createCreds<Name extends string = WorkflowName>(
  config: LoadedConfig,
  given: CredsOptions & { workflows?: WorkflowRegistry<Name> } = {},
): Creds<Name> {
  const { workflows, ...rest } = given;
  const internals = createInternals(config, rest, workflows ?? workflowRegistry);
  const { targets, store, env, workflow, module, options, followersOf, recordedWorkflow } = internals;

  /** The run rollback undoes on a target, or why there is none of its own (the engine's rollbackTarget). */
  const rollbackSubject = async (
    target: TargetConfig,
    runs: readonly RunRecord[],
  ): Promise<{ run: RunRecord; skip?: never } | { run?: never; skip: { code: string; message: string } }> => {
    const run = rollbackTarget(runs);
    if (target.keyOwner && !(run && (await module(run.workflow)).runsForKeySharers)) return { skip: sharedKeySkip(target).error };
    if (!run) return { skip: { code: 'NOTHING_TO_ROLL_BACK', message: `target ${target.name} has no run to roll back` } };
    return { run };
  };

  /** What keeps a target from starting a new run (the engine's blockingRun, and a live lock). */
  const blockedTarget = (target: TargetConfig): BlockedTarget | undefined => {
    const journal = statePaths(config.dir).journal(target.name);
    const blocking = blockingRun(runnerFor(config, target.name, options).history());
    const lockedBy = lockHolder(new Lock(`${journal}.lock`));
    if (!blocking && !lockedBy) return undefined;
    return {
      target: target.name,
      ...(blocking ? { unfinished: { kind: blocking.kind, workflow: blocking.run.workflow, runId: blocking.run.runId } } : {}),
      ...(lockedBy ? { lockedBy } : {}),
    };
  };

  return {
    targets: targets.map((t) => t.name),

    async plan(name) {
      const plans = await forEachTarget(targets, options.targetConcurrency ?? 4, (target) => planTarget(internals, name, target));
      for (const plan of plans) {
        const hint = orgSecretHint(config.targets, plan.target);
        if (hint) plan.notes.push(hint);
      }
      return plans;
    },

    async run(name, runOptions = {}) {
      await ensureStateDir(config.dir);
      const minAge = runOptions.olderThan ? parseDuration(runOptions.olderThan, 'olderThan') : undefined;
      const drainTimeoutMs = runOptions.drainTimeout !== undefined ? parseDuration(runOptions.drainTimeout, 'drainTimeout') : undefined;
      return forEachTarget(targets, options.targetConcurrency ?? 4, (target) =>
        outcome(target.name, name, options, async () => {
          // A target sharing another's key has no key workflow of its own (its OIDC role is its own).
          if (target.keyOwner && !(await module(name)).runsForKeySharers) return sharedKeySkip(target);
          const runner = runnerFor<TargetEnv>(config, target.name, options);
          const runs = runner.history();
          const targetEnv = await env(target, runs);
          if (name === 'rotate' && !runOptions.resume && minAge !== undefined) {
            const age = await keyAge(targetEnv, storeNames(target).current);
            if (age !== undefined && age < minAge) {
              return { status: 'skipped', error: { code: 'KEY_NOT_OLD', message: `the key is younger than ${runOptions.olderThan}` } };
            }
          }
          // A last run that wrote nothing is not continued but started afresh (the engine's resume), from today's config.
          const last = runs.at(-1);
          const resumed = runOptions.resume && last && !wroteNothing(last) ? last : undefined;
          const wf = await workflow({
            name,
            target,
            env: targetEnv,
            runs,
            ...(resumed ? { run: resumed } : {}),
            ...(drainTimeoutMs !== undefined ? { drainTimeoutMs } : {}),
            ...(runOptions.force ? { force: true } : {}),
          });
          const recorded = { configHash: config.hash, config: runConfig(target, followersOf(target)) };
          const result = runOptions.resume ? await runner.resume(wf, targetEnv, recorded) : await runner.run(wf, targetEnv, recorded);
          return { runId: result.runId, applied: result.applied, skipped: result.skipped };
        }),
      );
    },

    async rollback() {
      await ensureStateDir(config.dir);
      return forEachTarget(targets, options.targetConcurrency ?? 4, (target) =>
        outcome(target.name, 'rollback', options, async () => {
          const runner = runnerFor<TargetEnv>(config, target.name, options);
          const runs = runner.history();
          const subject = await rollbackSubject(target, runs);
          if (!subject.run) {
            if (subject.skip.code === 'SHARED_KEY') return { status: 'skipped', error: subject.skip };
            throw new CredsError(subject.skip.message, { code: subject.skip.code });
          }
          const { workflow: wf, env: targetEnv } = await recordedWorkflow(target, runs, subject.run);
          const result = await runner.rollback(wf, targetEnv);
          return { runId: result.runId, undone: result.undone, unchanged: result.unchanged };
        }),
      );
    },

    planRollback: () =>
      forEachTarget(targets, options.targetConcurrency ?? 4, async (target): Promise<RollbackPlan> => {
        const runs = runnerFor<TargetEnv>(config, target.name, options).history();
        const subject = await rollbackSubject(target, runs);
        if (!subject.run) return { target: target.name, steps: [], skipped: subject.skip };
        const { run } = subject;
        const { workflow: wf } = await recordedWorkflow(target, runs, run);
        return {
          target: target.name,
          run: { runId: run.runId, workflow: run.workflow, startedAt: run.startedAt, status: run.status, continues: run.rollback !== undefined },
          steps: rollbackOrder(run, wf).map((stepId) => ({ stepId, title: wf.steps.get(stepId)!.title, state: run.steps.get(stepId)!.state })),
        };
      }),

    status: () => forEachTarget(targets, options.targetConcurrency ?? 4, statusReader(internals)),

    doctor: () => runDoctor(internals),

    history: () =>
      targets.map((target) => ({ target: target.name, runs: summarizeRuns(runnerFor(config, target.name, options).history()) })),

    blocked: () => targets.flatMap((target) => blockedTarget(target) ?? []),

    refusals(name, { resume = false } = {}) {
      return targets.flatMap((target): RunRefusal[] => {
        const blocked = blockedTarget(target);
        if (!blocked) return [];
        const { unfinished, lockedBy } = blocked;
        if (lockedBy) {
          const message = `locked by pid ${lockedBy.pid}${lockedBy.state === 'unknown' ? ` on host ${lockedBy.host}` : ''} since ${lockedBy.since} (${lockedBy.lockPath}): ${lockedBy.reason}`;
          const next: RunRefusal['next'] =
            lockedBy.state === 'alive'
              ? [{ action: 'wait' }, { action: 'unlock', force: false }]
              : [{ action: 'wait', takeOverInMs: lockedBy.takeOverInMs ?? 0 }, { action: 'unlock', force: true }];
          return [{ target: target.name, code: 'LOCKED', message, next }];
        }
        if (!unfinished) return [];
        if (unfinished.kind === 'rollback') {
          return [{ target: target.name, code: 'UNFINISHED_RUN', message: 'the last rollback did not finish', next: [{ action: 'rollback' }] }];
        }
        if (resume && unfinished.workflow !== name) {
          const message = `the unfinished run is a ${unfinished.workflow}, not a ${name}`;
          return [{ target: target.name, code: 'WORKFLOW_MISMATCH', message, next: [{ action: 'resume', workflow: unfinished.workflow }] }];
        }
        if (resume) return [];
        return [
          {
            target: target.name,
            code: 'UNFINISHED_RUN',
            message: `the last ${unfinished.workflow} (run ${unfinished.runId}) did not finish; a new run will not start over it`,
            next: [{ action: 'resume', workflow: unfinished.workflow }, { action: 'rollback' }],
          },
        ];
      });
    },

    unlock({ force = false } = {}) {
      return targets.map((target): UnlockResult => {
        const lockPath = `${statePaths(config.dir).journal(target.name)}.lock`;
        const found = new Lock(lockPath).breakLock({ force });
        if (found.state === 'free') return { target: target.name, lockPath, outcome: 'free' };
        return { target: target.name, lockPath, outcome: found.removed ? 'removed' : 'refused', holder: found.holder, holderState: found.state, reason: found.reason };
      });
    },

    async migrateStore(to) {
      refuseStorelessMigration(config.store.type, to.type);
      const { migrateKeys } = await import('@creds/store-migrate');
      const from = await store();
      const target = await createStore(to, config.dir);
      const names = (await from.list()).filter((n) => targets.some((t) => n === t.name || n === storeNames(t).next));
      const report = await migrateKeys({ from, to: target, names });
      return {
        from: from.describe(),
        to: target.describe(),
        entries: report.entries.map((e) => ({
          name: e.name,
          status: e.outcome === 'failed' ? 'failed' : e.outcome === 'moved' ? 'moved' : 'skipped',
          ...(e.error ? { error: `${e.error.code}: ${e.error.message}` } : {}),
        })),
      };
    },
  };
}

/**
 * When several repositories of one owner share a key, one organization secret with selected
 * repositories would need 3 writes instead of 3 per repository: say so on the owner's plan.
 */
function orgSecretHint(all: readonly TargetConfig[], name: string): string | undefined {
  const owner = all.find((t) => t.name === name);
  if (!owner || owner.keyOwner || owner.github.org || !owner.github.owner) return undefined;
  const group = [owner, ...all.filter((t) => t.keyOwner === name)].filter(
    (t) => !t.github.org && !t.github.environment && t.github.owner === owner.github.owner,
  );
  if (group.length < 2) return undefined;
  return (
    `${group.length} repositories of ${owner.github.owner} share IAM user ${owner.iam.userName}: one organization secret ` +
    `(github.org: ${owner.github.owner}, visibility: selected, repositories: [${group.map((t) => t.github.repo).join(', ')}]) ` +
    `needs 3 writes instead of ${3 * group.length}`
  );
}

/**
 * `store migrate` moves the secrets a store keeps. There are none in `none`; and moving into `none`
 * would delete the only copy outside GitHub while the keys stay in use.
 */
function refuseStorelessMigration(from: string, to: string): void {
  if (from === 'none') {
    throw new ValidationError('store.type', 'is "none": it keeps no secret, so there is nothing to move out of it', {
      hint: 'set store to the new type in the config, then run creds run rotate: the new key\'s secret goes into the new store',
    });
  }
  if (to === 'none') {
    throw new ValidationError('to.type', 'is "none": moving into it would delete the only copy of each key outside GitHub', {
      hint: 'set store: { type: "none" } in the config and run creds run rotate: the new key goes only to GitHub; then delete the old store\'s entries yourself',
    });
  }
}

/** A target that shares another's IAM user is handled by that target's runs. */
function sharedKeySkip(target: TargetConfig) {
  return {
    status: 'skipped' as const,
    error: {
      code: 'SHARED_KEY',
      message: `shares IAM user ${target.iam.userName} and its key with target ${target.keyOwner}; its secrets are written by ${target.keyOwner}'s runs`,
    },
  };
}

function selectTargets(config: LoadedConfig, names: string[] | undefined): TargetConfig[] {
  if (!names || names.length === 0) return config.targets;
  return names.map((name) => {
    const target = config.targets.find((t) => t.name === name);
    if (!target) {
      throw new CredsError(`no target named "${name}" in ${config.path}`, {
        code: 'INVALID_INPUT',
        hint: `targets: ${config.targets.map((t) => t.name).join(', ')}`,
      });
    }
    return target;
  });
}

export type { TargetResult, WorkflowName };

/** A lock's holder as `blocked()` reports it: undefined when the lock is free or would be taken over. */
function lockHolder(lock: Lock): LockedBy | undefined {
  const found = lock.inspect();
  if (found.state === 'free' || found.state === 'gone' || lock.holder() === undefined) return undefined;
  return {
    ...found.holder,
    lockPath: lock.path,
    state: found.state,
    reason: found.reason,
    ...(found.state === 'unknown' ? { takeOverInMs: Math.max(0, found.staleAfterMs - found.heartbeatAgeMs) } : {}),
  };
}
