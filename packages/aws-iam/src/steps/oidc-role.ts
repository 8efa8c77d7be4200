import { CreateRoleCommand, type Role, UpdateAssumeRolePolicyCommand, UpdateRoleCommand } from '@aws-sdk/client-iam';
import { type Change, CredsError, type Step, type StepContext } from '@creds/core';
import type { AwsEnv } from '../env.js';
import { AwsError, awsCall } from '../errors.js';
import { describeOwnerTags, ownershipOf, ownershipTags } from '../ownership.js';
import { iamRole, planTags, releasePrincipal, tagPrincipal } from '../principal.js';
import {
  GITHUB_OIDC_ISSUER,
  oidcProviderArn,
  trustPolicyText,
  validateMaxSessionDuration,
  validateRoleName,
  validateSubjects,
} from '../trust-policy.js';
import { validateAll, validatePath, validatePolicyArn, validateTags } from '../validate.js';
import { getRole, trustPolicyOf } from './oidc-ops.js';
import type { OidcProviderOutput } from './oidc-provider.js';
import { resolveCallerIdentity } from './preflight.js';
import { validateScope, validateTarget } from './user.js';
import { canonicalPolicy } from '../policy-document.js';

export interface OidcRoleStepOptions {
  /** Step id (default `oidc-role`). */
  id?: string;
  dependsOn?: readonly string[];
  roleName: string;
  /** What the role serves (e.g. the target name); its `creds:target` tag. */
  target: string;
  /** The target's scope (see iamUserStep): its `creds:scope` tag. */
  scope?: string;
  /** The repository, exactly as GitHub spells it (the sub claim is compared case-sensitively). */
  owner: string;
  repo: string;
  /** `ref:refs/heads/main`, `environment:prod`, `pull_request`, `ref:refs/tags/v*` (or full `repo:…` patterns). */
  subjects: readonly string[];
  /** Allow `*` / `ref:*` (every ref of the repository). */
  allowAnyRef?: boolean;
  /** Default `/`. */
  path?: string;
  description?: string;
  /** Seconds, 3600-43200 (IAM's default is 3600). */
  maxSessionDuration?: number;
  tags?: Record<string, string>;
  /** Take over a same-named role creds did not create (its trust policy is replaced; undo restores it). */
  adopt?: boolean;
  /** The provider's ARN; by default the output of `providerStepId`, else derived from the caller's account. */
  providerArn?: string;
  /** Default `oidc-provider`. */
  providerStepId?: string;
  /** Default https://token.actions.githubusercontent.com. */
  issuer?: string;
  /** Managed policies creds attaches to the role: undo detaches them before deleting it. */
  managedPolicyArns?: readonly string[];
}

export interface OidcRoleOutput {
  roleName: string;
  arn: string;
  roleId: string;
  created: boolean;
  adopted: boolean;
  /** The full sub patterns the trust policy admits. */
  subjects: string[];
  trustPolicyUpdated: boolean;
  /** The trust policy an adopted role had before creds replaced it; undo puts it back. */
  replacedTrustPolicy?: string;
  tagsSet: string[];
  tagsRemoved: string[];
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });

/**
 * The IAM role GitHub Actions assumes with its OIDC token: its trust policy admits only this
 * repository's subjects (built by buildTrustPolicy), tagged as creds' own like the IAM user.
 * An existing role is used only if creds owns it for this target, or with `adopt`.
 */
