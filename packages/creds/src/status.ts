import { defaultInlinePolicyName, getAccessKeyLastUsed, getUser, iamUser, listAccessKeys, listAttachedPolicyArns, ownershipOf } from '@creds/aws-iam';
import { errorCode, errorMessage, type PlanEntry, withRetry } from '@creds/core';
import { canonicalSecretName, githubStepId, type SecretScope, scopeKey } from '@creds/github-secrets';
import type { KeyStatus, SecretStatus, TargetPlan, TargetStatus } from './api.js';
import type { TargetConfig } from './config/schema.js';
import type { TargetReader } from './internals.js';
import { parseDuration } from './durations.js';
import { keylessStatus } from './oidc-status.js';
import { ownerOf, secretScope, storeNames } from './env.js';
import { runnerFor } from './fleet.js';
import { SETUP_STEPS, setup } from './workflows/setup.js';
import { rotationWaitingOnDrain } from './workflows/rotate.js';
import { keyHeldByGitHub, keySlots } from './workflows/github-held-key.js';
import { isStoreless } from './no-store.js';

const mask = (id: string) => `${id.slice(0, 4)}…${id.slice(-4)}`;

/** What running `workflow` would change for one target. Read-only. */
export async function planTarget(internals: TargetReader, name: string, target: TargetConfig): Promise<TargetPlan> {
  const plan: TargetPlan = { target: target.name, workflow: name, inSync: true, changes: [], errors: [], notes: [] };
  if (target.keyOwner) {
    plan.notes.push(`shares IAM user ${target.iam.userName} with target ${target.keyOwner}: its plan includes this repository's secrets`);
    return plan;
  }
  try {
    const runner = runnerFor(internals.config, target.name, internals.options);
    const runs = runner.history();
    const env = await internals.env(target, runs);
    const wf = await internals.workflow({ name, target, env, runs });
    collect(plan, (await runner.plan(wf, env)).steps);
  } catch (error) {
    plan.errors.push({ stepId: '-', code: errorCode(error), message: errorMessage(error) });
  }
  plan.inSync = plan.changes.length === 0 && plan.errors.length === 0;
  return plan;
}

function collect(plan: TargetPlan, steps: PlanEntry[]): void {
  for (const step of steps) {
    if (step.error) plan.errors.push({ stepId: step.id, ...step.error });
    if (step.result?.notes) plan.notes.push(...step.result.notes);
    if (step.result && !step.result.inSync) {
      for (const change of step.result.changes) plan.changes.push({ stepId: step.id, title: step.title, ...change });
    }
  }
}

/**
 * Status for each target of one `status()` call: the key route's part (absent for a keyless-only
 * target) and, with an oidc section, the keyless route's. A target sharing another's IAM user and
 * key reuses the owner's reads (its own part is its secrets, which the owner's status already
 * read), so the owner is read once however many targets share it; its role is its own.
 */
export function statusReader(internals: TargetReader): (target: TargetConfig) => Promise<TargetStatus> {
  const owners = new Map<string, Promise<KeyRouteStatus>>();
  const ownerStatus = (owner: TargetConfig) => {
    let status = owners.get(owner.name);
    if (!status) {
      status = keyRouteStatus(internals, owner);
      owners.set(owner.name, status);
    }
    return status;
  };
  const keyRoute = async (target: TargetConfig): Promise<KeyRouteStatus | undefined> => {
    if (target.iam.userName === undefined) return undefined;
    if (!target.keyOwner) return ownerStatus(target);
    // The owner's status covers the shared user and key; this target's part is its own secrets.
    const shared = await ownerStatus(internals.config.targets.find((t) => t.name === target.keyOwner)!);
    const mine = new Set([target.secrets.region, target.secrets.accessKeyId, target.secrets.secretAccessKey].map(canonicalSecretName));
    const secrets = shared.secrets.filter((s) => s.scope === scopeKey(secretScope(target)) && mine.has(s.name));
    return { ...shared, secrets };
  };
  return async (target) => {
    const [key, own, githubAuth] = await Promise.all([keyRoute(target), target.oidc ? keylessStatus(internals, target) : undefined, internals.githubAuth(target)]);
    const drift = [...(key?.drift ?? []), ...(own?.drift ?? [])];
    return {
      target: target.name,
      inSync: drift.length === 0,
      githubAuth,
      managedPolicies: [],
      keys: [],
      secrets: [],
      ...key,
      ...(own ? { oidc: own.status } : {}),
      drift,
    };
  };
}

