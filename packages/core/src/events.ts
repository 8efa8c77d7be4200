/** What the runner reports while it works; front-ends render these (TTY list, plain lines, NDJSON). */
export type EngineEvent =
  | { type: 'run-started'; runId: string; workflow: string; mode: 'run' | 'resume'; steps: number }
  | { type: 'rollback-started'; runId: string; workflow: string; resumed: boolean; steps: number }
  | { type: 'step-started'; runId: string; stepId: string; title: string }
  | { type: 'step-progress'; runId: string; stepId: string; message: string; data?: Record<string, unknown> }
  | { type: 'step-retry'; runId: string; stepId: string; attempt: number; delayMs: number; code: string; message: string }
  | { type: 'step-skipped'; runId: string; stepId: string; title: string; reason: string }
  | { type: 'step-succeeded'; runId: string; stepId: string; title: string; durationMs: number }
  | { type: 'step-failed'; runId: string; stepId: string; title: string; code: string; message: string }
  | { type: 'undo-started'; runId: string; stepId: string; title: string }
  | { type: 'undo-succeeded'; runId: string; stepId: string; title: string; durationMs: number }
  | { type: 'undo-skipped'; runId: string; stepId: string; title: string; reason: string }
  | { type: 'undo-failed'; runId: string; stepId: string; title: string; code: string; message: string }
  | { type: 'run-finished'; runId: string; workflow: string; status: 'succeeded' | 'failed' | 'interrupted'; durationMs: number }
  | { type: 'rollback-finished'; runId: string; workflow: string; status: 'succeeded' | 'failed' | 'interrupted'; durationMs: number }
  | { type: 'warning'; message: string };

export type EventListener = (event: EngineEvent) => void;
