import { CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
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
    const leaked = await findLeftovers(seed, shoot).finally(() => Promise.all(planes.map((p) => p.stop())));
    // Every test removes what it created (one namespace per test, removed after it): what is
    // left here was created by a test that did not.
    // Vitest reports an error thrown here but still exits 0, so the exit code says it.
    if (leaked.length > 0) {
      process.stderr.write(`[control-plane] tests left objects behind: ${leaked.join(', ')}\n`);
      process.exitCode = 1;
    }
  };
}

/** The namespaces every API server has; anything else a test created. */
const systemNamespaces = new Set(['default', 'kube-system', 'kube-public', 'kube-node-lease']);

/** Namespaces (both clusters) and Clusters (seed) that no test removed. */
async function findLeftovers(seed: ControlPlane, shoot: ControlPlane): Promise<string[]> {
  const leftovers: string[] = [];
  for (const plane of [seed, shoot]) {
    const namespaces = await plane.kubeConfig.makeApiClient(CoreV1Api).listNamespace();
    for (const namespace of namespaces.items) {
      const name = namespace.metadata?.name ?? '';
      if (!systemNamespaces.has(name)) leftovers.push(`${plane.name} namespace ${name}`);
    }
  }
  const clusters = (await seed.kubeConfig.makeApiClient(CustomObjectsApi).listClusterCustomObject({
    group: 'extensions.gardener.cloud',
    version: 'v1alpha1',
    plural: 'clusters',
  })) as { items: { metadata: { name: string } }[] };
  for (const cluster of clusters.items) leftovers.push(`seed Cluster ${cluster.metadata.name}`);
  return leftovers;
}
