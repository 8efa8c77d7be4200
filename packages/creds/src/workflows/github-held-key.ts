import { setTimeout as sleep } from 'node:timers/promises';
import {
  type AccessKeyInfo,
  createAccessKey,
  getUser,
  iamUser,
  KEY_PENDING_NONE,
  listAccessKeys,
  listUserTags,
  retireAccessKey,
  TAGS,
  tagPrincipal,
  tagValue,
  untagPrincipal,
  type VerifyKeyOutput,
  waitForKey,
} from '@creds/aws-iam';
import { CredsError, Secret, type Step, type StepContext } from '@creds/core';
import {
  canonicalSecretName,
  describeScope,
  githubStepId,
  orgAccess,
  type ScopeRef,
  type SecretScope,
  type SecretStepOutput,
  scopeKey,
  scopeRef,
  writeSecret,
} from '@creds/github-secrets';
import type { TargetConfig } from '../config/schema.js';
import { secretScope, type TargetEnv } from '../env.js';

// `store: { type: "none" }`: the secret half of a key lives in the run's memory from
// CreateAccessKey until it is written to GitHub, and nowhere else. So making a key, verifying it
// and writing it to GitHub are one step here: a crash anywhere inside it leaves a key whose secret
// is gone, which the step's next attempt (a resume, or a new run in a fresh folder with no
// journal) recognises from AWS and GitHub alone and deletes before it makes a fresh one.
//
// What it reads, and the rules (see keyHeldByGitHub and githubKeyStep):
// - the user's `creds:key-pending` tag: set before CreateAccessKey to the ids of the keys that were
//   there; with no store, it stays until the key's secrets are written to GitHub (a store-backed
//   run clears it once the store holds the key). A key not in that list was made by the step and,
//   unless GitHub holds it, lost.
// - the keys' CreateDate and GitHub's updated_at of the key id and secret access key secrets, in
//   every scope the key is written to: which key GitHub holds.
// The key GitHub holds is never deleted, by apply or by undo: it is the only copy there is.

/** Seconds since the epoch: IAM and GitHub keep times to the second. */
const seconds = (at: string | Date) => Math.floor((typeof at === 'string' ? Date.parse(at) : at.getTime()) / 1000);

/** One place a key's half is written: a scope and a secret name. */
interface KeySlot {
  scope: SecretScope;
  name: string;
  half: 'accessKeyId' | 'secretAccessKey';
}

/** The key id and secret access key secrets of every target sharing the key. */
export function keySlots(targets: readonly TargetConfig[]): KeySlot[] {
  return targets.flatMap((t) => {
    const scope = secretScope(t);
    return (['accessKeyId', 'secretAccessKey'] as const).map((half) => ({ scope, name: canonicalSecretName(t.secrets[half]), half }));
  });
}

/**
 * Which of the user's keys GitHub holds, judged without a stored copy, from the keys' CreateDate
 * and the key secrets' updated_at (`secrets`: one per key slot, `undefined` when it does not exist).
 * - A missing key secret: GitHub holds no complete pair, so no key.
 * - Key K is held when every key secret was written at or after K's CreateDate (to the second):
 *   creds writes a key's secrets only after it made and verified that key, all in one step.
 * - Of several such keys the newest: with no copy of an older key's secret, creds never writes
 *   one, so writes after the newest key was made are that key's.
 * - Same second: a write in the second a key was made counts as that key's. githubKeyStep makes
 *   sure no earlier write shares the new key's second (it remakes a key made in the second of the
 *   last write), so such a tie can only be the key's own write.
 * When some key secrets were written after the newest key was made and some before, the pair in
 * GitHub is mixed; the answer is then an older key, never the newest one, whose secret is lost.
 */
