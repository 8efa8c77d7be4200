import { isSecret, type Secret, ValidationError, ValidationErrors } from '@creds/core';

/** GitHub's limit on a secret or variable value: 48 KB. */
export const MAX_SECRET_VALUE_BYTES = 48 * 1024;

/** Secrets per repository / environment / organization. */
export const MAX_SECRETS_PER_SCOPE = { repo: 100, environment: 100, org: 1000 } as const;

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Throws a ValidationError naming `field` when GitHub would refuse the name: only letters, digits
 * and `_`; not starting with a digit; not starting with `GITHUB_` (in any case).
 */
export function validateSecretName(name: string, field = 'secret name'): void {
  if (typeof name !== 'string' || name.length === 0) {
    throw new ValidationError(field, 'must not be empty');
  }
  if (/^[0-9]/.test(name)) {
    throw new ValidationError(field, `"${name}" must not start with a digit`, { hint: 'start the name with a letter or _' });
  }
  if (!NAME.test(name)) {
    throw new ValidationError(field, `"${name}" may only contain letters, digits and _`, {
      hint: 'GitHub secret and variable names allow A-Z, a-z, 0-9 and _ only',
    });
  }
  if (name.toUpperCase().startsWith('GITHUB_')) {
    throw new ValidationError(field, `"${name}" must not start with GITHUB_ (GitHub reserves that prefix)`, {
      hint: 'pick another name, e.g. without the GITHUB_ prefix',
    });
  }
}

/**
 * Validates every name and that no two are equal ignoring case (GitHub treats `aws_key` and
 * `AWS_KEY` as one secret). All problems are reported together.
 */
export function validateSecretNames(names: readonly string[], field = 'secrets'): void {
  const issues: ValidationError[] = [];
  const seen = new Map<string, string>();
  names.forEach((name, i) => {
    try {
      validateSecretName(name, `${field}[${i}]`);
    } catch (error) {
      if (error instanceof ValidationError) issues.push(error);
      else throw error;
      return;
    }
    const key = name.toUpperCase();
    const first = seen.get(key);
    if (first !== undefined) {
      issues.push(new ValidationError(`${field}[${i}]`, `"${name}" is the same secret as "${first}" (names are case-insensitive)`));
    } else {
      seen.set(key, name);
    }
  });
  if (issues.length === 1) throw issues[0]!;
  if (issues.length > 1) throw new ValidationErrors(issues);
}

/** Throws when the UTF-8 value is over 48 KB. Never puts the value in the message. */
export function validateSecretValue(value: Secret | string, field = 'secret value'): void {
  const bytes = Buffer.byteLength(isSecret(value) ? value.reveal() : value, 'utf8');
  if (bytes > MAX_SECRET_VALUE_BYTES) {
    throw new ValidationError(field, `is ${bytes} bytes; GitHub accepts at most 48 KB (${MAX_SECRET_VALUE_BYTES} bytes)`);
  }
}

/** GitHub shows names upper-case and matches them ignoring case. */
export function canonicalSecretName(name: string): string {
  return name.toUpperCase();
}
