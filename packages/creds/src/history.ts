import type { RunRecord } from '@creds/core';
import type { RunSummary } from './api.js';

/** A journal's runs as an audit trail: what ran, when, how it ended, what was undone. No outputs. */
export function summarizeRuns(runs: readonly RunRecord[]): RunSummary[] {
  return runs.map((run) => ({
    runId: run.runId,
    workflow: run.workflow,
    startedAt: run.startedAt,
    ...(run.finishedAt ? { finishedAt: run.finishedAt } : {}),
    status: run.status,
    resumes: run.resumes,
    ...(run.rollback ? { rollback: run.rollback.status } : {}),
    steps: [...run.steps].map(([stepId, state]) => {
      const undo = run.rollback?.undo.get(stepId);
      return {
        stepId,
        state: state.state,
        ...(state.state === 'failed' ? { error: `${state.code}: ${state.message}` } : {}),
        ...(undo ? { undo } : {}),
      };
    }),
  }));
}
