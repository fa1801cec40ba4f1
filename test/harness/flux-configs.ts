// The FluxConfig that tests, e2e cases and benches give their shoots: a GitRepository source and a
// Kustomization, built in one place so that a change of the format reaches every caller.

/** What differs between the callers' Git configs. */
export interface GitFluxConfigOptions {
  /** The repository; the branch is always `main`. */
  url: string;
  /** `flux.namespace`; left out (the default namespace) when undefined. */
  fluxNamespace?: string;
  /** More GitRepository spec fields, e.g. `interval`. */
  gitSpec?: Record<string, unknown>;
  /** The shoot resource with the Git credentials; none when undefined. */
  secretResourceName?: string;
  /** The Kustomization template (default: `spec.path` `./clusters/shoot`). */
  kustomization?: Record<string, unknown>;
  additionalSecretResources?: Record<string, unknown>[];
  syncMode?: string;
}

/** A current-format FluxConfig as a user writes it (also a plain record, for tests that edit it). */
export interface GitFluxConfig extends Record<string, unknown> {
  apiVersion: string;
  kind: 'FluxConfig';
  syncMode?: string;
  flux?: Record<string, unknown>;
  source: {
    template: { apiVersion: string; kind: string; spec: Record<string, unknown> };
    secretResourceName?: string;
  };
  kustomization: { template: Record<string, unknown> };
  additionalSecretResources?: Record<string, unknown>[];
}

/** The FluxConfig of a GitRepository at `url`'s branch `main` and a Kustomization. */
export function buildGitFluxConfig(options: GitFluxConfigOptions): GitFluxConfig {
  return {
    apiVersion: 'flux.extensions.gardener.cloud/v1alpha1',
    kind: 'FluxConfig',
    ...(options.syncMode !== undefined ? { syncMode: options.syncMode } : {}),
    ...(options.fluxNamespace !== undefined ? { flux: { namespace: options.fluxNamespace } } : {}),
    source: {
      template: {
        apiVersion: 'source.toolkit.fluxcd.io/v1',
        kind: 'GitRepository',
        spec: { url: options.url, ref: { branch: 'main' }, ...options.gitSpec },
      },
      ...(options.secretResourceName !== undefined ? { secretResourceName: options.secretResourceName } : {}),
    },
    kustomization: { template: options.kustomization ?? { spec: { path: './clusters/shoot' } } },
    ...(options.additionalSecretResources !== undefined
      ? { additionalSecretResources: options.additionalSecretResources }
      : {}),
  };
}
