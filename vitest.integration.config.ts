import { defineConfig } from 'vitest/config';

// One seed and one shoot control plane per run (global setup); files run in parallel, each in
// its own namespaces. Timeouts are central here, never sleeps in tests.
export default defineConfig({
  test: {
    include: ['test/integration/**/*.test.ts'],
    environment: 'node',
    globalSetup: ['test/integration/global-setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 240_000,
    maxWorkers: 2,
    expect: { poll: { timeout: 60_000, interval: 100 } },
  },
});
