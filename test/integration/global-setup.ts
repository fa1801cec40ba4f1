import type { TestProject } from 'vitest/node';
import { startControlPlane, type ControlPlane } from '../harness/control-plane.js';
import { buildShootAccessKubeconfig } from '../harness/gardener-objects.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Admin kubeconfig of the seed control plane (Gardener CRDs). */
    seedKubeconfig: string;
    /** Admin kubeconfig of the shoot control plane (Flux CRDs). */
    shootKubeconfig: string;
    /** The shoot's kubeconfig as a `gardener` access secret holds it (CA inlined). */
    shootAccessKubeconfig: string;
  }
}

/** Starts the run's seed and shoot control planes once, and stops them after the run. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const progress = (line: string) => process.stderr.write(`[control-plane] ${line}\n`);
  const results = await Promise.allSettled([
    startControlPlane({ name: 'seed', crds: ['gardener'], progress }),
    startControlPlane({ name: 'shoot', crds: ['flux'], progress }),
  ]);
  const planes = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const failure = results.find((r) => r.status === 'rejected');
  if (failure) {
    await Promise.all(planes.map((p) => p.stop()));
    throw failure.reason;
  }
  const [seed, shoot] = planes as [ControlPlane, ControlPlane];
  project.provide('seedKubeconfig', seed.kubeconfigPath);
  project.provide('shootKubeconfig', shoot.kubeconfigPath);
  project.provide('shootAccessKubeconfig', await buildShootAccessKubeconfig(shoot));
  return async () => {
    await Promise.all(planes.map((p) => p.stop()));
  };
}
