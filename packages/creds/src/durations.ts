import { listAccessKeys } from '@creds/aws-iam';
import { ValidationError } from '@creds/core';
import type { TargetEnv } from './env.js';
import { keyRouteIam } from './config/validate.js';
import { isStoreless } from './no-store.js';

const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** `90d`, `12h`, `30m`, `90s` (and `0`) → milliseconds. */
export function parseDuration(text: string, field: string): number {
  if (text.trim() === '0') return 0;
  const match = /^(\d+)([dhms])$/.exec(text.trim());
  if (!match) throw new ValidationError(field, `"${text}" is not a duration such as 90d, 12h, 30m or 90s`);
  return Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
}

/** Age in ms of the key the store holds under `storeName`, per IAM's CreateDate; undefined if unknown. */
export async function keyAge(env: TargetEnv, storeName: string, now = Date.now()): Promise<number | undefined> {
  const stored = await env.store.get(storeName);
  if (!stored && !isStoreless(env.store)) return undefined;
  const keys = await listAccessKeys(env.aws.iam, keyRouteIam(env.target, 'rotate').userName);
  // No store: the user's one key. Two keys are a rotation to finish, whatever their age.
  if (!stored) return keys.length === 1 && keys[0]!.createDate ? now - keys[0]!.createDate.getTime() : undefined;
  const created = keys.find((k) => k.accessKeyId === stored.accessKeyId)?.createDate;
  return created ? now - created.getTime() : undefined;
}