export function keyHeldByGitHub(keys: readonly AccessKeyInfo[], secrets: ReadonlyArray<{ updatedAt: string } | undefined>): string | undefined {
  if (secrets.length === 0 || secrets.some((s) => s === undefined)) return undefined;
  const firstWrite = Math.min(...secrets.map((s) => seconds(s!.updatedAt)));
  const candidates = keys.filter((k) => k.createDate !== undefined && seconds(k.createDate) <= firstWrite);
  candidates.sort((a, b) => b.createDate!.getTime() - a.createDate!.getTime());
  return candidates[0]?.accessKeyId;
}

/** What AWS and GitHub say about a user's keys, read at once. */
export interface HeldKeyView {
  userExists: boolean;
  keys: AccessKeyInfo[];
  /** The key-pending marker's list of keys from before, when the marker is on the user. */
  pendingBefore: Set<string> | undefined;
  /** One per key slot, in keySlots order. */
  secrets: Array<{ updatedAt: string; createdAt?: string } | undefined>;
  held: string | undefined;
}

export async function readHeldKeys(ctx: StepContext<TargetEnv>, userName: string, slots: readonly KeySlot[]): Promise<HeldKeyView> {
  const { iam } = ctx.env.aws;
  const call = { signal: ctx.signal };
  const secretsReading = Promise.all(slots.map((s) => ctx.env.github.getSecret(s.scope, s.name, call)));
  if (!(await getUser(iam, userName))) {
    return { userExists: false, keys: [], pendingBefore: undefined, secrets: await secretsReading, held: undefined };
  }
  const [keys, tags, secrets] = await Promise.all([listAccessKeys(iam, userName), listUserTags(iam, userName), secretsReading]);
  const marker = tagValue(tags, TAGS.keyPending);
  const pendingBefore = marker === undefined ? undefined : new Set(marker.split(' ').filter((id) => id !== '' && id !== KEY_PENDING_NONE));
  return { userExists: true, keys, pendingBefore, secrets, held: keyHeldByGitHub(keys, secrets) };
}

export interface GitHubKeyStepOptions {
  id: string;
  dependsOn: readonly string[];
  userName: string;
  /** The targets sharing the key: their key secrets are written with it. */
  targets: readonly TargetConfig[];
  /** Keys this step does not make or take: a rotation's old key. Never deleted here. */
  keepKeyIds?: readonly string[];
  verifyTimeoutMs?: number;
  title?: string;
  /**
   * Leave the key-pending marker on once the key is in GitHub (a rotation: its old key is still
   * there, and the marker says which key the rotation replaces until the step that deletes it
   * clears it; two keys with no marker are then never taken for a rotation's).
   */
  keepMarker?: boolean;
}

/** One key secret the step wrote, with GitHub's time of the write. */
export interface WrittenSecret {
  scope: ScopeRef;
  name: string;
  existed: boolean;
  updatedAt: string;
}

/** What the journal keeps of the step: ids and times, never the secret. */
export interface GitHubKeyOutput {
  userName: string;
  accessKeyId: string;
  /** This run made the key (false: GitHub already held it, e.g. a second setup). */
  created: boolean;
  /** Keys made by an interrupted attempt whose secret never reached GitHub: deleted. */
  deletedLost: string[];
  active: boolean;
  /** STS's answer to the new key, asked with the in-memory secret; absent for a key found in place. */
  verified?: VerifyKeyOutput;
  /** The key secrets written by this step; empty when GitHub already held the key. */
  written: WrittenSecret[];
}

/** Before the step first makes a key: the key secrets that existed (undo deletes only the others). */
interface GitHubKeyNote {
  userName: string;
  existed: Record<string, boolean>;
}

const slotKey = (scope: SecretScope | ScopeRef, name: string) => `${scopeKey(scope)}:${name}`;

/** A key made in the very second of GitHub's last write could not be told from the earlier key by time: made again. */
const SAME_SECOND_ATTEMPTS = 3;

