import {
  defaultRolePolicyName,
  findOidcProvider,
  getRole,
  iamRole,
  issuerHost,
  listAttachedPolicyArns,
  ownershipOf,
  trustedSubjects,
  trustPolicyOf,
  validateSubjects,
} from '@creds/aws-iam';
import { type CheckResult, createStepContext, errorCode, errorMessage, type RunRecord, type Step, withRetry } from '@creds/core';
import { canonicalSecretName, scopeKey } from '@creds/github-secrets';
import type { OidcStatus } from './api.js';
import { oidcSubjects } from './config/oidc.js';
import type { TargetConfig } from './config/schema.js';
import { ownerOf, secretScope, type TargetEnv } from './env.js';
import { runnerFor } from './fleet.js';
import type { TargetReader } from './internals.js';
import { OIDC_STEPS, oidcSteps } from './workflows/oidc.js';
import { oidcRecord } from './workflows/oidc-teardown.js';
import { OIDC_TEARDOWN_IDS } from './workflows/teardown.js';

type Read = <T>(fn: () => Promise<T>) => Promise<T>;

/** The keyless route's status of a target with an oidc section, from its journal and reads retried as the runner retries steps. */
export async function keylessStatus(internals: TargetReader, target: TargetConfig): Promise<{ status: OidcStatus; drift: string[] }> {
  const runs = runnerFor(internals.config, target.name, internals.options).history();
  const read = <T>(fn: () => Promise<T>) => withRetry(fn, internals.options.retry ?? {});
  return oidcStatus(target, await internals.env(target, runs), runs, read);
}

/**
 * The keyless route of one target, read-only: the OIDC provider (and whether creds made it), the
 * role (its tags), the `sub` subjects its trust policy admits against the config's, its policies,
 * and the role ARN's variable. Drift is what `creds run oidc` would put back, one line each, once
 * the route is set up (before, nothing is missing that a run has not yet made); the reads run at once, each through `read` (retried like the other status reads).
 */
export async function oidcStatus(target: TargetConfig, env: TargetEnv, runs: readonly RunRecord[], read: Read): Promise<{ status: OidcStatus; drift: string[] }> {
  const oidc = target.oidc!;
  const { iam } = env.aws;
  const steps = oidcSteps(target);
  const wanted = validateSubjects({ owner: target.github.owner!, repo: target.github.repo!, subjects: oidcSubjects(target), ...(oidc.allowAnyRef ? { allowAnyRef: true } : {}) }).sort();
  const scope = secretScope(target);
  const arnName = canonicalSecretName(oidc.roleArnName);

  const providerReading = read(() => findOidcProvider(iam));
  const roleReading = read(() => getRole(iam, oidc.roleName));
  const attachedReading = roleReading.then((role) => (role ? read(() => listAttachedPolicyArns(iam, iamRole(oidc.roleName))) : []));
  const arnReading = read(async () =>
    oidc.roleArnAs === 'variable' ? env.github.getVariable(scope, arnName) : (await env.github.getSecret(scope, arnName)) && { value: undefined },
  );
  // The steps' own checks say what `creds run oidc` would change; they get the ARNs read above.
  const checking = Promise.all([providerReading, roleReading]).then(([provider, role]) => {
    const outputs = { ...(provider ? { [OIDC_STEPS.provider]: { arn: provider.arn } } : {}), ...(role?.Arn ? { [OIDC_STEPS.role]: { arn: role.Arn } } : {}) };
    const checked = [steps.provider, steps.role, steps.policies, steps.store].filter((s): s is Step<TargetEnv> => s?.check !== undefined);
    return Promise.all(
      checked.map(async (step) => {
        const ctx = createStepContext({ env, stepId: step.id, outputs });
        try {
          return { step, result: await read(() => step.check!(ctx)) };
        } catch (error) {
          return { step, error: { code: errorCode(error), message: errorMessage(error) } };
        }
      }),
    );
  });
  const [provider, role, attached, arnValue, checks] = await Promise.all([providerReading, roleReading, attachedReading, arnReading, checking]);

  const changesOf = (step: Step<TargetEnv> | undefined) => {
    const found = checks.find((c) => c.step === step) as { result?: CheckResult } | undefined;
    return found?.result && !found.result.inSync ? found.result.changes : [];
  };
  const trusted = role ? trustedSubjects(trustPolicyOf(role)) : [];
  const subjectsDrifted = role !== undefined && JSON.stringify(trusted) !== JSON.stringify(wanted);
  const roleChanges = changesOf(steps.role);
  const policyChanges = changesOf(steps.policies);
  const arnChanges = changesOf(steps.store);
  const inlineName = target.iam.policy ? defaultRolePolicyName(oidc.roleName) : undefined;
  const inlineChange = policyChanges.find((c) => c.resource.startsWith('inline policy'));
  const ownership = role ? ownershipOf(role.Tags, ownerOf(target)) : undefined;

  const record = oidcRecord(runs, OIDC_TEARDOWN_IDS);
  const setUp = record.roleSetUp || role !== undefined || arnValue !== undefined;
  const drift: string[] = [];
  for (const { step, error } of checks as Array<{ step: Step<TargetEnv>; error?: { code: string; message: string } }>) {
    if (error) drift.push(`${step.title}: could not check (${error.code}: ${error.message})`);
  }
  if (subjectsDrifted) {
    drift.push(`IAM role ${oidc.roleName} trusts ${trusted.join(', ') || 'no sub of GitHub'}; the config wants ${wanted.join(', ')} (creds run oidc puts it back)`);
  }
  for (const change of [...changesOf(steps.provider), ...roleChanges, ...policyChanges, ...arnChanges]) {
    // The subjects line above already says how the trust policy differs.
    if (subjectsDrifted && change.detail?.startsWith('trust policy')) continue;
    drift.push(`${change.resource}: ${change.detail ?? `would ${change.action}`}`);
  }

  const status: OidcStatus = {
    setUp,
    provider: {
      host: issuerHost(),
      ...(provider ? { arn: provider.arn } : {}),
      exists: provider !== undefined,
      createdByCreds: provider !== undefined && record.providerCreated,
    },
    role: {
      name: oidc.roleName,
      ...(role?.Arn ? { arn: role.Arn } : {}),
      exists: role !== undefined,
      owned: ownership === 'owned' || ownership === 'adopted',
      tagDrift: roleChanges.filter((c) => c.detail?.startsWith('set tags')).map((c) => c.detail!),
    },
    subjects: { wanted, trusted, drifted: subjectsDrifted },
    ...(inlineName
      ? { inlinePolicy: { name: inlineName, state: !inlineChange ? 'in-sync' : inlineChange.action === 'create' ? 'missing' : 'drifted' } as const }
      : {}),
    managedPolicies: target.iam.managedPolicyArns.map((arn) => ({ arn, attached: attached.includes(arn) })),
    roleArn: {
      name: arnName,
      kind: oidc.roleArnAs,
      scope: scopeKey(scope),
      exists: arnValue !== undefined,
      ...(arnValue?.value !== undefined ? { value: arnValue.value } : {}),
      drifted: arnChanges.some((c) => c.action === 'drift' || c.action === 'update'),
    },
  };
  // Not set up yet: what is missing is what `creds run oidc` makes, not drift.
  return { status, drift: setUp ? drift : [] };
}
