import type { WorkloadTargets } from '../kube/workload-readiness.js';
import type { Manifest } from './install/manifest.js';

/** The label every object of a Flux installation carries; its CRDs are listed by it. */
export const fluxInstallLabelSelector = 'app.kubernetes.io/part-of=flux';

/**
 * What a Flux installation must have before it counts as ready: the CRDs and the controllers'
 * Deployments of its rendered install set (the reference checked only source-controller).
 */
export function buildInstallReadinessTargets(
  manifests: readonly Manifest[],
  namespace: string,
): WorkloadTargets {
  return {
    namespace,
    crds: manifests.filter((m) => m.kind === 'CustomResourceDefinition').map((m) => m.metadata.name),
    deployments: manifests
      .filter((m) => m.kind === 'Deployment' && m.metadata.namespace === namespace)
      .map((m) => m.metadata.name),
  };
}
