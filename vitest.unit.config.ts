import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/unit/**/*.test.ts'],
    environment: 'node',
    // Some unit tests start the built CLI as a process; on a busy machine that takes seconds.
    // The one generous timeout lives here, never around a single spawn.
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
