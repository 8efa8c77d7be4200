import type { RunRecord } from '@creds/core';
import { rotationStands } from './workflows/rotate.js';

/**
 * What each step last recorded and still stands, from the journal's runs: a step's newest success,
 * unless a rollback undid it. A finished rotation is the exception: its rollback keeps the new key
 * (the old one is deleted), so what it recorded still stands. An undo that wrote a value back (an
 * unfinished rotation's rollback writes the old key to the secrets) recorded what it wrote: that is
 * the step's record from then on. Secret steps use this to skip
 * unchanged writes and to tell drift (a secret changed outside creds) from creds' own writes.
 */
export function standingOutputs(runs: readonly RunRecord[]): (stepId: string) => unknown {
  const outputs = new Map<string, unknown>();
  for (const run of runs) {
    const stands = rotationStands(run);
    for (const [id, state] of run.steps) {
      if (state.state !== 'succeeded') continue;
      if (run.rollback?.undo.get(id) === 'succeeded' && !stands) {
        if (run.rollback.restored.has(id)) outputs.set(id, run.rollback.restored.get(id));
        continue;
      }
      outputs.set(id, state.output);
    }
  }
  return (stepId) => outputs.get(stepId);
}
