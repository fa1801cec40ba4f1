import { spawn } from 'node:child_process';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { repoRoot } from '../harness/assets.js';
import { makeFluxManifestsBase } from '../harness/gardener-objects.js';
import { imageTools, isOnPath, removeLeftoverTestContainers } from './container-engine.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The image built for this run. */
    image: string;
    /** Why the image tests are skipped; empty when they run. */
    imageSkipReason: string;
  }
}

/** The tag the image test builds and runs; rebuilt (from cached layers) on every run. */
const testImage = 'localhost/gardener-extension-shoot-flux:test';

function runInheriting(command: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: repoRoot, stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code === 0) resolve();
      else reject(new Error(`${command} ${args.join(' ')} exited with ${code ?? 'a signal'}`));
    });
  });
}

/**
 * Builds the image with hack/build-image.sh, baking the test Flux bundle in (no network needed),
 * and provides its name. Skips (loudly) only where the container tools cannot be installed: not
 * root, or no apt-get; where they can, their absence fails the run.
 */
export default async function setup(project: TestProject): Promise<void> {
  const missing: string[] = [];
  for (const tool of imageTools) if (!(await isOnPath(tool))) missing.push(tool);
  if (missing.length > 0) {
    const installable = process.getuid?.() === 0 && (await isOnPath('apt-get'));
    if (installable) {
      throw new Error(
        `the image test needs ${missing.join(', ')}, which this machine can install: run "npm run system-packages"`,
      );
    }
    const reason = `${missing.join(', ')} not installed and not installable here (needs root and apt-get)`;
    process.stderr.write(
      `\n${'!'.repeat(78)}\n!! IMAGE TEST SKIPPED: ${reason}\n!! Install buildah, podman, runc and mmdebstrap to build and run the image.\n${'!'.repeat(78)}\n\n`,
    );
    project.provide('image', '');
    project.provide('imageSkipReason', reason);
    return;
  }
  const leftovers = await removeLeftoverTestContainers();
  if (leftovers.length > 0)
    process.stderr.write(`[image] removed leftover containers: ${leftovers.join(' ')}\n`);
  const bundles = await makeFluxManifestsBase();
  try {
    await runInheriting('bash', [
      path.join(repoRoot, 'hack', 'build-image.sh'),
      '--tag',
      testImage,
      '--flux-manifests',
      bundles,
    ]);
  } finally {
    await rm(bundles, { recursive: true, force: true });
  }
  project.provide('image', testImage);
  project.provide('imageSkipReason', '');
}
