/** Versions of the test binaries; one place to bump them. */
export const testAssetVersions = {
  /** Flux v2.9 CRDs need Kubernetes >= 1.33. */
  kubeApiserver: 'v1.35.4',
  etcd: 'v3.6.16',
  /** The controllers of the default Flux release (v2.9.2). */
  sourceController: 'v1.9.3',
  kustomizeController: 'v1.9.3',
  /** The source-controller of the older Flux release of the e2e matrix (see `fluxReleases`). */
  legacySourceController: 'v1.3.0',
  /** Renders the chart in tests (helm lint / helm template). */
  helm: 'v4.2.2',
  /**
   * Renders Flux release bundles from Go modules: the version Flux's own release workflow
   * installs (fluxcd/pkg's `actions/kustomize` default) when it builds `manifests.tar.gz`.
   */
  kustomize: 'v5.3.0',
  /**
   * Checks the chart's PrometheusRule (`promtool check rules`): Prometheus v3.16's Go module
   * (Prometheus tags its Go module v0.<minor>.<patch>). A cold build takes about 7 minutes.
   */
  promtool: 'v0.316.0',
  /** The Gardener release whose CRDs the reference pins. */
  gardener: 'v1.147.1',
} as const;

/** A Flux release whose bundle (`manifests.tar.gz`, unpacked) the tests and `npm start` use. */
export interface FluxReleasePin {
  version: string;
  /**
   * sha256 over the bundle's files: of the text `sha256sum *.yaml` prints for them (sorted by
   * name, C locale), i.e. `(cd DIR && LC_ALL=C sha256sum *.yaml | sha256sum)`. It verifies a
   * download and, where kustomize renders byte for byte what Flux's release did, an assembly.
   * Undefined when no official copy of the bundle was at hand to compute it from.
   */
  contentSha256?: string;
  /** Components to assemble; the default: every `manifests/bases/*` of the release. */
  components?: readonly string[];
  /**
   * Components taken from another release's bundle instead of their own: the Go module proxy
   * refuses the controller versions this release pins, so they cannot be assembled here.
   */
  borrowed?: { from: string; components: readonly string[] };
}

/**
 * The Flux releases the tests need bundles of. `current` is the default Flux version of the
 * extension (the installer tests, the e2e suite, `npm start`). `v1beta2Only` is the older leg
 * of the OCIRepository matrix: before v2.6.0 Flux served OCIRepository as `v1beta2` only.
 */
export const fluxReleases = {
  current: {
    version: 'v2.9.2',
    // Computed from the release's own files, as unpacked from its manifests.tar.gz.
    contentSha256: 'beb9692e957d5049cd5d6983cdb67dee71cd9e3d50e737f8f533c32beffe734d',
  },
  v1beta2Only: {
    version: 'v2.3.0',
    // The modules of kustomize-controller v1.3.0, helm-controller v1.0.1 and
    // notification-controller v1.3.0 (what v2.3.0 pins) are not served by the Go module proxy
    // these machines reach; source-controller v1.3.0, the part the matrix is about, is.
    components: ['source-controller'],
    borrowed: {
      from: 'v2.9.2',
      components: ['kustomize-controller', 'helm-controller', 'notification-controller'],
    },
  },
} as const satisfies Record<string, FluxReleasePin>;
