import type { Secret } from '@creds/core';
import type { CallOptions } from './call-options.js';
import type { GitHubClient } from './client.js';
import { encryptSecretValue } from './encrypt.js';
import { GitHubError, GitHubErrorCode } from './errors.js';
import { canonicalSecretName, validateSecretName, validateSecretValue } from './names.js';
import { describeScope, type OrgVisibility, type SecretScope } from './scope.js';

export interface WriteSecretResult {
  name: string;
  status: 'created' | 'updated';
  /** When GitHub wrote it (its answer's `Date`, to the second). */
  at: string;
  keyId: string;
  /** Set when the scope's key changed between reading it and writing, and the write was redone. */
  keyRotated?: boolean;
}

export interface OrgAccess {
  visibility: OrgVisibility;
  selectedRepositoryIds: number[];
}

/**
 * Seals the value with the scope's public key and writes it with the key's id. When GitHub refuses
 * the write (422) because the key was rotated meanwhile, the key is read again and the write redone
 * once. Names and values are validated before anything is sent.
 */
export async function writeSecret(
  client: GitHubClient,
  scope: SecretScope,
  name: string,
  value: Secret,
  options: CallOptions & { access?: OrgAccess; onKeyRotated?: () => void } = {},
): Promise<WriteSecretResult> {
  validateSecretName(name);
  validateSecretValue(value, `value of ${name}`);
  const canonical = canonicalSecretName(name);
  let key = await client.getPublicKey(scope, options);
  for (let attempt = 1; ; attempt++) {
    const encryptedValue = await encryptSecretValue(value, key.key);
    try {
      const { status, at } = await client.putSecret(scope, canonical, { encryptedValue, keyId: key.keyId, ...options.access }, options);
      return { name: canonical, status, at, keyId: key.keyId, ...(attempt > 1 ? { keyRotated: true } : {}) };
    } catch (error) {
      if ((error as { status?: number }).status !== 422 || attempt > 1) throw error;
      const fresh = await client.getPublicKey(scope, { ...options, fresh: true });
      if (fresh.keyId === key.keyId) {
        throw new GitHubError(`GitHub refused the sealed value of ${canonical} for ${describeScope(scope)} although it was sealed with the current key ${key.keyId}`, {
          code: GitHubErrorCode.rejected,
          status: 422,
          cause: error,
          hint: 'this is unexpected; run again, and report it if it persists (the key or the encryption may be wrong)',
        });
      }
      options.onKeyRotated?.();
      key = fresh;
    }
  }
}
