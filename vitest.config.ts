import { defineConfig } from 'vitest/config';

// One run over every package, so the suite prints one summary.
export default defineConfig({
  test: {
    projects: ['packages/*', 'apps/*', 'examples/*', 'docs'],
    reporters: ['default', './tools/summary-reporter.ts'],
  },
});
