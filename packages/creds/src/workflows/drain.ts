import { setTimeout as sleep } from 'node:timers/promises';
import { getAccessKeyLastUsed } from '@creds/aws-iam';
import { CredsError, type Step, type StepContext } from '@creds/core';
import { getRun, listLiveRuns, listOrgRepositories, listRunsFinishedSince, type WorkflowRunInfo } from '@creds/github-secrets';
import type { TargetConfig } from '../config/schema.js';
import type { GitHubEnv } from '@creds/github-secrets';
import type { AwsEnv } from '@creds/aws-iam';

/** `rotation.drainTimeout` when the config does not say: long enough for most deploys and test suites. */
export const DEFAULT_DRAIN_TIMEOUT_MS = 30 * 60_000;

/** First and longest gap between two looks at the runs (GitHub time). */
const POLL_FIRST_MS = 2_000;
const POLL_MAX_MS = 15_000;
/** GitHub and IAM give times to the second: a use counts as later only past this margin. */
export const LAST_USED_MARGIN_MS = 2_000;

type Env = AwsEnv & GitHubEnv;

export interface DrainStepOptions {
  id: string;
  /** Steps that write the new key's secrets: their GitHub updated_at is the moment of the switch. */
  switchSteps: readonly string[];
  /** Real wait bound in GitHub ms (scaled by the client's time scale); 0 turns the drain off. */
  timeoutMs: number;
}

export interface DrainedRun {
  id: number;
  repository: string;
  name: string;
  runNumber: number;
  /** When it finished (GitHub's updated_at once completed). */
  finishedAt?: string;
}

export interface DrainOutput {
  /** GitHub's updated_at of the last secret written with the new key. */
  switchedAt: string;
  /** Repositories whose runs were waited for. */
  repositories: string[];
  drained: DrainedRun[];
  /** The latest of the switch and the drained runs' ends: after it nothing of the repositories holds the old key. */
  quietSince: string;
  waitedMs: number;
  off?: boolean;
}

const seconds = (ms: number) => (ms >= 120_000 ? `${Math.round(ms / 60_000)} min` : `${Math.round(ms / 1000)} s`);
const runLabel = (r: WorkflowRunInfo | DrainedRun) => `${r.repository} "${r.name}" #${r.runNumber}`;

/** The repositories whose workflows read the target's secrets: its own, or those an org secret reaches. */
async function repositoriesOf(ctx: StepContext<Env>, targets: readonly TargetConfig[]): Promise<string[]> {
  const out = new Set<string>();
  for (const t of targets) {
    const gh = t.github;
    if (!gh.org) {
      out.add(`${gh.owner}/${gh.repo}`);
      continue;
    }
    const visibility = gh.visibility ?? 'private';
    if (visibility === 'selected') {
      for (const r of gh.repositories ?? []) out.add(r.includes('/') ? r : `${gh.org}/${r}`);
      continue;
    }
    const repos = await listOrgRepositories(ctx.env.github, gh.org, { signal: ctx.signal });
    for (const r of repos) if (visibility === 'all' || r.private) out.add(r.fullName);
  }
  return [...out].sort();
}

function split(fullName: string): [string, string] {
  const [owner, repo] = fullName.split('/') as [string, string];
  return [owner, repo];
}

/**
 * Waits until the workflow runs that were queued or in progress when the secrets switched (created
 * at or before the switch) have finished: they read the old key when they started and keep it to
 * their end. Bounded by `timeoutMs`; at the bound the step fails with DRAIN_TIMEOUT, the old key
 * untouched, and `--resume` waits again. Read-only, so a crash anywhere in it is harmless.
 */