export function oidcRoleStep<Env extends AwsEnv = AwsEnv>(opts: OidcRoleStepOptions): Step<Env, OidcRoleOutput> {
  let subjects: string[] = [];
  validateAll([
    () => validateRoleName(opts.roleName),
    () => validateTarget(opts.target),
    () => opts.scope !== undefined && validateScope(opts.scope),
    () => {
      subjects = validateSubjects(opts);
    },
    () => opts.path !== undefined && validatePath(opts.path),
    () => validateTags(opts.tags ?? {}),
    () => opts.maxSessionDuration !== undefined && validateMaxSessionDuration(opts.maxSessionDuration),
    ...(opts.managedPolicyArns ?? []).map((arn, i) => () => validatePolicyArn(arn, `managedPolicyArns[${i}]`)),
  ]);
  // Size is checked with a stand-in provider ARN of the longest usual shape.
  trustPolicyText({ ...opts, providerArn: oidcProviderArn('123456789012', { issuer: opts.issuer ?? GITHUB_OIDC_ISSUER }) });
  const providerStepId = opts.providerStepId ?? 'oidc-provider';
  const resource = `IAM role ${opts.roleName}`;

  async function providerArn(ctx: StepContext<AwsEnv>): Promise<string> {
    if (opts.providerArn) return opts.providerArn;
    const fromStep = ctx.output<OidcProviderOutput>(providerStepId)?.arn;
    if (fromStep) return fromStep;
    const me = await resolveCallerIdentity(ctx);
    return oidcProviderArn(me.account, { partition: me.arn.split(':')[1] ?? 'aws', ...(opts.issuer ? { issuer: opts.issuer } : {}) });
  }

  async function inspect(ctx: StepContext<AwsEnv>) {
    const document = trustPolicyText({ ...opts, providerArn: await providerArn(ctx) });
    const role = await getRole(ctx.env.aws.iam, opts.roleName);
    if (!role) return { document, role: undefined } as const;
    const tags = role.Tags ?? [];
    const ownership = ownershipOf(tags, opts);
    const adopting = ownership === 'foreign' || ownership === 'other-target';
    if (adopting && !opts.adopt) {
      throw new CredsError(
        ownership === 'other-target'
          ? `IAM role ${opts.roleName} is managed by creds for another target, ${describeOwnerTags(tags)}, not target ${opts.target}`
          : `IAM role ${opts.roleName} already exists and was not created by creds`,
        {
          code: 'NOT_OWNED',
          hint: 'pick another oidc.roleName, or adopt it explicitly (adopt: true / --adopt): creds then replaces its trust policy; rollback restores it and removes creds\' tags',
        },
      );
    }
    const adopted = adopting || ownership === 'adopted';
    const current = trustPolicyOf(role);
    return {
      document,
      role,
      adopting,
      adopted,
      current,
      trustDiffers: canonicalPolicy(current) !== canonicalPolicy(document),
      sessionDiffers: opts.maxSessionDuration !== undefined && role.MaxSessionDuration !== opts.maxSessionDuration,
      tagsToSet: planTags(tags, { ...opts.tags, ...ownershipTags(opts, adopted) }).set,
    } as const;
  }

  function output(role: Role, fields: Partial<OidcRoleOutput>): OidcRoleOutput {
    return {
      roleName: role.RoleName!,
      arn: role.Arn!,
      roleId: role.RoleId!,
      created: false,
      adopted: false,
      subjects,
      trustPolicyUpdated: false,
      tagsSet: [],
      tagsRemoved: [],
      ...fields,
    };
  }

  async function create(ctx: StepContext<AwsEnv>, document: string): Promise<Role> {
    const tags = { ...opts.tags, ...ownershipTags(opts, false) };
    const command = new CreateRoleCommand({
      RoleName: opts.roleName,
      AssumeRolePolicyDocument: document,
      Path: opts.path,
      Description: opts.description ?? `GitHub Actions of ${opts.owner}/${opts.repo} (OIDC), managed by creds`,
      MaxSessionDuration: opts.maxSessionDuration,
      Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
    });
    // A provider made a moment ago may not be visible to IAM's policy check yet (eventual consistency).
    for (let attempt = 1; ; attempt++) {
      try {
        return (await awsCall('iam:CreateRole', () => ctx.env.aws.iam.send(command))).Role!;
      } catch (error) {
        const justCreated = ctx.output<OidcProviderOutput>(providerStepId)?.created === true;
        const invalidPrincipal = error instanceof AwsError && error.code === 'MALFORMED_POLICY' && /principal/i.test(error.message);
        if (!justCreated || !invalidPrincipal || attempt >= 5 || ctx.signal.aborted) throw error;
        ctx.progress(`waiting for the new OIDC provider to propagate (attempt ${attempt})`);
        await sleep(1000 * 2 ** (attempt - 1), ctx.signal);
      }
    }
  }

  return {
    id: opts.id ?? 'oidc-role',
    title: `IAM role ${opts.roleName} for ${opts.owner}/${opts.repo}`,
    ...(opts.dependsOn ? { dependsOn: opts.dependsOn } : {}),

    async apply(ctx) {
      const { iam } = ctx.env.aws;
      const found = await inspect(ctx);
      if (!found.role) {
        const role = await create(ctx, found.document);
        return output(role, { created: true, trustPolicyUpdated: true, tagsSet: Object.keys({ ...opts.tags, ...ownershipTags(opts, false) }) });
      }
      const { role } = found;
      if (opts.path !== undefined && role.Path !== opts.path) {
        ctx.logger.warn({ role: opts.roleName, have: role.Path, want: opts.path }, 'the role exists under another path; creds does not move roles');
      }
      // Recorded once, when creds first takes the role over; a re-run keeps the earlier record.
      const prior = ctx.output<OidcRoleOutput>(ctx.stepId)?.replacedTrustPolicy;
      const replaced = found.adopting && found.trustDiffers ? found.current : prior;
      await tagPrincipal(iam, iamRole(opts.roleName), found.tagsToSet);
      if (found.trustDiffers) {
        await awsCall('iam:UpdateAssumeRolePolicy', () =>
          iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: opts.roleName, PolicyDocument: found.document })),
        );
      }
      if (found.sessionDiffers) {
        await awsCall('iam:UpdateRole', () => iam.send(new UpdateRoleCommand({ RoleName: opts.roleName, MaxSessionDuration: opts.maxSessionDuration })));
      }
      return output(role, {
        adopted: found.adopted,
        trustPolicyUpdated: found.trustDiffers,
        tagsSet: Object.keys(found.tagsToSet),
        ...(replaced === undefined ? {} : { replacedTrustPolicy: replaced }),
      });
    },

    async undo(ctx, out) {
      const { iam } = ctx.env.aws;
      const role = await getRole(iam, opts.roleName);
      if (!role) return;
      const previous = out?.replacedTrustPolicy;
      await releasePrincipal(ctx, iamRole(opts.roleName), role.Tags, opts, {
        managedPolicyArns: opts.managedPolicyArns,
        restoreAdopted: async () => {
          if (previous === undefined) return;
          await awsCall('iam:UpdateAssumeRolePolicy', () => iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: opts.roleName, PolicyDocument: previous })));
        },
      });
    },

    async check(ctx) {
      const found = await inspect(ctx);
      if (!found.role) return { inSync: false, changes: [{ action: 'create', resource, detail: `trusts ${subjects.join(', ')}` }] };
      const changes: Change[] = [];
      if (found.trustDiffers) changes.push({ action: 'update', resource, detail: `trust policy: allow ${subjects.join(', ')}` });
      const setKeys = Object.keys(found.tagsToSet);
      if (setKeys.length > 0) changes.push({ action: 'update', resource, detail: `set tags ${setKeys.join(', ')}` });
      if (found.sessionDiffers) changes.push({ action: 'update', resource, detail: `max session duration ${opts.maxSessionDuration} s` });
      return changes.length === 0 ? { inSync: true } : { inSync: false, changes };
    },
  };
}
