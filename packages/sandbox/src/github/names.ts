/**
 * GitHub's rules for Actions secret and variable names, written from the documentation (FACTS.md)
 * independently of the product's own checks, so a bug in one is caught by the other.
 */
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Why GitHub would refuse the name, or undefined when it is acceptable. */
export function nameProblem(name: string): string | undefined {
  if (name.length === 0) return 'Name must not be empty.';
  if (!NAME.test(name)) {
    return 'Names can only contain alphanumeric characters ([a-z], [A-Z], [0-9]) or underscores (_). Spaces are not allowed. Must start with a letter ([a-z], [A-Z]) or underscores (_).';
  }
  if (name.toUpperCase().startsWith('GITHUB_')) return 'Names must not start with the GITHUB_ prefix.';
  return undefined;
}

/** Names are case-insensitive; GitHub shows them upper-case. */
export function canonicalName(name: string): string {
  return name.toUpperCase();
}

/** Largest value GitHub accepts for a secret or a variable: 48 KB. */
export const MAX_VALUE_BYTES = 48 * 1024;

export const MAX_SECRETS = { repo: 100, environment: 100, org: 1000 } as const;
