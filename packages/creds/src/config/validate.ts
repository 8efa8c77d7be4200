import type { ValidationError } from '@creds/core';
import type { TargetConfig } from './schema.js';

/** Backend rules (IAM names, tags, policy, ARNs, region, secret names) for one merged target. */
export function validateTarget(_target: TargetConfig, _prefix: string): ValidationError[] {
  return [];
}
