import { runAction } from './run.js';
import { createRunner } from './runner.js';

// The Actions runner starts this file as `node dist/index.js` (the bundle of this module).
const runner = createRunner();
const controller = new AbortController();
// A cancelled job gets SIGINT, then SIGTERM: stop after the steps in flight; the runs stay resumable.
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => controller.abort());

runAction(runner, { cwd: process.cwd(), signal: controller.signal }).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    runner.error(error instanceof Error ? error.message : String(error), 'creds');
    process.exitCode = 1;
  },
);
