import { createHash } from 'node:crypto';
import type { Tag } from '@aws-sdk/client-iam';

/** Tags creds puts on users it manages. */
export const TAGS = {
  managedBy: 'creds:managed-by',
  target: 'creds:target',
  /**
   * Where the target's secrets go (`repo:owner/repo`, `environment:owner/repo/name`, `org:name`):
   * with `creds:target` it names the exact target, so two configs whose targets share a short name
   * (org-a/api and org-b/api, both `api`) never take each other's user.
   */
  scope: 'creds:scope',
  /** Set on users that existed before and were adopted on request: undo untags instead of deleting. */
  adopted: 'creds:adopted',
  /** Set while an access key is being created: the ids of the keys that were there before. */
  keyPending: 'creds:key-pending',
} as const;
export const MANAGED_BY_VALUE = 'creds';
/** The `creds:key-pending` value when the user had no key before the one being made. */
export const KEY_PENDING_NONE = 'none';

export type Ownership = 'owned' | 'adopted' | 'other-target' | 'foreign';

/** Who creds manages a principal for: the config's target name and, since creds:scope exists, its exact scope. */
export interface OwnerId {
  target: string;
  /** `repo:owner/repo`, `environment:owner/repo/name` or `org:name`; compared without case. */
  scope?: string | undefined;
}

const TAG_VALUE = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{0,256}$/u;

/**
 * The scope as a tag value: itself (lower case, as GitHub compares names) when it fits IAM's tag
 * rules (256 characters of letters, digits, spaces and `_ . : / = + - @`), else `sha256:` and the
 * hash of that text — an environment name may hold any printable character and 255 of them.
 */
export function scopeTagValue(scope: string): string {
  const lower = scope.toLowerCase();
  return TAG_VALUE.test(lower) ? lower : `sha256:${createHash('sha256').update(lower).digest('hex')}`;
}

export function tagValue(tags: readonly Tag[] | undefined, key: string): string | undefined {
  const lower = key.toLowerCase();
  return tags?.find((t) => t.Key?.toLowerCase() === lower)?.Value;
}

/**
 * Whether creds manages this principal for this owner (and whether it was adopted). A principal
 * tagged by a creds version older than creds:scope (managed-by and target only) counts as this
 * target's when the target name matches; the next setup adds the scope tag.
 */
export function ownershipOf(tags: readonly Tag[] | undefined, owner: OwnerId | string): Ownership {
  const { target, scope } = typeof owner === 'string' ? { target: owner, scope: undefined } : owner;
  if (tagValue(tags, TAGS.managedBy) !== MANAGED_BY_VALUE) return 'foreign';
  if (tagValue(tags, TAGS.target) !== target) return 'other-target';
  const tagged = tagValue(tags, TAGS.scope);
  if (scope !== undefined && tagged !== undefined && tagged.toLowerCase() !== scopeTagValue(scope)) return 'other-target';
  return tagValue(tags, TAGS.adopted) === 'true' ? 'adopted' : 'owned';
}

export function ownershipTags(owner: OwnerId | string, adopted: boolean): Record<string, string> {
  const { target, scope } = typeof owner === 'string' ? { target: owner, scope: undefined } : owner;
  return {
    [TAGS.managedBy]: MANAGED_BY_VALUE,
    [TAGS.target]: target,
    ...(scope !== undefined ? { [TAGS.scope]: scopeTagValue(scope) } : {}),
    ...(adopted ? { [TAGS.adopted]: 'true' } : {}),
  };
}

/** `target api of org-a/api`: the owner a principal's creds tags name, for messages. */
export function describeOwnerTags(tags: readonly Tag[] | undefined): string {
  const target = tagValue(tags, TAGS.target) ?? '(no target tag)';
  const scope = tagValue(tags, TAGS.scope);
  return scope === undefined ? `target ${target} (tagged by an older creds, without ${TAGS.scope})` : `target ${target} of ${describeScopeValue(scope)}`;
}

/** `org-a/api`, `org-a/api (environment prod)`, `organization octo-org`, or the hash as it is. */
export function describeScopeValue(scope: string): string {
  const [kind, ...rest] = scope.split(':');
  const value = rest.join(':');
  if (kind === 'repo') return value;
  if (kind === 'org') return `organization ${value}`;
  if (kind === 'environment') {
    const [owner, repo, ...env] = value.split('/');
    return `${owner}/${repo} (environment ${env.join('/')})`;
  }
  return scope;
}
