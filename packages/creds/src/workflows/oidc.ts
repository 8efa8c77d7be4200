import {
  getRole,
  type OidcRoleOutput,
  oidcProviderStep,
  oidcRoleStep,
  rolePoliciesStep,
} from '@creds/aws-iam';
import { CredsError, createWorkflow, Secret, type Step, type StepContext, type Workflow } from '@creds/core';
import { type GitHubPreflightOutput, secretStep, variableStep } from '@creds/github-secrets';
import { oidcSubjects } from '../config/oidc.js';
import type { OidcConfig, TargetConfig } from '../config/schema.js';
import { ownerOf, secretScope, type TargetEnv } from '../env.js';
import type { WorkflowModule } from './module.js';
import { PREFLIGHT_STEPS, preflightSteps } from './preflight.js';

/** The ids of the keyless route's own steps (the role ARN's secret or variable is named by what it writes). */
export const OIDC_STEPS = {
  repoName: 'oidc-repo-name',
  provider: 'oidc-provider',
  role: 'oidc-role',
  rolePolicies: 'oidc-role-policies',
  done: 'oidc-done',
} as const;

// The keyless route: preflight → repository name check → OIDC provider → role (trust policy from
// oidc.subjects) → the role's policies (the key route's iam.policy and managed policies) → the role
// ARN as an Actions variable (or secret) → done (the workflow snippet to copy).

function oidcOf(target: TargetConfig): OidcConfig & { owner: string; repo: string } {
  const { owner, repo } = target.github;
  if (!target.oidc || !owner || !repo || target.github.org) {
    throw new CredsError(`target ${target.name} has no oidc section for a repository`, {
      code: 'INVALID_INPUT',
      hint: 'add "oidc": { "roleName": "…" } to the config (with github.owner and github.repo), then run again',
    });
  }
  return { ...target.oidc, owner, repo };
}

/** A read-only step: GitHub's spelling of owner/repo must be the config's, because STS compares the sub claim case-sensitively. */
function repoNameStep(target: TargetConfig): Step<TargetEnv> {
  const { owner, repo } = oidcOf(target);
  const wanted = `${owner}/${repo}`;
  const verify = (fullName: string | undefined) => {
    if (fullName !== undefined && fullName !== wanted) {
      throw new CredsError(`GitHub spells the repository ${fullName}, the config says ${wanted}`, {
        code: 'REPO_NAME_CASE',
        hint: `GitHub's OIDC token says repo:${fullName}:… and STS compares it case-sensitively: write github.owner and github.repo as GitHub does`,
      });
    }
  };
  return {
    id: OIDC_STEPS.repoName,
    title: `Check GitHub spells the repository ${wanted}`,
    readOnly: true,
    dependsOn: [PREFLIGHT_STEPS.github],
    async apply(ctx) {
      const fromPreflight = ctx.output<GitHubPreflightOutput>(PREFLIGHT_STEPS.github)?.repos.find((r) => r.fullName.toLowerCase() === wanted.toLowerCase());
      const fullName = fromPreflight?.fullName ?? (await ctx.env.github.getRepo(owner, repo, { signal: ctx.signal })).fullName;
      verify(fullName);
      return { fullName };
    },
    async check(ctx) {
      verify((await ctx.env.github.getRepo(owner, repo, { signal: ctx.signal })).fullName);
      return { inSync: true };
    },
  };
}

async function roleArn(ctx: StepContext<TargetEnv>, roleName: string): Promise<string> {
  const fromStep = ctx.output<OidcRoleOutput>(OIDC_STEPS.role)?.arn;
  if (fromStep) return fromStep;
  const role = await getRole(ctx.env.aws.iam, roleName);
  if (!role?.Arn) throw new CredsError(`IAM role ${roleName} does not exist yet`, { code: 'NO_SUCH_ENTITY', hint: 'run creds run oidc' });
  return role.Arn;
}

