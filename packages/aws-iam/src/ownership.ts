import type { Tag } from '@aws-sdk/client-iam';

/** Tags creds puts on users it manages. */
export const TAGS = {
  managedBy: 'creds:managed-by',
  target: 'creds:target',
  /** Set on users that existed before and were adopted on request: undo untags instead of deleting. */
  adopted: 'creds:adopted',
  /** Set while an access key is being created: the ids of the keys that were there before. */
  keyPending: 'creds:key-pending',
} as const;
export const MANAGED_BY_VALUE = 'creds';

export type Ownership = 'owned' | 'adopted' | 'other-target' | 'foreign';

export function tagValue(tags: readonly Tag[] | undefined, key: string): string | undefined {
  const lower = key.toLowerCase();
  return tags?.find((t) => t.Key?.toLowerCase() === lower)?.Value;
}

/** Whether creds manages this user for this target (and whether it was adopted). */
export function ownershipOf(tags: readonly Tag[] | undefined, target: string): Ownership {
  if (tagValue(tags, TAGS.managedBy) !== MANAGED_BY_VALUE) return 'foreign';
  if (tagValue(tags, TAGS.target) !== target) return 'other-target';
  return tagValue(tags, TAGS.adopted) === 'true' ? 'adopted' : 'owned';
}

export function ownershipTags(target: string, adopted: boolean): Record<string, string> {
  return {
    [TAGS.managedBy]: MANAGED_BY_VALUE,
    [TAGS.target]: target,
    ...(adopted ? { [TAGS.adopted]: 'true' } : {}),
  };
}