/**
 * The access key of a target with no store, as one step: find the key GitHub holds, or make one,
 * verify it with STS using the secret in memory, and write its id and secret to every scope, then
 * clear the key-pending marker. Rules, from AWS and GitHub alone (no journal needed):
 * 1. A key that is neither kept, nor held by GitHub (keyHeldByGitHub), nor listed by the
 *    key-pending marker was made by an interrupted attempt and its secret never reached GitHub:
 *    it is deleted (`deletedLost`). Without the marker, such a key is someone else's and stays (I4).
 * 2. A key GitHub holds that is not one to keep is taken as the step's key (a re-run of setup; a
 *    run that died after its writes): nothing is written.
 * 3. Otherwise a fresh key is made (refusing when the user already has 2), verified, and written.
 * The marker is then cleared, unless `keepMarker` (a rotation: it names the old key until deleted).
 */
export function githubKeyStep(opts: GitHubKeyStepOptions): Step<TargetEnv, GitHubKeyOutput> {
  const slots = keySlots(opts.targets);
  const keep = new Set(opts.keepKeyIds ?? []);
  const { userName } = opts;
  return {
    id: opts.id,
    title: opts.title ?? `Access key for ${userName}, written straight to GitHub (no store)`,
    dependsOn: opts.dependsOn,

    async apply(ctx) {
      const { iam } = ctx.env.aws;
      const v = await readHeldKeys(ctx, userName, slots);
      if (!v.userExists) throw new CredsError(`IAM user ${userName} does not exist`, { code: 'NO_SUCH_ENTITY', hint: 'create the user first (creds run setup)' });
      // A key neither kept, nor held by GitHub, nor listed by the marker: made by an interrupted attempt, its secret lost.
      const lost = v.keys.filter(
        (k) => !keep.has(k.accessKeyId) && k.accessKeyId !== v.held && v.pendingBefore !== undefined && !v.pendingBefore.has(k.accessKeyId),
      );
      for (const k of lost) {
        ctx.progress(`deleting access key ${k.accessKeyId}: its secret never reached GitHub and no store keeps a copy`);
        await retireAccessKey(iam, userName, k.accessKeyId);
      }
      const remaining = v.keys.filter((k) => !lost.includes(k));
      // The marker goes once the key is in GitHub, unless the step keeps it (a rotation, until its old
      // key is deleted). Setup clears it even when an older key is left: a marker listing the keys
      // from before may name someone else's key, and rotate takes the key the marker names as its
      // old key to delete; two keys and no marker make rotate stop and ask instead.
      const clearMarker = async () => {
        if (!opts.keepMarker) await untagPrincipal(iam, iamUser(userName), [TAGS.keyPending]);
      };
      const found = remaining.find((k) => k.accessKeyId === v.held && !keep.has(k.accessKeyId));
      if (found) {
        if (v.pendingBefore !== undefined) await clearMarker();
        const made = ctx.recorded<GitHubKeyNote>() !== undefined;
        if (made) ctx.progress(`GitHub already holds key ${found.accessKeyId}: an earlier attempt wrote it`);
        return { userName, accessKeyId: found.accessKeyId, created: made, deletedLost: lost.map((k) => k.accessKeyId), active: found.status === 'Active', written: [] };
      }
      if (remaining.length >= 2) {
        const others = remaining.filter((k) => !keep.has(k.accessKeyId)).map((k) => k.accessKeyId);
        throw new CredsError(`IAM user ${userName} already has 2 access keys and GitHub's secrets hold neither as a new key (${others.join(', ')} is not creds' new key); IAM allows 2 per user`, {
          code: 'TOO_MANY_KEYS',
          hint: `delete the key you no longer use (aws iam delete-access-key --user-name ${userName} --access-key-id ID), then run again; creds does not delete keys it did not make`,
        });
      }
      const existed = Object.fromEntries(slots.map((s, i) => [slotKey(s.scope, s.name), v.secrets[i] !== undefined]));
      ctx.record({ userName, existed } satisfies GitHubKeyNote);
      await tagPrincipal(iam, iamUser(userName), { [TAGS.keyPending]: remaining.map((k) => k.accessKeyId).join(' ') || KEY_PENDING_NONE });

      const lastWrite = Math.max(-1, ...v.secrets.flatMap((s) => (s ? [seconds(s.updatedAt)] : [])));
      let key = await createAccessKey(iam, userName);
      for (let attempt = 1; key.createDate && seconds(key.createDate) <= lastWrite; attempt++) {
        await retireAccessKey(iam, userName, key.accessKeyId);
        if (attempt >= SAME_SECOND_ATTEMPTS) {
          throw new CredsError(`AWS keeps dating new keys of ${userName} no later than GitHub's last write of their secrets (${new Date(lastWrite * 1000).toISOString()})`, {
            code: 'CLOCK_SKEW',
            hint: 'run again in a few seconds',
          });
        }
        await sleep(1_000, undefined, { signal: ctx.signal });
        key = await createAccessKey(iam, userName);
      }
      const verified = await waitForKey(ctx, key, { userName, ...(opts.verifyTimeoutMs ? { timeoutMs: opts.verifyTimeoutMs } : {}) });
      // The id and the secret at once, not 1 s apart: in between the pair is mixed.
      const written = await Promise.all(
        slots.map(async (s): Promise<WrittenSecret> => {
          const value = s.half === 'accessKeyId' ? new Secret(key.accessKeyId) : key.secretAccessKey;
          // An organization secret names who may use it (visibility, selected repositories) on every write.
          const access = s.scope.kind === 'org' ? await orgAccess(ctx.env.github, s.scope, { signal: ctx.signal }) : undefined;
          const out = await writeSecret(ctx.env.github, s.scope, s.name, value, { signal: ctx.signal, unpaced: true, ...(access ? { access } : {}) });
          const note = ctx.recorded<GitHubKeyNote>();
          return { scope: scopeRef(s.scope), name: s.name, existed: note?.existed[slotKey(s.scope, s.name)] ?? true, updatedAt: out.at };
        }),
      );
      await clearMarker();
      return { userName, accessKeyId: key.accessKeyId, created: true, deletedLost: lost.map((k) => k.accessKeyId), active: true, verified, written };
    },

    /**
     * Deletes the key secrets the run created (one that existed before keeps the new value: the
     * old one cannot be read back), then the key it made unless GitHub still holds it.
     */
    async undo(ctx, output) {
      const note = ctx.recorded<GitHubKeyNote>();
      if (!(output?.created ?? note !== undefined)) {
        return ctx.unchanged(output ? `access key ${output.accessKeyId} of ${userName} was there before this run; left as it is` : 'this run made no access key');
      }
      for (const s of slots) {
        if (note?.existed[slotKey(s.scope, s.name)] === false) await ctx.env.github.deleteSecret(s.scope, s.name, { signal: ctx.signal });
      }
      const v = await readHeldKeys(ctx, userName, slots);
      if (!v.userExists) return;
      const made = output
        ? [output.accessKeyId]
        : v.keys.filter((k) => !keep.has(k.accessKeyId) && v.pendingBefore !== undefined && !v.pendingBefore.has(k.accessKeyId)).map((k) => k.accessKeyId);
      let kept = false;
      for (const id of made) {
        if (id === v.held) {
          ctx.warn(`access key ${id} is the one GitHub's secrets hold and no store keeps a copy of an earlier key: kept`);
          kept = true;
          continue;
        }
        await retireAccessKey(ctx.env.aws.iam, userName, id);
      }
      // A kept key of a rotation keeps the marker: the next creds run rotate finishes that rotation.
      if (v.pendingBefore !== undefined && !(kept && opts.keepMarker)) await untagPrincipal(ctx.env.aws.iam, iamUser(userName), [TAGS.keyPending]);
    },

    async check(ctx) {
      const v = await readHeldKeys(ctx, userName, slots);
      const resource = `access key of ${userName}`;
      if (!v.userExists) return { inSync: false, changes: [{ action: 'create', resource }] };
      const held = v.keys.find((k) => k.accessKeyId === v.held && !keep.has(k.accessKeyId));
      if (held) {
        const notes = [`no store: key ${held.accessKeyId} is judged by IAM and GitHub's metadata alone (its secrets were written after it was made)`];
        if (held.status === 'Inactive') return { inSync: false, changes: [{ action: 'drift', resource, detail: `the key GitHub holds, ${held.accessKeyId}, is Inactive` }], notes };
        return { inSync: true, notes };
      }
      return {
        inSync: false,
        changes: [
          ...v.keys
            .filter((k) => !keep.has(k.accessKeyId) && v.pendingBefore !== undefined && !v.pendingBefore.has(k.accessKeyId))
            .map((k) => ({ action: 'delete' as const, resource: `access key ${k.accessKeyId}`, detail: 'its secret never reached GitHub' })),
          { action: 'create', resource, detail: 'GitHub\'s secrets hold none of the user\'s keys and no store keeps a copy: a new key is made' },
        ],
      };
    },
  };
}

