import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    passWithNoTests: true,
    testTimeout: 30_000,
  },
});
