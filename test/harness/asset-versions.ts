/** Versions of the test binaries; one place to bump them. */
export const testAssetVersions = {
  /** Flux v2.9 CRDs need Kubernetes >= 1.33. */
  kubeApiserver: 'v1.35.4',
  etcd: 'v3.6.16',
  /** The controllers of the default Flux release (v2.9.2). */
  sourceController: 'v1.9.3',
  kustomizeController: 'v1.9.3',
  /** Renders the chart in tests (helm lint / helm template). */
  helm: 'v4.2.2',
  /** The Gardener release whose CRDs the reference pins. */
  gardener: 'v1.147.1',
} as const;
