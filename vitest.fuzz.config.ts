import { defineConfig } from 'vitest/config';

// `npm run fuzz`: the property-based suites alone, with many more runs than inside `npm test`.
export default defineConfig({
  test: {
    include: ['test/unit/**/*.fuzz.test.ts'],
    environment: 'node',
    testTimeout: 600_000,
  },
});
