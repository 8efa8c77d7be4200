import type { Step, StepContext } from '@creds/core';
import type { AwsEnv } from '../env.js';
import { deleteInlinePolicy, getInlinePolicy, iamUser, putInlinePolicy } from '../principal.js';
import { validateAll, validatePolicyDocument, validatePolicyName, validateRegion, validateUserName } from '../validate.js';
import { canonicalPolicy } from '../policy-document.js';
import { getUser } from '../ops.js';

export interface InlinePolicyStepOptions {
  /** Step id (default `iam-inline-policy`). */
  id?: string;
  dependsOn?: readonly string[];
  userName: string;
  /** The workflows' region; part of the default policy name. */
  region: string;
  /** Default as the Python original: `iam-user-{region}-{userName}-inline-policy`. */
  policyName?: string;
  /** The policy document, as JSON text or an object. */
  policy: string | object;
  /** The user was made by this run, so it has no inline policy yet: nothing to read first. */
  userMade?: (ctx: StepContext) => boolean;
}

export interface InlinePolicyOutput {
  userName: string;
  policyName: string;
  /** Whether this apply wrote the policy (false when it was already as configured). */
  written: boolean;
}

/** What the journal keeps before the policy's first write in a run: the document it replaced (null: none). */
interface InlinePolicyNote {
  userName: string;
  policyName: string;
  previous: string | null;
}

export function defaultInlinePolicyName(region: string, userName: string): string {
  return `iam-user-${region}-${userName}-inline-policy`;
}

/** The user's inline policy, written only when it differs from what is there. */
export function inlinePolicyStep<Env extends AwsEnv = AwsEnv>(opts: InlinePolicyStepOptions): Step<Env, InlinePolicyOutput> {
  const policyName = opts.policyName ?? defaultInlinePolicyName(opts.region, opts.userName);
  let document = '';
  validateAll([
    () => validateUserName(opts.userName),
    () => validateRegion(opts.region),
    () => validatePolicyName(policyName),
    () => {
      document = validatePolicyDocument(opts.policy);
    },
  ]);
  const resource = `inline policy ${policyName} on ${opts.userName}`;
  const user = iamUser(opts.userName);
  return {
    id: opts.id ?? 'iam-inline-policy',
    title: `Inline policy ${policyName}`,
    ...(opts.dependsOn ? { dependsOn: opts.dependsOn } : {}),

    async apply(ctx) {
      const { iam } = ctx.env.aws;
      const current = opts.userMade?.(ctx) ? undefined : await getInlinePolicy(iam, user, policyName);
      if (current !== undefined && canonicalPolicy(current) === canonicalPolicy(document)) {
        // Written by an earlier attempt of this run (a resume) counts as written by this run.
        return { userName: opts.userName, policyName, written: ctx.recorded() !== undefined };
      }
      // Before the first write of this run: the document that was there (undo puts it back).
      ctx.record({ userName: opts.userName, policyName, previous: current ?? null } satisfies InlinePolicyNote);
      await putInlinePolicy(iam, user, policyName, document);
      return { userName: opts.userName, policyName, written: true };
    },

    async undo(ctx, output) {
      const before = ctx.recorded<InlinePolicyNote>();
      const name = output?.policyName ?? before?.policyName ?? policyName;
      const target = iamUser(output?.userName ?? before?.userName ?? opts.userName);
      if (output ? !output.written : !before) {
        ctx.unchanged(`this run did not change inline policy ${name}`);
        return;
      }
      if (before?.previous) {
        if (!(await getUser(ctx.env.aws.iam, target.name))) return;
        await putInlinePolicy(ctx.env.aws.iam, target, name, before.previous);
        ctx.progress(`put back the document inline policy ${name} had before this run`);
        return;
      }
      // Gone already (or with the user) is fine.
      await deleteInlinePolicy(ctx.env.aws.iam, target, name);
    },

    async check(ctx) {
      const current = await getInlinePolicy(ctx.env.aws.iam, user, policyName);
      if (current === undefined) return { inSync: false, changes: [{ action: 'create', resource }] };
      if (canonicalPolicy(current) !== canonicalPolicy(document)) {
        return { inSync: false, changes: [{ action: 'update', resource, detail: 'the document differs from the configuration' }] };
      }
      return { inSync: true };
    },
  };
}
