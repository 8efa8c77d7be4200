import type { RunRecord } from '@creds/core';

/**
 * `GitHubEnv.priorOutput` from the runner's history: for each step, the output of its newest
 * success in a run that was not rolled back. (Generic; a candidate for @creds/core.)
 */
export function priorOutputsFromHistory(runs: readonly RunRecord[]): (stepId: string) => unknown {
  const outputs = new Map<string, unknown>();
  for (const run of runs) {
    if (run.rollback) {
      for (const id of run.steps.keys()) if (run.rollback.undo.get(id) === 'succeeded') outputs.delete(id);
      continue;
    }
    for (const [id, state] of run.steps) if (state.state === 'succeeded') outputs.set(id, state.output);
  }
  return (stepId) => outputs.get(stepId);
}
