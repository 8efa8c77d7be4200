import { defineConfig } from 'vitest/config';

// The reliability suite (`pnpm test:reliability`): the real, built CLI as child processes against
// sandbox servers this process runs. Not part of the default `vitest run` projects: it takes minutes.
export default defineConfig({
  test: {
    root: import.meta.dirname,
    include: ['test/**/*.test.ts'],
    globalSetup: ['./global-setup.ts'],
    // A crash matrix kills, resumes and rolls back a real CLI at every step boundary: setup's takes
    // about 220 s on an idle two-core machine, rotate's (more steps: verify, drain, last-use check)
    // longer. The bound is a guard against a hang, not a speed target.
    testTimeout: 900_000,
    hookTimeout: 60_000,
    // Two files at once (this machine has two cores); the crash matrix runs its own pool inside.
    maxWorkers: 2,
    pool: 'forks',
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  },
});