/** The oidc steps, each usable alone or together (oidcWorkflow, migrateToOidcWorkflow). */
export function oidcSteps(target: TargetConfig) {
  const oidc = oidcOf(target);
  const { iam } = target;
  const scope = secretScope(target);
  const hasPolicies = iam.policy !== undefined || iam.managedPolicyArns.length > 0;
  const policies = hasPolicies
    ? (rolePoliciesStep({
        id: OIDC_STEPS.rolePolicies,
        dependsOn: [OIDC_STEPS.role],
        roleName: oidc.roleName,
        ...(iam.policy ? { policy: iam.policy } : {}),
        managedPolicyArns: iam.managedPolicyArns,
      }))
    : undefined;
  const ready: string[] = policies ? [OIDC_STEPS.role, OIDC_STEPS.rolePolicies] : [OIDC_STEPS.role];
  const arnValue = (ctx: StepContext<TargetEnv>) => roleArn(ctx, oidc.roleName);
  const store: Step<TargetEnv> =
    oidc.roleArnAs === 'secret'
      ? secretStep<TargetEnv>({
          scope,
          name: oidc.roleArnName,
          value: async (ctx) => new Secret(await arnValue(ctx)),
          version: arnValue,
          dependsOn: ready,
        })
      : variableStep<TargetEnv>({ scope, name: oidc.roleArnName, value: arnValue, dependsOn: ready });
  const done: Step<TargetEnv> = {
    id: OIDC_STEPS.done,
    title: 'Keyless access ready: the workflow snippet to copy',
    dependsOn: [store.id],
    async apply(ctx) {
      const arn = await arnValue(ctx);
      const snippet = workflowSnippet(target);
      ctx.progress(`GitHub Actions of ${oidc.owner}/${oidc.repo} can assume ${arn}`, { roleArn: arn });
      return { roleArn: arn, roleArnAs: oidc.roleArnAs, roleArnName: oidc.roleArnName, snippet };
    },
    async check() {
      return { inSync: true };
    },
  };
  return {
    preflight: preflightSteps(target, [], { variables: oidc.roleArnAs === 'variable' }),
    repoName: repoNameStep(target),
    provider: oidcProviderStep({ id: OIDC_STEPS.provider, dependsOn: [PREFLIGHT_STEPS.aws, OIDC_STEPS.repoName], ...ownerOf(target) }),
    role: oidcRoleStep({
      id: OIDC_STEPS.role,
      dependsOn: [OIDC_STEPS.provider],
      roleName: oidc.roleName,
      ...ownerOf(target),
      owner: oidc.owner,
      repo: oidc.repo,
      subjects: oidcSubjects(target),
      ...(oidc.allowAnyRef ? { allowAnyRef: true } : {}),
      ...(oidc.maxSessionDuration !== undefined ? { maxSessionDuration: oidc.maxSessionDuration } : {}),
      ...(oidc.adopt ? { adopt: true } : {}),
      tags: iam.tags,
      managedPolicyArns: iam.managedPolicyArns,
    }),
    policies,
    store,
    done,
  };
}

/** The oidc steps in one list, as both keyless workflows run them. */
export function oidcStepList(target: TargetConfig): Step<TargetEnv>[] {
  const s = oidcSteps(target);
  return [...s.preflight, s.repoName, s.provider, s.role, ...(s.policies ? [s.policies] : []), s.store, s.done];
}

/** `creds run oidc`: the keyless route for one repository. Re-running writes nothing; rollback removes what creds made. */
export function oidcWorkflow(target: TargetConfig): Workflow<TargetEnv> {
  return createWorkflow(oidc.name, oidcStepList(target));
}

/** The subjects without the `repo:OWNER/REPO:` prefix. */
function shortSubjects(target: TargetConfig): string[] {
  return oidcSubjects(target).map((s) => s.replace(/^repo:[^:]*:/, ''));
}

const yamlList = (items: string[]) => `[${items.map((i) => (/^[\w./-]+$/.test(i) ? i : JSON.stringify(i))).join(', ')}]`;

/**
 * The GitHub Actions workflow users copy into `.github/workflows/`: `permissions: id-token: write`
 * and `aws-actions/configure-aws-credentials@v4` assuming the role whose ARN creds stored.
 */
export function workflowSnippet(target: TargetConfig): string {
  const oidc = oidcOf(target);
  const subjects = shortSubjects(target);
  const branches = subjects.filter((s) => s.startsWith('ref:refs/heads/')).map((s) => s.slice('ref:refs/heads/'.length));
  const tags = subjects.filter((s) => s.startsWith('ref:refs/tags/')).map((s) => s.slice('ref:refs/tags/'.length));
  const environments = subjects.filter((s) => s.startsWith('environment:')).map((s) => s.slice('environment:'.length));
  const environment = target.github.environment ?? environments.find((e) => !/[*?]/.test(e));
  const on: string[] = [];
  if (branches.length > 0 || tags.length > 0) {
    on.push('  push:');
    if (branches.length > 0) on.push(`    branches: ${yamlList(branches)}`);
    if (tags.length > 0) on.push(`    tags: ${yamlList(tags)}`);
  }
  if (subjects.includes('pull_request')) on.push('  pull_request:');
  on.push('  workflow_dispatch:');
  const ref = oidc.roleArnAs === 'secret' ? `secrets.${oidc.roleArnName}` : `vars.${oidc.roleArnName}`;
  return [
    `# .github/workflows/aws.yml in ${oidc.owner}/${oidc.repo} — keyless AWS access set up by creds`,
    'name: aws',
    'on:',
    ...on,
    'permissions:',
    '  id-token: write # lets the job ask GitHub for its OIDC token',
    '  contents: read',
    'jobs:',
    '  deploy:',
    '    runs-on: ubuntu-latest',
    ...(environment
      ? [`    environment: ${/^[\w.-]+$/.test(environment) ? environment : JSON.stringify(environment)} # the token's sub becomes repo:${oidc.owner}/${oidc.repo}:environment:${environment}`]
      : []),
    '    steps:',
    '      - uses: actions/checkout@v4',
    '      - uses: aws-actions/configure-aws-credentials@v4',
    '        with:',
    `          role-to-assume: \${{ ${ref} }}`,
    `          aws-region: ${target.region}`,
    '      - run: aws sts get-caller-identity',
    '',
  ].join('\n');
}

export const oidc: WorkflowModule<'oidc'> = {
  name: 'oidc',
  steps: OIDC_STEPS,
  runsForKeySharers: true,
  build: ({ target }) => oidcWorkflow(target),
};