type KeyRouteStatus = Omit<TargetStatus, 'target' | 'inSync' | 'oidc'>;

/** Drift for one key owner: the IAM user, its policies and keys, the store, and each secret. Read-only; independent reads run at once. */
async function keyRouteStatus(internals: TargetReader, target: TargetConfig): Promise<KeyRouteStatus> {
  const { iam: iamConfig } = target;
  const userName = iamConfig.userName!;
  const runner = runnerFor(internals.config, target.name, internals.options);
  const runs = runner.history();
  const env = await internals.env(target, runs);
  const { iam } = env.aws;
  const maxAge = parseDuration(internals.config.rotation.maxKeyAge, 'rotation.maxKeyAge');
  const unusedAfter = parseDuration(internals.config.rotation.unusedAfter, 'rotation.unusedAfter');
  const now = Date.now();
  const group = [target, ...internals.config.targets.filter((t) => t.keyOwner === target.name)];
  // The clients make each call once; these reads are retried here as the runner retries steps.
  const read = <T>(fn: () => Promise<T>) => withRetry(fn, internals.options.retry ?? {});

  const planning = internals.workflow({ name: setup.name, target, env, runs }).then((wf) => runner.plan(wf, env));
  const storing = env.store.get(storeNames(target).current);
  const userReading = read(() => getUser(iam, userName));
  const attaching = userReading.then((user) => (user ? read(() => listAttachedPolicyArns(iam, iamUser(userName))) : []));
  const keyReading = Promise.all([userReading, storing]).then(async ([user, stored]) => {
    const listed = user ? await read(() => listAccessKeys(iam, userName)) : [];
    return Promise.all(
      listed.map(async (key): Promise<KeyStatus> => {
        const createdAt = key.createDate?.toISOString() ?? new Date(now).toISOString();
        const lastUsed = (await read(() => getAccessKeyLastUsed(iam, key.accessKeyId)))?.lastUsedDate;
        const idleSince = (lastUsed ?? key.createDate)?.getTime() ?? now;
        return {
          accessKeyId: key.accessKeyId,
          status: key.status,
          createdAt,
          ...(lastUsed ? { lastUsedAt: lastUsed.toISOString() } : {}),
          inStore: stored?.accessKeyId === key.accessKeyId,
          old: now - Date.parse(createdAt) > maxAge,
          unused: now - idleSince > unusedAfter,
        };
      }),
    );
  });
  const secretReading = Promise.all(
    group.flatMap((member) => {
      const scope = secretScope(member);
      const names = member.secrets;
      return (
        [
          [names.region, names.regionAs],
          [names.accessKeyId, 'secret'],
          [names.secretAccessKey, 'secret'],
        ] as const
      ).map(async ([name, kind]) => {
        const canonical = canonicalSecretName(name);
        const meta = await read(() => (kind === 'secret' ? env.github.getSecret(scope, canonical) : env.github.getVariable(scope, canonical)));
        return { name: canonical, kind, scope, meta };
      });
    }),
  );
  const [plan, stored, user, attached, keys, secretReads] = await Promise.all([planning, storing, userReading, attaching, keyReading, secretReading]);

  const changesOf = (id: string) => {
    const step = plan.steps.find((s) => s.id === id);
    return step?.result && !step.result.inSync ? step.result.changes : [];
  };
  const ownership = user ? ownershipOf(user.Tags, ownerOf(target)) : undefined;
  const policyName = iamConfig.inlinePolicyName ?? defaultInlinePolicyName(target.region, userName);
  const policyChanges = changesOf(SETUP_STEPS.inlinePolicy);
  const secrets: SecretStatus[] = secretReads.map(({ name, kind, scope, meta }) => ({
    name,
    kind,
    scope: scopeKey(scope),
    exists: meta !== undefined,
    ...(meta?.updatedAt ? { updatedAt: meta.updatedAt } : {}),
    drifted: changesOf(githubStepId(kind, scope, name)).some((c) => c.action === 'drift'),
  }));

  const storeless = isStoreless(env.store);
  const drift: string[] = [];
  if (storeless) judgeWithoutStore(keys, secretReads, group, user !== undefined && ownership === 'owned', drift);
  for (const step of plan.steps) {
    if (step.error) drift.push(`${step.title}: could not check (${step.error.code}: ${step.error.message})`);
    for (const change of step.result && !step.result.inSync ? step.result.changes : []) {
      drift.push(`${change.resource}: ${change.detail ?? `would ${change.action}`}`);
    }
  }
  const waiting = rotationWaitingOnDrain(runs);
  if (waiting) {
    drift.push(
      `rotation ${waiting.runId} is waiting on a drain: workflow runs that started before the switch still hold the old key, which stays Active` +
        `${waiting.message ? ` (${waiting.message})` : ''}; continue with creds run rotate --resume`,
    );
  }
  for (const key of keys) {
    if (key.old) drift.push(`access key ${mask(key.accessKeyId)} is older than ${internals.config.rotation.maxKeyAge}: rotate it (creds run rotate)`);
    if (key.unused) drift.push(`access key ${mask(key.accessKeyId)} has not been used for ${internals.config.rotation.unusedAfter}`);
    if (!storeless && !key.inStore && user && ownership === 'owned') drift.push(`access key ${mask(key.accessKeyId)} is not in the ${env.store.type} store`);
  }

  return {
    user: {
      name: userName,
      exists: user !== undefined,
      owned: ownership === 'owned' || ownership === 'adopted',
      tagDrift: changesOf(SETUP_STEPS.user).filter((c) => c.action !== 'create').map((c) => c.detail ?? c.resource),
    },
    inlinePolicy: {
      name: policyName,
      state: policyChanges.length === 0 ? 'in-sync' : policyChanges.some((c) => c.action === 'create') ? 'missing' : 'drifted',
    },
    managedPolicies: iamConfig.managedPolicyArns.map((arn) => ({ arn, attached: attached.includes(arn) })),
    keys,
    store: { type: env.store.type, where: env.store.describe(), holdsKey: stored !== undefined, ...(storeless ? { copy: false as const } : {}) },
    secrets,
    drift,
  };
}


