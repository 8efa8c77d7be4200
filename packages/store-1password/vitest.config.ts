import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    passWithNoTests: true,
    // Each `op` call here starts a Node process (the fake op); hooks that make items wait on them.
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
