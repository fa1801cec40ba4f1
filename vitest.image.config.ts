import { defineConfig } from 'vitest/config';

// The image test: the global setup builds the image (buildah, base images from Debian packages
// when no registry answers), the test runs it with podman against real control planes and Flux.
export default defineConfig({
  test: {
    include: ['test/image/**/*.test.ts'],
    environment: 'node',
    globalSetup: ['test/image/global-setup.ts'],
    testTimeout: 600_000,
    hookTimeout: 600_000,
    maxWorkers: 1,
    expect: { poll: { timeout: 300_000, interval: 250 } },
  },
});