/** The verify step of a run with no store: STS's answer from the key step (asked with the secret in memory). */
export function githubKeyVerifyStep(id: string, keyStepId: string): Step<TargetEnv, VerifyKeyOutput | { accessKeyId: string; unverified: string }> {
  return {
    id,
    title: 'Verify the access key with STS',
    readOnly: true,
    dependsOn: [keyStepId],
    async apply(ctx) {
      const key = ctx.output<GitHubKeyOutput>(keyStepId)!;
      if (key.verified) return key.verified;
      return { accessKeyId: key.accessKeyId, unverified: 'no store keeps its secret; GitHub\'s secrets were written after it was made' };
    },
    check: async () => ({ inSync: true, notes: ['no store: a key can only be verified by the run that makes it'] }),
  };
}

/**
 * A key secret of a run with no store, as the journal (drift, the drain's switch time) knows secret
 * steps: same id and output as a secret step, but what it records is the key step's write, or
 * GitHub's metadata when GitHub already held the key. It writes nothing; the key step's undo
 * deletes what that step created.
 */
export function githubKeySecretStep(target: TargetConfig, half: 'accessKeyId' | 'secretAccessKey', keyStepId: string, dependsOn: string[]): Step<TargetEnv, SecretStepOutput> {
  const scope = secretScope(target);
  const name = canonicalSecretName(target.secrets[half]);
  const resource = `secret ${name} in ${describeScope(scope)}`;
  return {
    id: githubStepId('secret', scope, name),
    title: `Record ${resource} (written with the key)`,
    readOnly: true,
    dependsOn,
    async apply(ctx) {
      const key = ctx.output<GitHubKeyOutput>(keyStepId)!;
      const written = key.written.find((w) => slotKey(w.scope, w.name) === slotKey(scope, name));
      const meta = await ctx.env.github.getSecret(scope, name, { signal: ctx.signal });
      const updatedAt = written?.updatedAt ?? meta?.updatedAt;
      if (!updatedAt) throw new CredsError(`${resource} is missing though GitHub held key ${key.accessKeyId}`, { code: 'SECRET_MISSING', hint: 'run again: a new key is made and written' });
      return {
        name,
        scope: scopeRef(scope),
        status: written ? (written.existed ? 'updated' : 'created') : 'unchanged',
        createdAt: meta?.createdAt ?? updatedAt,
        updatedAt,
        version: key.accessKeyId,
      };
    },
    async check(ctx) {
      const meta = await ctx.env.github.getSecret(scope, name, { signal: ctx.signal });
      if (!meta) return { inSync: false, changes: [{ action: 'create', resource }] };
      const last = ctx.env.priorOutput?.(githubStepId('secret', scope, name)) as Partial<SecretStepOutput> | undefined;
      if (typeof last?.updatedAt === 'string' && seconds(meta.updatedAt) > seconds(last.updatedAt)) {
        return { inSync: false, changes: [{ action: 'drift', resource, detail: `changed outside creds at ${meta.updatedAt} (creds wrote it at ${last.updatedAt}); setup makes a new key and writes it` }] };
      }
      return { inSync: true };
    },
  };
}