/**
 * Store none: no stored copy to compare with, so the keys are judged by IAM (ids, status, age, last
 * use, above) and GitHub's metadata alone: which key the key secrets hold (keyHeldByGitHub: written
 * at or after its CreateDate). Marks `inGitHub` on each key and adds what is wrong to `drift`.
 */
function judgeWithoutStore(
  keys: KeyStatus[],
  reads: ReadonlyArray<{ name: string; scope: SecretScope; meta: { updatedAt: string } | undefined }>,
  group: readonly TargetConfig[],
  owned: boolean,
  drift: string[],
): void {
  const slots = keySlots(group);
  const metas = slots.map((s) => reads.find((r) => r.name === s.name && scopeKey(r.scope) === scopeKey(s.scope))?.meta);
  const held = keyHeldByGitHub(
    keys.map((k) => ({ accessKeyId: k.accessKeyId, status: k.status, createDate: new Date(k.createdAt) })),
    metas,
  );
  for (const key of keys) key.inGitHub = key.accessKeyId === held;
  if (!owned || keys.length === 0) return;
  if (!held) {
    drift.push(
      'no store keeps a copy, and GitHub\'s key secrets hold none of the user\'s keys (missing, or written before the newest key was made): creds run setup makes a new key and writes it',
    );
    return;
  }
  for (const key of keys) {
    if (key.accessKeyId !== held) {
      drift.push(`access key ${mask(key.accessKeyId)} is not the one GitHub holds: a rotation did not finish; creds run rotate finishes it (drains, then retires that key)`);
    }
  }
}