export function drainStep<E extends Env>(targets: readonly TargetConfig[], options: DrainStepOptions): Step<E, DrainOutput> {
  return {
    id: options.id,
    title: 'Wait for workflow runs that started before the switch to finish',
    readOnly: true,
    dependsOn: [...options.switchSteps],
    async apply(ctx) {
      const written = options.switchSteps
        .map((id) => ctx.output<{ updatedAt?: string }>(id)?.updatedAt)
        .filter((at): at is string => typeof at === 'string');
      const switchedAt = written.sort().at(-1) ?? new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
      if (options.timeoutMs === 0) {
        ctx.progress('rotation.drainTimeout is 0: not waiting for workflow runs that started before the switch');
        return { switchedAt, repositories: [], drained: [], quietSince: switchedAt, waitedMs: 0, off: true };
      }
      const { github } = ctx.env;
      const scale = github.timeScale;
      const repositories = await repositoriesOf(ctx, targets);
      const seen = new Map<number, WorkflowRunInfo>();
      const started = Date.now();
      const bound = options.timeoutMs * scale;
      let gap = POLL_FIRST_MS;
      for (;;) {
        const live: WorkflowRunInfo[] = [];
        for (const full of repositories) {
          const [owner, repo] = split(full);
          live.push(...(await listLiveRuns(github, owner, repo, switchedAt, { signal: ctx.signal })));
        }
        for (const run of live) seen.set(run.id, run);
        const elapsed = Date.now() - started;
        if (live.length === 0) {
          const drained: DrainedRun[] = [];
          for (const run of seen.values()) {
            const [owner, repo] = split(run.repository);
            const now = await getRun(github, owner, repo, run.id, { signal: ctx.signal });
            drained.push({ id: run.id, repository: run.repository, name: run.name, runNumber: run.runNumber, ...(now ? { finishedAt: now.updatedAt } : {}) });
          }
          // Runs still going at the switch that ended before any look here saw them live (at once, or
          // while an earlier attempt that timed out was not looking): they held the old key until then.
          for (const full of repositories) {
            const [owner, repo] = split(full);
            for (const run of await listRunsFinishedSince(github, owner, repo, switchedAt, switchedAt, { signal: ctx.signal })) {
              if (!seen.has(run.id)) drained.push({ id: run.id, repository: run.repository, name: run.name, runNumber: run.runNumber, finishedAt: run.updatedAt });
            }
          }
          const quietSince = [switchedAt, ...drained.flatMap((d) => (d.finishedAt ? [d.finishedAt] : []))].sort().at(-1)!;
          if (drained.length > 0) ctx.progress(`${drained.length} workflow run(s) that started before the switch finished: ${drained.map(runLabel).join(', ')}`);
          return { switchedAt, repositories, drained, quietSince, waitedMs: elapsed };
        }
        const names = live.map((r) => `${runLabel(r)} (${r.status.replace('_', ' ')})`).join(', ');
        if (elapsed >= bound) {
          throw new CredsError(
            `${live.length} workflow run(s) that started before the secrets switched at ${switchedAt} are still going after ${seconds(elapsed / scale)}: ${names}`,
            {
              code: 'DRAIN_TIMEOUT',
              hint:
                'they still use the old key, which stays Active; when they have finished (or you cancelled them), continue with ' +
                '`creds run rotate --resume` (it waits again, up to --drain-timeout); `--resume --drain-timeout 0` retires the old key without waiting',
            },
          );
        }
        ctx.progress(`waiting for ${live.length} workflow run(s) that started before the switch: ${names} (${seconds(elapsed / scale)} of ${seconds(options.timeoutMs)})`, {
          runs: live.map((r) => ({ id: r.id, repository: r.repository, name: r.name, runNumber: r.runNumber, status: r.status })),
          elapsedMs: elapsed,
          timeoutMs: bound,
        });
        await sleep(Math.max(1, Math.min(gap * scale, bound - elapsed)), undefined, { signal: ctx.signal });
        gap = Math.min(POLL_MAX_MS, gap * 1.5);
      }
    },
  };
}

export interface OldKeyUnusedOutput {
  accessKeyId: string;
  lastUsedAt?: string;
  /** Set when the old key was used after the drain and --force went on anyway. */
  forced?: boolean;
}

/**
 * After the drain nothing of the repositories should hold the old key: `GetAccessKeyLastUsed`
 * showing a use later than the last drained run (or the switch) means something else still uses
 * it. Stop before it is deactivated, unless `force`. IAM does not document how soon a use shows
 * there, so an absent use is no proof; a present one is reason enough to stop.
 */
export interface OldKeyUnusedStepOptions {
  id: string;
  dependsOn: string[];
  /** The drain step whose output says since when nothing should use the old key. */
  drainStep: string;
  userName: string;
  oldKeyId: string;
  force: boolean;
}

export function oldKeyUnusedStep<E extends Env>(options: OldKeyUnusedStepOptions): Step<E, OldKeyUnusedOutput> {
  const { userName, oldKeyId, force } = options;
  return {
    id: options.id,
    title: 'Check nothing else used the old key since the switch',
    readOnly: true,
    dependsOn: options.dependsOn,
    async apply(ctx) {
      const drain = ctx.output<DrainOutput>(options.drainStep);
      const used = await getAccessKeyLastUsed(ctx.env.aws.iam, oldKeyId);
      const lastUsedAt = used?.lastUsedDate?.toISOString();
      const base = { accessKeyId: oldKeyId, ...(lastUsedAt ? { lastUsedAt } : {}) };
      if (!drain || !used?.lastUsedDate) return base;
      const since = Date.parse(drain.quietSince);
      if (used.lastUsedDate.getTime() <= since + LAST_USED_MARGIN_MS) return base;
      const where = [used.serviceName, used.region].filter(Boolean).join(' in ');
      const what = `the old key ${oldKeyId} of ${userName} was used at ${lastUsedAt}${where ? ` (${where})` : ''}, after the repositories' workflows stopped using it (${drain.quietSince})`;
      if (force) {
        ctx.progress(`${what}; --force: deactivating it anyway`);
        return { ...base, forced: true };
      }
      throw new CredsError(`${what}: something else still holds it`, {
        code: 'OLD_KEY_STILL_USED',
        hint:
          'find what uses it (CloudTrail shows the calls) and give it the new key; the old key stays Active until then. ' +
          'Then `creds run rotate --resume --force` deactivates it (its last use will still read later than the switch)',
      });
    },
  };
}
