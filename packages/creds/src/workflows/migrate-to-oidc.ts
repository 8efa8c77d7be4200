import { CredsError, createWorkflow, type RunRecord, type Step, type Workflow } from '@creds/core';
import type { TargetConfig } from '../config/schema.js';
import type { TargetEnv } from '../env.js';
import type { WorkflowModule } from './module.js';
import { OIDC_STEPS, oidcStepList } from './oidc.js';
import { teardownSteps } from './teardown.js';

/**
 * `creds migrate-to-oidc`: the oidc steps, then the key route's teardown (secrets → key → policies
 * → user), which waits for the role ARN to be stored. Journaled and resumable like every workflow.
 * The teardown has no undo (a deleted key cannot come back): rollback removes only the role side.
 */
export function migrateToOidcWorkflow(target: TargetConfig, runs: readonly RunRecord[]): Workflow<TargetEnv> {
  const sharing = target.keyOwner ? [target.keyOwner] : target.sharedWith;
  if (sharing.length > 0) {
    throw new CredsError(`the IAM user ${target.iam.userName} of ${target.name} also serves ${sharing.join(', ')}; migrating one target would delete it`, {
      code: 'SHARED_KEY',
      hint: 'run creds run oidc for each of those targets, switch their workflows, then creds run teardown on the key owner',
    });
  }
  const teardown = teardownSteps(target, runs);
  const afterOidc = (step: Step<TargetEnv>): Step<TargetEnv> => ({ ...step, dependsOn: [...(step.dependsOn ?? []), OIDC_STEPS.done] });
  return createWorkflow(migrateToOidc.name, [...oidcStepList(target), ...teardown.secrets.map(afterOidc), teardown.keys, teardown.policies, teardown.user]);
}

/** Its steps are the keyless route's and the teardown's, under their own ids. */
export const migrateToOidc: WorkflowModule<'migrate-to-oidc'> = {
  name: 'migrate-to-oidc',
  steps: {},
  build: ({ target, runs }) => migrateToOidcWorkflow(target, runs),
};
