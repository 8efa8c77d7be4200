export { createAwsClients } from './clients.js';
export type { AwsClientsOptions, AwsCredentialsInput } from './clients.js';
export type { AwsClients, AwsEnv } from './env.js';
export { AwsError, awsCall, isNoSuchEntity, mapAwsError } from './errors.js';
export {
  createAccessKey,
  deleteAccessKey,
  getAccessKeyLastUsed,
  getUser,
  listAccessKeys,
  listUserTags,
  retireAccessKey,
  setAccessKeyStatus,
} from './ops.js';
export type { AccessKeyInfo } from './ops.js';
export {
  attachPolicy,
  deleteBlockers,
  deleteInlinePolicy,
  deleteOwnedPrincipal,
  detachPolicy,
  getInlinePolicy,
  iamRole,
  iamUser,
  listAttachedPolicyArns,
  listInlinePolicyNames,
  putInlinePolicy,
  tagPrincipal,
  untagPrincipal,
} from './principal.js';
export type { Principal } from './principal.js';
export { describeOwnerTags, describeScopeValue, KEY_PENDING_NONE, MANAGED_BY_VALUE, ownershipOf, ownershipTags, scopeTagValue, TAGS, tagValue } from './ownership.js';
export type { OwnerId, Ownership } from './ownership.js';
export { accessKeyStep, keyMadeByRun, keyPendingClearStep } from './steps/access-key.js';
export type { AccessKeyOutput, AccessKeyStepOptions } from './steps/access-key.js';
export { defaultInlinePolicyName, inlinePolicyStep } from './steps/inline-policy.js';
export type { InlinePolicyOutput, InlinePolicyStepOptions } from './steps/inline-policy.js';
export { managedPoliciesStep } from './steps/managed-policies.js';
export type { ManagedPoliciesOutput, ManagedPoliciesStepOptions } from './steps/managed-policies.js';
export { awsPreflightStep, resolveCallerIdentity } from './steps/preflight.js';
export type { AwsPreflightOutput, AwsPreflightStepOptions } from './steps/preflight.js';
export { deleteAccessKeysStep, deletePoliciesStep, deleteUserStep } from './steps/teardown.js';
export type { DeleteAccessKeysStepOptions, DeletePoliciesStepOptions, DeleteUserStepOptions } from './steps/teardown.js';
export { checkUserOwnership, iamUserStep, validateScope, validateTarget } from './steps/user.js';
export type { IamUserOutput, IamUserStepOptions, UserOwnershipOptions } from './steps/user.js';
export { DEFAULT_VERIFY_TIMEOUT_MS, verifyKeyStep, waitForKey } from './steps/verify.js';
export type { VerifyKeyOutput, VerifyKeyStepOptions } from './steps/verify.js';
export {
  MAX_INLINE_POLICY_CHARS,
  MAX_MANAGED_POLICIES,
  MAX_USER_TAGS,
  policySize,
  validateAll,
  validateArn,
  validatePath,
  validatePolicyArn,
  validatePolicyDocument,
  validatePolicyName,
  validateRegion,
  validateTags,
  validateUserName,
} from './validate.js';
export { findOidcProvider, getOidcProvider, getRole, listOidcProviderArns, listRoles, rolesTrusting, trustedSubjects, trustPolicyOf } from './steps/oidc-ops.js';
export { deleteOidcProviderStep, deleteOidcRoleStep } from './steps/oidc-teardown.js';
export type { DeleteOidcProviderOutput, DeleteOidcProviderStepOptions, DeleteOidcRoleOutput, DeleteOidcRoleStepOptions } from './steps/oidc-teardown.js';
export type { OidcProviderInfo } from './steps/oidc-ops.js';
export { oidcProviderStep } from './steps/oidc-provider.js';
export type { OidcProviderOutput, OidcProviderStepOptions } from './steps/oidc-provider.js';
export { oidcRoleStep } from './steps/oidc-role.js';
export type { OidcRoleOutput, OidcRoleStepOptions } from './steps/oidc-role.js';
export { defaultRolePolicyName, MAX_ROLE_INLINE_POLICY_CHARS, rolePoliciesStep } from './steps/oidc-role-policies.js';
export type { RolePoliciesOutput, RolePoliciesStepOptions } from './steps/oidc-role-policies.js';
export {
  buildTrustPolicy,
  DEFAULT_OIDC_SUBJECTS,
  GITHUB_OIDC_AUDIENCE,
  GITHUB_OIDC_ISSUER,
  issuerHost,
  MAX_SESSION_SECONDS,
  MAX_TRUST_POLICY_CHARS,
  MIN_SESSION_SECONDS,
  oidcProviderArn,
  subjectPattern,
  trustPolicyText,
  validateMaxSessionDuration,
  validateRoleName,
  validateSubjects,
} from './trust-policy.js';
export type { SubjectOptions, TrustPolicyDocument, TrustPolicyOptions } from './trust-policy.js';
export { policyBlockers, teardownBlockers } from './teardown-blockers.js';
export type { CredsPart } from './teardown-blockers.js';
