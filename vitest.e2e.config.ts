import { defineConfig } from 'vitest/config';

// End to end: the built CLI as a black box against real control planes and real Flux.
export default defineConfig({
  test: {
    include: ['test/e2e/**/*.test.ts'],
    environment: 'node',
    testTimeout: 600_000,
    hookTimeout: 600_000,
    maxWorkers: 1,
    expect: { poll: { timeout: 300_000, interval: 250 } },
  },
});
