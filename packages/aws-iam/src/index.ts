export { createAwsClients } from './clients.js';
export type { AwsClientsOptions, AwsCredentialsInput } from './clients.js';
export type { AwsClients, AwsEnv } from './env.js';
export { AwsError, awsCall, isNoSuchEntity, mapAwsError } from './errors.js';
export {
  createAccessKey,
  deleteAccessKey,
  deleteBlockers,
  deleteInlinePolicy,
  detachPolicy,
  getAccessKeyLastUsed,
  getInlinePolicy,
  getUser,
  listAccessKeys,
  listAttachedPolicyArns,
  listInlinePolicyNames,
  listUserTags,
  retireAccessKey,
  setAccessKeyStatus,
  tagUser,
  untagUser,
} from './ops.js';
export type { AccessKeyInfo } from './ops.js';
export { MANAGED_BY_VALUE, ownershipOf, ownershipTags, TAGS } from './ownership.js';
export type { Ownership } from './ownership.js';
export { accessKeyStep } from './steps/access-key.js';
export type { AccessKeyOutput, AccessKeyStepOptions } from './steps/access-key.js';
export { defaultInlinePolicyName, inlinePolicyStep } from './steps/inline-policy.js';
export type { InlinePolicyOutput, InlinePolicyStepOptions } from './steps/inline-policy.js';
export { managedPoliciesStep } from './steps/managed-policies.js';
export type { ManagedPoliciesOutput, ManagedPoliciesStepOptions } from './steps/managed-policies.js';
export { awsPreflightStep, resolveCallerIdentity } from './steps/preflight.js';
export type { AwsPreflightOutput, AwsPreflightStepOptions } from './steps/preflight.js';
export { deleteAccessKeysStep, deletePoliciesStep, deleteUserStep } from './steps/teardown.js';
export type { DeleteAccessKeysStepOptions, DeletePoliciesStepOptions, DeleteUserStepOptions } from './steps/teardown.js';
export { deleteOwnedUser, iamUserStep, validateTarget } from './steps/user.js';
export type { IamUserOutput, IamUserStepOptions } from './steps/user.js';
export { DEFAULT_VERIFY_TIMEOUT_MS, verifyKeyStep } from './steps/verify.js';
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
