import type { RunRecord } from '@creds/core';
import { type TargetConfig, targetSchema } from './config/schema.js';

/**
 * What a run journals of the configuration it was built from: its target (and the targets that
 * share its key, whose secrets its steps write). A rollback builds the run's workflow from this, so
 * it undoes what the run did under the names it used; a resume compares it with today's.
 */
export function runConfig(target: TargetConfig, followers: readonly TargetConfig[]): unknown {
  return followers.length > 0 ? { ...target, followers } : target;
}

/** The target and followers a run recorded, or undefined for a journal older than the record. */
export function recordedConfig(run: RunRecord | undefined): { target: TargetConfig; followers: TargetConfig[] } | undefined {
  if (!run || run.config === undefined || typeof run.config !== 'object' || run.config === null) return undefined;
  const { followers = [], ...target } = run.config as { followers?: unknown[] };
  const parsed = targetSchema.safeParse(target);
  const parsedFollowers = (Array.isArray(followers) ? followers : []).map((f) => targetSchema.safeParse(f));
  if (!parsed.success || parsedFollowers.some((f) => !f.success)) return undefined;
  return { target: parsed.data, followers: parsedFollowers.map((f) => f.data!) };
}
